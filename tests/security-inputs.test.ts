import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server/start.js";
import type { Json } from "./helpers.js";
import { startSlackHarness, type startFakeSlackApi } from "./fakes/slack-api.js";
import { waitFor } from "./processes.js";

/**
 * #14 item 2: inputs that made the rails block the event loop for seconds. Each must be answered
 * with a clear outcome, and the server must keep answering /healthz while several are in flight.
 * How long each takes, and the 2 s bound that catches a quadratic rail coming back, are in
 * `npm run bench:security` (which fails when an input exceeds it): tests assert behaviour only.
 */
const SECRET = "security-signing-secret";
let slackApi: Awaited<ReturnType<typeof startFakeSlackApi>>;
let running: RunningServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ slackApi, running, stop } = await startSlackHarness(SECRET));
});
afterAll(async () => {
  await stop?.();
});

const ask = (body: unknown) => fetch(`${running.url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The history turns that blocked the event loop (63,000 characters each, within the 64 KB body limit). */
export const ADVERSARIAL_HISTORY = {
  digits: "1".repeat(63_000),
  dashes: "1-".repeat(31_500),
  bangs: "1!".repeat(31_500),
};

describe("adversarial input is bounded before any regex", () => {
  for (const [name, content] of Object.entries(ADVERSARIAL_HISTORY)) {
    it(`answers a question whose history turn is ${name} × 63,000 characters`, async () => {
      const res = await ask({ question: "What is predictive maintenance?", history: [{ role: "user", content }] });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Json).outcome).toBe("answered");
    });
  }

  it("counts a question's length after Unicode normalisation: U+FDFA × 3,900 is refused as too long", async () => {
    const res = await ask({ question: "\uFDFA".repeat(3_900) });
    const answer = (await res.json()) as Json;
    expect(answer).toMatchObject({ outcome: "refused", reason: "input_too_long" });
    expect(answer.text).toMatch(/70,200 characters/u);
  });

  it("bounds history by turns and characters however much is sent", async () => {
    const history = Array.from({ length: 150 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `${"1-".repeat(150)} turn ${i}` }));
    const res = await ask({ question: "What is a digital twin?", history });
    expect(((await res.json()) as Json).outcome).toBe("answered");
  });

  it("keeps /healthz answering while six adversarial requests are in flight", async () => {
    const inFlight = Object.values(ADVERSARIAL_HISTORY)
      .flatMap((content) => [content, content])
      .map((content) => ask({ question: "What is a digital twin?", history: [{ role: "user", content }] }).then((r) => r.json() as Promise<Json>));
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.outcome)).toEqual(Array(6).fill("answered"));
  });

  it("titles a 40,000-character Slack assistant message from a redacted, bounded cut, and answers it", async () => {
    const text = `Reach me at jane.doe@plant.example. ${"Tell me about predictive maintenance vendors and the data they need. ".repeat(600)}`.slice(0, 40_000);
    const body = JSON.stringify({
      token: "x",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: `EvLong${Date.now()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: "T1", user_id: "UBOT", is_bot: true }],
      event: { type: "message", channel_type: "im", user: "U6", text, ts: "1700000107.000100", thread_ts: "1700000106.000100", channel: "D6", event_ts: "1700000107.000100" },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    const since = slackApi.calls.length;
    const res = await fetch(`${running.url}/slack/events`, { method: "POST", headers: { "content-type": "application/json", "x-slack-signature": signature, "x-slack-request-timestamp": String(timestamp) }, body });
    expect(res.status).toBe(200);
    await waitFor(async () => slackApi.calls.slice(since).some((c) => c.method === "chat.postMessage"), 10_000, "the answer");
    const title = slackApi.calls.slice(since).find((c) => c.method === "assistant.threads.setTitle")!;
    expect(String(title.body.title).length).toBeLessThanOrEqual(80);
    expect(String(title.body.title)).toContain("[email]");
    expect(String(title.body.title)).not.toContain("jane.doe");
    const answer = slackApi.calls.slice(since).find((c) => c.method === "chat.postMessage")!;
    expect(JSON.stringify(answer.body)).toMatch(/40,0\d\d characters long|under 4,000/u);
  });
});
