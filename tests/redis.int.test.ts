import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { startCoachServer, type RunningServer } from "../src/server/start.js";
import { recordingLogger, tempWorkspace, type Json } from "./helpers.js";
import { startRedis, stopProcess } from "./processes.js";

let redis: { url: string; child: ChildProcess };
let ws: ReturnType<typeof tempWorkspace>;
let a: RunningServer;
let b: RunningServer;
const logA = recordingLogger();

beforeAll(async () => {
  redis = await startRedis();
  ws = tempWorkspace();
  const config = { ...ws.config, port: 0, redisUrl: redis.url, rateLimitPerMinute: 3 };
  a = await startCoachServer(config, logA.logger, { host: "127.0.0.1" });
  b = await startCoachServer(config, recordingLogger().logger, { host: "127.0.0.1" });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  if (redis) await stopProcess(redis.child);
  ws?.cleanup();
});

const ask = (server: RunningServer, question: string, extra: Record<string, string> = {}) =>
  fetch(`${server.url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question, ...extra }) }).then((r) => r.json() as Promise<Json>);

describe("two replicas sharing one real redis-server", () => {
  it("use Redis for state", async () => {
    const ready = (await (await fetch(`${a.url}/readyz`)).json()) as Json;
    expect(ready.state).toBe("redis");
  });

  it("claim a redelivered event exactly once across replicas", async () => {
    const results = await Promise.all([a.service.firstDelivery("slack", "Ev123"), b.service.firstDelivery("slack", "Ev123"), a.service.firstDelivery("slack", "Ev123")]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.service.firstDelivery("slack", "Ev456")).toBe(true);
  });

  it("hold one rate limit across both replicas", async () => {
    const user = { clientId: "same-person" };
    const outcomes = [];
    for (const server of [a, b, a, b]) outcomes.push((await ask(server, "What is a digital twin?", user)).reason);
    expect(outcomes).toEqual([null, null, null, "rate_limited"]);
  });

  it("share conversation memory: a follow-up on B uses the question asked on A", async () => {
    await ask(a, "What is generative design?", { conversationId: "shared-1", clientId: "memory-user" });
    const followUp = await ask(b, "Who uses it?", { conversationId: "shared-1", clientId: "memory-user" });
    expect(followUp.outcome).toBe("answered");
    expect(followUp.text).toMatch(/Airbus/u);
  });

  it("write feedback to a Redis stream", async () => {
    const answer = await ask(a, "What is predictive maintenance?", { clientId: "fb-user" });
    const res = await fetch(`${b.url}/api/feedback`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ answerId: answer.answerId, rating: "up" }) });
    expect(res.status).toBe(202);
    const { createClient } = await import("redis");
    const client = createClient({ url: redis.url });
    await client.connect();
    const entries = await client.xRange("coach:feedback", "-", "+");
    await client.quit();
    expect((entries ?? []).map((e) => JSON.parse(e.message.json as string).answerId)).toContain(answer.answerId);
  });

  it("keep answering when Redis goes down, degrade to in-process state and log it once", async () => {
    await stopProcess(redis.child);
    const answer = await ask(a, "What is energy optimization?", { clientId: "after-redis" });
    expect(answer.outcome).toBe("answered");
    const feedback = await fetch(`${a.url}/api/feedback`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ answerId: answer.answerId, rating: "up" }) });
    expect(feedback.status).toBe(202);
    const degraded = logA.lines.filter((l) => l.code === "coach_state_degraded");
    expect(degraded).toHaveLength(1);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
  });
});
