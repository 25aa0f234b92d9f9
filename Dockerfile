# syntax=docker/dockerfile:1
# Build: install from the lockfile (compiling the HNSW native addon), compile the server to dist/
# (npm run build) and build the index into the image, so every replica starts compiled code with
# the same read-only index and needs no network.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY adapters ./adapters
COPY server ./server
COPY knowledge ./knowledge
COPY prompts ./prompts
RUN npm run build
ENV DATA_DIR=/app/data
RUN npm run ingest
RUN npm prune --omit=dev --no-audit --no-fund

# Runtime: the same Node, no compilers, a non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production DATA_DIR=/app/data PORT=3978
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A bounded heap keeps RSS flat under bursts (see npm run bench:load); live memory is ~60-100 MB.
# Compiled JavaScript, as `npm start` runs it: no TypeScript transform at start.
CMD ["node", "--max-old-space-size=384", "dist/server/main.js"]
