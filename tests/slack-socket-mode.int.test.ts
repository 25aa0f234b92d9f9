import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server/start.js";
import { blockKitProblems } from "../adapters/slack/block-kit-limits.js";
import { startSlackHarness, type startFakeSlackApi } from "./fakes/slack-api.js";
import type { Json } from "./helpers.js";
import { waitFor } from "./processes.js";

// The app as production starts it when only SLACK_APP_TOKEN is set: real Bolt, its
// SocketModeReceiver and @slack/socket-mode's client, against a loopback Slack that hands out a
// WebSocket URL from apps.connections.open, says hello, delivers envelopes and expects each one
// acknowledged by its envelope_id.
let slackApi: Awaited<ReturnType<typeof startFakeSlackApi>>;
let running: RunningServer;
let dataDir: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ slackApi, running, dataDir, stop } = await startSlackHarness(null, { rateLimitPerMinute: 0 }, { appToken: "xapp-1-A1-test" }));
});
afterAll(async () => {
  await stop?.();
});

let envelopes = 0;
const nextEnvelopeId = () => `fake-envelope-${++envelopes}-${Date.now()}`;

/** An Events API delivery as Slack wraps it for Socket Mode. */
function eventsApiEnvelope(event: Record<string, unknown>): { envelope_id: string; [k: string]: unknown } {
  const envelopeId = nextEnvelopeId();
  return {
    envelope_id: envelopeId,
    type: "events_api",
    accepts_response_payload: false,
    retry_attempt: 0,
    retry_reason: "",
    payload: { token: "x", team_id: "T1", api_app_id: "A1", type: "event_callback", event_id: `Ev${envelopeId}`, event_time: Math.floor(Date.now() / 1000), authorizations: [{ team_id: "T1", user_id: "UBOT", is_bot: true }], event },
  };
}

/** A button press (interactivity) as Slack wraps it for Socket Mode. */
function interactiveEnvelope(payload: Record<string, unknown>): { envelope_id: string; [k: string]: unknown } {
  return { envelope_id: nextEnvelopeId(), type: "interactive", accepts_response_payload: false, payload };
}

const posts = (channel: string) => slackApi.calls.filter((c) => c.method === "chat.postMessage" && c.body.channel === channel);

describe("Slack app in Socket Mode (real Bolt and @slack/socket-mode, Slack's protocol on loopback)", () => {
  it("connects the way Slack expects: auth.test with the bot token, apps.connections.open with the app token, ready after hello", async () => {
    const authTest = slackApi.calls.find((c) => c.method === "auth.test");
    expect(authTest?.token).toBe("xoxb-test");
    const open = slackApi.calls.find((c) => c.method === "apps.connections.open");
    expect(open?.token).toBe("xapp-1-A1-test");
    expect(slackApi.socket.openCount()).toBe(1);
    const ready = (await (await fetch(`${running.url}/readyz`)).json()) as Json;
    expect(ready.platforms.find((p: Json) => p.name === "slack").detail).toBe("Socket Mode connected");
  });

  it("acknowledges an app_mention envelope and answers in its thread with sources and 👍/👎", async () => {
    const envelope = eventsApiEnvelope({ type: "app_mention", user: "U1", text: "<@UBOT> what is predictive maintenance?", ts: "1700000200.000100", channel: "C200", event_ts: "1700000200.000100" });
    slackApi.socket.send(envelope);
    const ack = await slackApi.socket.ackOf(envelope.envelope_id);
    expect(ack.envelope_id).toBe(envelope.envelope_id);
    await waitFor(async () => posts("C200").length > 0, 10_000, "the answer in C200");
    const [answer] = posts("C200");
    expect(answer!.token).toBe("xoxb-test");
    expect(answer!.body.thread_ts).toBe("1700000200.000100");
    const blocks = JSON.stringify(answer!.body.blocks);
    expect(blocks).toMatch(/[Pp]redictive maintenance/u);
    expect(blocks).toMatch(/Sources from the guide/u);
    expect(blocks).toMatch(/coach_feedback_up/u);
    expect(blockKitProblems(answer!.body)).toEqual([]);
  });

  it("answers a direct message (message.im) at the top level of the DM", async () => {
    const envelope = eventsApiEnvelope({ type: "message", channel_type: "im", user: "U2", text: "What is a digital twin?", ts: "1700000201.000100", channel: "D201", event_ts: "1700000201.000100" });
    slackApi.socket.send(envelope);
    await slackApi.socket.ackOf(envelope.envelope_id);
    await waitFor(async () => posts("D201").length > 0, 10_000, "the answer in D201");
    const [answer] = posts("D201");
    expect(answer!.body.thread_ts).toBeUndefined();
    expect(JSON.stringify(answer!.body.blocks)).toMatch(/[Vv]irtual replica/u);
  });

  it("acknowledges a 👍 press (interactive envelope), thanks the user and records the rating", async () => {
    const mention = eventsApiEnvelope({ type: "app_mention", user: "U3", text: "<@UBOT> what is generative design?", ts: "1700000202.000100", channel: "C202", event_ts: "1700000202.000100" });
    slackApi.socket.send(mention);
    await waitFor(async () => posts("C202").length > 0, 10_000, "the answer in C202");
    const feedbackBlock = (posts("C202")[0]!.body.blocks as Json[]).find((b) => b.block_id === "coach_feedback")!;
    const up = (feedbackBlock.elements as Json[]).find((e) => e.action_id === "coach_feedback_up")!;
    const answerId = up.value as string;

    const responsesBefore = slackApi.responses.length;
    const press = interactiveEnvelope({
      type: "block_actions",
      team: { id: "T1" },
      user: { id: "U3" },
      api_app_id: "A1",
      channel: { id: "C202" },
      message: { ts: "1700000203.000100", thread_ts: "1700000202.000100" },
      container: { type: "message", channel_id: "C202", message_ts: "1700000203.000100" },
      response_url: `${slackApi.url}/respond/socket-up`,
      trigger_id: "t-socket",
      actions: [{ type: "button", action_id: "coach_feedback_up", block_id: "coach_feedback", value: answerId, action_ts: "1700000204.000100" }],
    });
    slackApi.socket.send(press);
    const ack = await slackApi.socket.ackOf(press.envelope_id);
    expect(ack.envelope_id).toBe(press.envelope_id);
    await waitFor(async () => slackApi.responses.length > responsesBefore, 10_000, "the thanks");
    expect(slackApi.responses.at(-1)).toMatchObject({ response_type: "ephemeral", replace_original: false, text: expect.stringMatching(/Thanks for the feedback/u) });
    const ratings = () =>
      readFileSync(join(dataDir, "feedback.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Json)
        .filter((f) => f.answerId === answerId);
    await waitFor(async () => ratings().length > 0, 10_000, "the rating");
    expect(ratings().map((f) => [f.rating, f.platform])).toEqual([["up", "slack"]]);
  });

  it("reconnects when Slack asks it to (disconnect: refresh_requested) and answers on the new connection", async () => {
    const opensBefore = slackApi.calls.filter((c) => c.method === "apps.connections.open").length;
    const connectionsBefore = slackApi.socket.connections();
    // Slack recycles Socket Mode connections every few hours with this message.
    slackApi.socket.send({ type: "disconnect", reason: "refresh_requested", debug_info: { host: "fake-slack" } });
    // The client waits a few seconds before it reconnects, as @slack/socket-mode does.
    await waitFor(async () => slackApi.socket.connections() > connectionsBefore && slackApi.socket.openCount() === 1, 20_000, "a new Socket Mode connection");
    expect(slackApi.calls.filter((c) => c.method === "apps.connections.open").length).toBe(opensBefore + 1);
    const envelope = eventsApiEnvelope({ type: "app_mention", user: "U4", text: "<@UBOT> what is energy optimization?", ts: "1700000205.000100", channel: "C205", event_ts: "1700000205.000100" });
    slackApi.socket.send(envelope);
    await slackApi.socket.ackOf(envelope.envelope_id);
    await waitFor(async () => posts("C205").length > 0, 10_000, "the answer in C205");
    expect(JSON.stringify(posts("C205")[0]!.body.blocks)).toMatch(/[Ee]nergy optimization/u);
  });
});
