import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { startCoachServer, type RunningServer } from "../server/start.js";
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
  // A generous command timeout: on a loaded CI machine a 500 ms timeout can send one command to
  // in-process state, and this file is about sharing (timeouts have tests/security-redis.test.ts).
  const config = { ...ws.config, port: 0, redisUrl: redis.url, redisTimeoutMs: 5_000, rateLimitPerMinute: 3 };
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

  it("keep a practice session in Redis: started on A, answered on B, carried on after A restarts", async () => {
    const me = { conversationId: "quiz-conv", clientId: "quiz-user" };
    const first = await ask(a, "quiz me on procurement", me);
    expect(first.coaching).toMatchObject({ mode: "quiz", step: 1 });
    const onB = await ask(b, "12 to 24 months, with pilots and leading indicators", me);
    expect(onB.coaching).toMatchObject({ mode: "quiz", step: 2, score: { matched: 3 } });
    await a.stop();
    a = await startCoachServer({ ...ws.config, port: 0, redisUrl: redis.url, redisTimeoutMs: 5_000, rateLimitPerMinute: 3 }, logA.logger, { host: "127.0.0.1" });
    const afterRestart = await ask(a, "stop", me);
    expect(afterRestart.coaching).toMatchObject({ mode: "quiz", stage: "done" });
    expect(afterRestart.text).toMatch(/Practice stopped after 1 question: 3 of 4 key points/u);
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

describe("two Slack-enabled replicas sharing Redis", () => {
  it("answer a retried Slack event exactly once, whichever replica gets each delivery", async () => {
    const { createHmac } = await import("node:crypto");
    const { startFakeSlackApi } = await import("./fakes/slack-api.js");
    const { waitFor } = await import("./processes.js");
    const shared = await startRedis();
    const api = await startFakeSlackApi();
    const w = tempWorkspace();
    const secret = "replica-secret";
    const config = { ...w.config, port: 0, redisUrl: shared.url, rateLimitPerMinute: 0, slack: { botToken: "xoxb-test", signingSecret: secret, appToken: null, apiUrl: `${api.url}/api/` } };
    const one = await startCoachServer(config, recordingLogger().logger, { host: "127.0.0.1", slack: { botId: "BBOT", botUserId: "UBOT" } });
    const two = await startCoachServer(config, recordingLogger().logger, { host: "127.0.0.1", slack: { botId: "BBOT", botUserId: "UBOT" } });
    try {
      for (const s of [one, two]) await waitFor(async () => ((await (await fetch(`${s.url}/readyz`)).json()) as Json).status === "ready", 10_000, "replica ready");
      const body = JSON.stringify({ team_id: "T1", type: "event_callback", event_id: "EvShared1", authorizations: [{ team_id: "T1", user_id: "UBOT", is_bot: true }], event: { type: "app_mention", user: "U1", text: "<@UBOT> what is a digital twin?", ts: "1700000200.000100", channel: "C200", event_ts: "1700000200.000100" } });
      const deliver = (s: RunningServer, retry?: string) => {
        const ts = Math.floor(Date.now() / 1000);
        const headers: Record<string, string> = { "content-type": "application/json", "x-slack-request-timestamp": String(ts), "x-slack-signature": `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}` };
        if (retry) headers["x-slack-retry-num"] = retry;
        return fetch(`${s.url}/slack/events`, { method: "POST", headers, body });
      };
      const statuses = await Promise.all([deliver(one), deliver(two, "1"), deliver(one, "2")].map((p) => p.then((r) => r.status)));
      expect(statuses).toEqual([200, 200, 200]);
      await waitFor(async () => api.calls.some((c) => c.method === "chat.postMessage"), 10_000, "an answer");
      await Promise.all([one.settled(), two.settled()]);
      expect(api.calls.filter((c) => c.method === "chat.postMessage" && c.body.channel === "C200")).toHaveLength(1);
    } finally {
      await one.stop();
      await two.stop();
      await api.close();
      await stopProcess(shared.child);
      w.cleanup();
    }
  });
});
