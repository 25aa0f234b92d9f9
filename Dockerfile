# syntax=docker/dockerfile:1
# Build: compile the native HNSW addon and build the index into the image, so every replica
# starts with the same read-only index and needs no network.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY knowledge ./knowledge
ENV DATA_DIR=/app/data
RUN npm run ingest && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production DATA_DIR=/app/data PORT=3978
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3978
# The server (npm start) arrives with the server issue; until then the image answers on the CLI:
#   docker run --rm coach npm run --silent ask -- "What is a digital twin?"
CMD ["npm", "run", "--silent", "ask", "--", "--help"]
