/**
 * `npm run bench:security`: the figures behind #14 (hardening). Prints them, and exits non-zero
 * when an adversarial input takes longer than BOUND_MS (a quadratic rail coming back): the timing
 * bounds live here, not in the tests, which assert behaviour only.
 *
 * 1. Adversarial inputs that blocked the event loop for seconds (63,000-digit history turns,
 *    "1-"/"1!" runs, U+FDFA × 3,900, a 40,000-character Slack assistant message): the time each
 *    takes to answer, in process (coach.ask) and over HTTP against the server process, and how
 *    long /healthz takes while six of them are in flight.
 * 2. Memory: the server process (`npm start`, heap capped at 160 MB as in the report) under
 *    SECURITY_IDS (default 1,000,000) web requests, each with a new clientId and, through a
 *    trusted loopback proxy, a new client address, so both per-address and per-user counters see
 *    a new key every time. Prints the server's RSS before, at peak and after.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request, setGlobalDispatcher } from "undici";
import { loadConfig } from "../src/config.js";
import { createCoach } from "../src/coach.js";
import { silentLogger } from "../src/logger.js";
import { redactAndTruncate } from "../src/guardrails/privacy.js";
import { neutralizeControlSequences } from "../src/guardrails/output.js";
import { freePort, waitFor } from "../tests/processes.js";
import { percentile } from "../evals/metrics.js";
import { parseArgs } from "node:util";

const IDS = Number(process.env.SECURITY_IDS ?? 1_000_000);
const CONCURRENCY = Number(process.env.SECURITY_CONCURRENCY ?? 64);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
setGlobalDispatcher(new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 }));

const slackMessage = `Reach me at jane.doe@plant.example. ${"Tell me about predictive maintenance vendors and the data they need. ".repeat(600)}`.slice(0, 40_000);
const ADVERSARIAL: { name: string; question: string; history: { role: "user" | "assistant"; content: string }[] }[] = [
  { name: "history turn: 63,000 digits", question: "What is predictive maintenance?", history: [{ role: "user", content: "1".repeat(63_000) }] },
  { name: 'history turn: "1-" × 31,500', question: "What is predictive maintenance?", history: [{ role: "user", content: "1-".repeat(31_500) }] },
  { name: 'history turn: "1!" × 31,500', question: "What is predictive maintenance?", history: [{ role: "user", content: "1!".repeat(31_500) }] },
  { name: "question: U+FDFA × 3,900 (12 KB)", question: "\uFDFA".repeat(3_900), history: [] },
  { name: "question: 40,000-character message", question: slackMessage, history: [] },
];

const ms = (started: number) => performance.now() - started;
const median = (times: number[]) => percentile(times.slice().sort((a, b) => a - b), 0.5);
/** The slowest an adversarial input may be answered (tests/security-inputs.test.ts has the behaviour). */
const BOUND_MS = 2_000;
const overBound: string[] = [];
const bounded = (name: string, times: number[]) => {
  const worst = Math.max(...times);
  if (worst > BOUND_MS) overBound.push(`${name}: ${worst.toFixed(0)} ms`);
  return worst > BOUND_MS ? `  OVER THE ${BOUND_MS} ms BOUND` : "";
};
const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => `${n.toFixed(1)} ms`;

async function inProcess(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "coach-bench-security-"));
  try {
    const config = loadConfig({ DATA_DIR: join(work, "data"), KNOWLEDGE_DIR: join(repo, "knowledge"), RATE_LIMIT_PER_MINUTE: "0" }, repo);
    const coach = await createCoach(config, silentLogger);
    await coach.ask({ text: "What is a digital twin?", history: [], user: { id: "warm", platform: "cli" }, conversationId: "warm" });
    say("\nAdversarial inputs, in process (coach.ask), median and max of 9 runs after one warm-up:");
    for (const input of ADVERSARIAL) {
      const times: number[] = [];
      await coach.ask({ text: input.question, history: input.history, user: { id: "bench", platform: "web" }, conversationId: "bench-warm" });
      for (let i = 0; i < 9; i++) {
        const started = performance.now();
        await coach.ask({ text: input.question, history: input.history, user: { id: "bench", platform: "web" }, conversationId: `bench-${i}` });
        times.push(ms(started));
      }
      say(`  ${input.name.padEnd(40)} p50 ${fmt(median(times)).padStart(9)}   max ${fmt(Math.max(...times)).padStart(9)}${bounded(`in process, ${input.name}`, times)}`);
    }
    const titleTimes: number[] = [];
    for (let i = 0; i < 9; i++) {
      const started = performance.now();
      neutralizeControlSequences(redactAndTruncate(slackMessage, 80));
      titleTimes.push(ms(started));
    }
    say(`  ${"Slack assistant title of the 40,000 chars".padEnd(40)} p50 ${fmt(median(titleTimes)).padStart(9)}   max ${fmt(Math.max(...titleTimes)).padStart(9)}${bounded("Slack assistant title", titleTimes)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/u.exec(status)?.[1] ?? 0) / 1024;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

async function overHttp(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "coach-bench-security-"));
  const port = await freePort();
  const child = spawn(process.execPath, ["--max-old-space-size=160", "--import", "tsx", join(repo, "server/main.ts")], {
    cwd: repo,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", DATA_DIR: join(work, "data"), RATE_LIMIT_PER_MINUTE: "20", WEB_RATE_LIMIT_PER_MINUTE: "20", TRUST_PROXY: "loopback", SLACK_BOT_TOKEN: "", MicrosoftAppId: "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, 60_000, "server");
    let address = 0;
    const nextAddress = () => {
      address++;
      return `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    };

    say("\nAdversarial inputs over HTTP (server process, POST /api/ask), median and max of 9 runs after one warm-up:");
    for (const input of ADVERSARIAL) {
      const times: number[] = [];
      await post(`${base}/api/ask`, { question: input.question, history: input.history }, { "x-forwarded-for": nextAddress() });
      for (let i = 0; i < 9; i++) {
        const started = performance.now();
        await post(`${base}/api/ask`, { question: input.question, history: input.history }, { "x-forwarded-for": nextAddress() });
        times.push(ms(started));
      }
      say(`  ${input.name.padEnd(40)} p50 ${fmt(median(times)).padStart(9)}   max ${fmt(Math.max(...times)).padStart(9)}${bounded(`over HTTP, ${input.name}`, times)}`);
    }
    // The event loop stays free: /healthz answers while six adversarial requests are in flight.
    const healthTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      const inFlight = ADVERSARIAL.slice(0, 3)
        .flatMap((input) => [input, input])
        .map((input) => post(`${base}/api/ask`, { question: input.question, history: input.history }, { "x-forwarded-for": nextAddress() }));
      const started = performance.now();
      await fetch(`${base}/healthz`);
      healthTimes.push(ms(started));
      await Promise.all(inFlight);
    }
    say(`  ${"/healthz with six of them in flight".padEnd(40)} p50 ${fmt(median(healthTimes)).padStart(9)}   max ${fmt(Math.max(...healthTimes)).padStart(9)}${bounded("/healthz under adversarial load", healthTimes)}`);

    say(`\nMemory: ${IDS.toLocaleString("en-US")} requests, each a new clientId from a new address (TRUST_PROXY=loopback), ${CONCURRENCY} concurrent, heap capped at 160 MB:`);
    for (let i = 0; i < 5_000; i++) await post(`${base}/api/ask`, { question: "hi", clientId: `warm-${i}` }, { "x-forwarded-for": nextAddress() });
    const before = rssMb(child.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!))), 500);
    let sent = 0;
    let errors = 0;
    const outcomes = new Map<string, number>();
    const started = performance.now();
    let lastReport = started;
    const worker = async () => {
      while (sent < IDS) {
        const n = sent++;
        try {
          const { json } = await post(`${base}/api/ask`, { question: "hi", clientId: `rotating-${n}-${Math.random().toString(36).slice(2)}` }, { "x-forwarded-for": nextAddress() });
          const key = `${json.outcome}/${json.reason}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        } catch {
          errors++;
        }
        if (performance.now() - lastReport > 30_000) {
          lastReport = performance.now();
          process.stderr.write(`  … ${n.toLocaleString("en-US")} sent, RSS ${rssMb(child.pid!).toFixed(0)} MB\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(sampler);
    const seconds = ms(started) / 1000;
    const after = rssMb(child.pid!);
    const healthy = (await fetch(`${base}/healthz`)).ok;
    say(`  ${IDS.toLocaleString("en-US")} requests in ${seconds.toFixed(0)} s (${Math.round(IDS / seconds).toLocaleString("en-US")} req/s), errors ${errors}, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    say(`  server RSS: before ${before.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB: growth ${(after - before).toFixed(1)} MB (peak +${(peak - before).toFixed(1)} MB); still healthy: ${healthy}`);
  } catch (error) {
    process.stderr.write(`server stderr (tail):\n${stderr}\n`);
    throw error;
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(work, { recursive: true, force: true });
  }
}

// `npm run bench:security -- inputs` runs the in-process part alone.
const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const only = positionals[0];
if (!only || only === "inputs") await inProcess();
await (only === "inputs" ? Promise.resolve() : overHttp());
if (overBound.length) {
  say(`\nOver the ${BOUND_MS} ms bound: ${overBound.join("; ")}`);
  process.exitCode = 1;
}
