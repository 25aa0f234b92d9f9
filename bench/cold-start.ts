/** Child process of bench/run.ts: time from process start to the first answer, index already built. */
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/logger.js";
import { createCoach } from "../src/coach.js";
import { parseArgs } from "node:util";

const coach = await createCoach({ ...loadConfig(), rateLimitPerMinute: 0 }, silentLogger);
const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const answer = await coach.ask({ text: positionals[0] ?? "What is a digital twin?", history: [], user: { id: "bench", platform: "cli" }, conversationId: "bench" });
process.stdout.write(JSON.stringify({ coldStartMs: Math.round(performance.now()), outcome: answer.outcome }));
