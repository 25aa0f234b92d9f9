/**
 * `npm run bench:load`: the server under Slack-like load, in a separate process, against a fake
 * Slack Web API on loopback. 10,000 correctly signed app_mention events at 200 concurrent, 10% of
 * them redelivered with x-slack-retry-num. Prints ack latency, errors, duplicate answers and the
 * server's RSS growth. Prints figures; asserts nothing.
 */
import { createHmac } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request, setGlobalDispatcher } from "undici";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort, waitFor } from "../tests/processes.js";
import { percentile } from "../evals/metrics.js";

const TOTAL = Number(process.env.LOAD_REQUESTS ?? 10_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 200);
const RETRY_SHARE = 0.1;
const SECRET = "bench-signing-secret";
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");

setGlobalDispatcher(new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 }));
/**
 * A deliberately cheap fake Slack Web API (raw node:http, no body parsing beyond a regex) so the
 * load generator's machine share goes to the server under test. It counts chat.postMessage calls
 * per thread to find duplicate or missing answers.
 */
const answersByThread = new Map<string, number>();
let postMessages = 0;
let seq = 0;
const fakeApi = createServer((req, res) => {
  let body = "";
  req.on("data", (d: Buffer) => (body += d.toString()));
  req.on("end", () => {
    if (req.url?.includes("chat.postMessage")) {
      postMessages++;
      const thread = /(?:^|&)thread_ts=([^&]+)/u.exec(body)?.[1] ?? "none";
      answersByThread.set(thread, (answersByThread.get(thread) ?? 0) + 1);
    }
    res.setHeader("content-type", "application/json");
    res.end(req.url?.includes("auth.test") ? '{"ok":true,"user_id":"UBOT","bot_id":"BBOT","team_id":"T1"}' : `{"ok":true,"ts":"${++seq}.0001"}`);
  });
});
await new Promise<void>((resolve) => fakeApi.listen(0, "127.0.0.1", resolve));
const slackApi = { url: `http://127.0.0.1:${(fakeApi.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => fakeApi.close(() => r())) };
const dataDir = mkdtempSync(join(tmpdir(), "coach-load-"));
const port = await freePort();
// LOAD_PROFILE=DIR writes a V8 CPU profile of the server to DIR (open it in Chrome DevTools).
const profile = process.env.LOAD_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.LOAD_PROFILE}`] : [];
if (process.env.LOAD_HEAP_SNAPSHOT) profile.push("--heapsnapshot-signal=SIGUSR2");
// The server runs exactly as `npm start` runs it (same Node flags), unless LOAD_NODE_FLAGS says otherwise.
const startScript = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start.split(" ");
const nodeFlags = process.env.LOAD_NODE_FLAGS !== undefined ? process.env.LOAD_NODE_FLAGS.split(" ").filter(Boolean) : startScript.slice(1).filter((a) => a.startsWith("--max-"));
const server = spawn(process.execPath, [...nodeFlags, ...profile, "--import", "tsx", join(repo, "server/main.ts")], {
  cwd: repo,
  env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "0", SLACK_BOT_TOKEN: "xoxb-bench", SLACK_SIGNING_SECRET: SECRET, SLACK_APP_TOKEN: "", SLACK_API_URL: `${slackApi.url}/api/`, REDIS_URL: "" },
  stdio: ["ignore", "ignore", "inherit"],
});
const url = `http://127.0.0.1:${port}`;
await waitFor(async () => (await (await fetch(`${url}/readyz`)).json() as { status: string }).status === "ready", 60_000, "server ready");
const rss = () => Number(/VmRSS:\s+(\d+)/u.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))![1]) / 1024;

const questions = [
  "Which vendors lead predictive maintenance?",
  "What is a digital twin used for?",
  "How long are manufacturing procurement cycles?",
  "What should I know about edge inference?",
  "Which functional safety standards matter?",
  "How do I build a portfolio project?",
];
function signedEvent(i: number): { body: string; headers: Record<string, string> } {
  const event = { type: "app_mention", user: `U${i % 500}`, text: `<@UBOT> ${questions[i % questions.length]}`, ts: `${1_700_000_000 + i}.000100`, channel: `C${i % 50}`, event_ts: `${1_700_000_000 + i}.000100` };
  const body = JSON.stringify({ team_id: "T1", api_app_id: "A1", type: "event_callback", event_id: `EvLoad${i}`, event_time: 1, authorizations: [{ team_id: "T1", user_id: "UBOT", is_bot: true }], event });
  const ts = Math.floor(Date.now() / 1000);
  return { body, headers: { "content-type": "application/json", "x-slack-request-timestamp": String(ts), "x-slack-signature": `v0=${createHmac("sha256", SECRET).update(`v0:${ts}:${body}`).digest("hex")}` } };
}

async function run(count: number, offset: number, latencies: number[]): Promise<number> {
  let next = 0;
  let errors = 0;
  // Signed up front, so the measured loop spends its CPU on sending, not on HMACs.
  const requests = Array.from({ length: count }, (_, n) => {
    const retry = n % Math.round(1 / RETRY_SHARE) === 1;
    return { retry, ...signedEvent(retry ? offset + n - 1 : offset + n) };
  });
  const worker = async () => {
    for (let n = next++; n < count; n = next++) {
      const { retry, body, headers } = requests[n]!;
      const started = performance.now();
      try {
        // undici.request, not fetch: the lighter client leaves more of the machine to the server.
        const res = await request(`${url}/slack/events`, { method: "POST", headers: retry ? { ...headers, "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } : headers, body });
        await res.body.dump();
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return errors;
}

// Warm-up, then measure.
await run(500, 1_000_000, []);
await waitFor(async () => postMessages >= 450, 60_000, "warm-up answers");
const rssBefore = rss();
const postsBefore = postMessages;
const latencies: number[] = [];
const serverCpu = () => { const f = readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) / 100; };
const cpuBefore = process.cpuUsage();
const serverCpuBefore = serverCpu();
const started = performance.now();
const errors = await run(TOTAL, 0, latencies);
const seconds = (performance.now() - started) / 1000;
const clientCpu = process.cpuUsage(cpuBefore);
const serverCpuUsed = serverCpu() - serverCpuBefore;
const uniqueEvents = TOTAL - Math.floor(TOTAL * RETRY_SHARE);
await waitFor(async () => postMessages - postsBefore >= uniqueEvents, 120_000, "all answers").catch(() => undefined);
await new Promise((r) => setTimeout(r, 1_000));
const answers = postMessages - postsBefore;
const duplicated = [...answersByThread.values()].filter((n) => n > 1).length;
const rssAfter = rss();
latencies.sort((a, b) => a - b);

const out = (label: string, value: string) => process.stdout.write(`${label.padEnd(30)} ${value}\n`);
out("server node flags", nodeFlags.join(" ") || "(none)");
out("requests", `${TOTAL} signed app_mention events (${TOTAL - uniqueEvents} redelivered with x-slack-retry-num), ${CONCURRENCY} concurrent`);
out("throughput", `${(TOTAL / seconds).toFixed(0)} req/s`);
out("ack latency", `p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`);
out("errors", String(errors));
out("CPU during the run", `server ${((100 * serverCpuUsed) / seconds).toFixed(0)}% of a core, load generator + fake Slack API ${((100 * (clientCpu.user + clientCpu.system)) / 1e6 / seconds).toFixed(0)}% (2 cores in all)`);
out("answers posted", `${answers} for ${uniqueEvents} distinct events (threads answered twice: ${duplicated}, missing: ${Math.max(0, uniqueEvents - answers)})`);
out("server RSS", `${rssBefore.toFixed(0)} MB after warm-up → ${rssAfter.toFixed(0)} MB after the run (growth ${(rssAfter - rssBefore).toFixed(1)} MB)`);

if (process.env.LOAD_HEAP_SNAPSHOT) {
  server.kill("SIGUSR2");
  await new Promise((r) => setTimeout(r, 8_000));
}
const metrics = await (await fetch(`${url}/metrics`)).text();
const heap = Number(/^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/mu.exec(metrics)?.[1] ?? 0) / 1024 / 1024;
out("server heap used", `${heap.toFixed(0)} MB at the end (RSS also holds memory V8 has not returned to the OS)`);
server.kill("SIGTERM");
await new Promise((r) => server.once("exit", r));
await slackApi.close();
rmSync(dataDir, { recursive: true, force: true });
