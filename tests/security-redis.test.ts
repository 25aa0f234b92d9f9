import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoachServer, type RunningServer } from "../server/start.js";
import { recordingLogger, tempWorkspace, type Json } from "./helpers.js";
import { freePort, startRedis, stopProcess, waitFor } from "./processes.js";

/**
 * #14 items 4 and 5 with a real redis-server: a frozen Redis (SIGSTOP) must not hang answers, and
 * feedback acknowledged to a user must survive Redis crashing with its default persistence.
 */
let ws: ReturnType<typeof tempWorkspace>;
const servers: RunningServer[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  ws = tempWorkspace();
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const c of children) {
    c.kill("SIGCONT");
    await stopProcess(c, "SIGKILL");
  }
  ws?.cleanup();
});

const ask = (server: RunningServer, question: string) =>
  fetch(`${server.url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question, clientId: "redis-user" }) }).then((r) => r.json() as Promise<Json>);
const ready = (server: RunningServer) => fetch(`${server.url}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as Json }));

describe("a frozen Redis (kill -STOP)", () => {
  it("does not hold answers up: commands time out into in-process state, /readyz says so, and Redis is used again once it answers", async () => {
    const redis = await startRedis();
    children.push(redis.child);
    const log = recordingLogger();
    const server = await startCoachServer({ ...ws.config, port: 0, redisUrl: redis.url, redisTimeoutMs: 300, rateLimitPerMinute: 100 }, log.logger, { host: "127.0.0.1" });
    servers.push(server);
    expect((await ask(server, "What is a digital twin?")).outcome).toBe("answered");
    expect((await ready(server)).body.stateHealth).toMatchObject({ ok: true, appendOnly: false });

    redis.child.kill("SIGSTOP");
    const started = performance.now();
    const answers = await Promise.all(["What is predictive maintenance?", "What is generative design?", "What is energy optimization?"].map((q) => ask(server, q)));
    expect(answers.map((a) => a.outcome)).toEqual(["answered", "answered", "answered"]);
    expect(performance.now() - started).toBeLessThan(2_000);
    const frozen = await ready(server);
    expect(frozen.status).toBe(200);
    expect(frozen.body.stateHealth).toMatchObject({ ok: false });
    expect(frozen.body.stateHealth.detail).toMatch(/Redis unavailable since .*did not answer within 300 ms.*in-process state/u);
    // Answered at once from now on, without waiting for the timeout again.
    const again = performance.now();
    expect((await ask(server, "What is a digital twin?")).outcome).toBe("answered");
    expect(performance.now() - again).toBeLessThan(300);
    expect(log.lines.filter((l) => l.code === "coach_state_degraded")).toHaveLength(1);

    redis.child.kill("SIGCONT");
    await waitFor(async () => (await ready(server)).body.stateHealth.ok === true, 10_000, "Redis back in /readyz");
    expect(log.lines.filter((l) => l.code === "coach_state_recovered")).toHaveLength(1);
    expect((await ask(server, "What is a digital twin?")).outcome).toBe("answered");
  });
});

describe("feedback durability with Redis on its default persistence", () => {
  it("keeps every acknowledged feedback when Redis crashes (kill -9) right after", async () => {
    // redis-server as installed: default RDB snapshots, no AOF.
    const dir = mkdtempSync(join(tmpdir(), "coach-redis-"));
    const port = await freePort();
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir], { stdio: "ignore" });
    children.push(child);
    const url = `redis://127.0.0.1:${port}`;
    const { createClient } = await import("redis");
    await waitFor(async () => {
      const c = createClient({ url, socket: { reconnectStrategy: false } });
      c.on("error", () => undefined);
      await c.connect();
      await c.quit();
      return true;
    }, 10_000, "redis-server");

    const dataDir = join(ws.root, "data-durable");
    const server = await startCoachServer({ ...ws.config, dataDir, port: 0, redisUrl: url }, recordingLogger().logger, { host: "127.0.0.1" });
    servers.push(server);
    const ids = Array.from({ length: 206 }, (_, i) => `answer-${i}`);
    for (const answerId of ids) {
      const res = await fetch(`${server.url}/api/feedback`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ answerId, rating: "up" }) });
      expect(res.status).toBe(202);
    }
    // The shared copy reached Redis too.
    const c = createClient({ url });
    await c.connect();
    expect(await c.xLen("coach:feedback")).toBe(206);
    await c.quit();

    await stopProcess(child, "SIGKILL");
    const kept = readFileSync(join(dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).answerId as string);
    expect(kept).toEqual(ids);
    rmSync(dir, { recursive: true, force: true });
  });
});
