// Child process of bench/run.ts and bench/scale.ts: bench/cold-start.ts for the compiled code in
// dist/ (what `npm start` and the Docker image run), under plain node with no TypeScript loader.
// Time from process start to the first answer, index already built.
import { performance } from "node:perf_hooks";
import process from "node:process";
import { URL } from "node:url";

const dist = new URL("../dist/src/", import.meta.url);
const { loadConfig } = await import(new URL("config.js", dist).href);
const { silentLogger } = await import(new URL("logger.js", dist).href);
const { createCoach } = await import(new URL("coach.js", dist).href);
const coach = await createCoach({ ...loadConfig(), rateLimitPerMinute: 0 }, silentLogger);
const answer = await coach.ask({ text: process.argv[2] ?? "What is a digital twin?", history: [], user: { id: "bench", platform: "cli" }, conversationId: "bench" });
process.stdout.write(JSON.stringify({ coldStartMs: Math.round(performance.now()), outcome: answer.outcome }));
