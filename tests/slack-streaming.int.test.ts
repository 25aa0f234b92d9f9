import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server/start.js";
import { escapeSlack } from "../adapters/slack/render.js";
import { blockKitProblems } from "../adapters/slack/block-kit-limits.js";
import { groundedReply, startFakeOpenAi, type FakeOpenAi } from "./fakes/openai.js";
import { slackEventBody, slackSignature, startSlackHarness, type SlackCall, type startFakeSlackApi } from "./fakes/slack-api.js";
import type { Json } from "./helpers.js";
import { waitFor } from "./processes.js";

// LLM mode: the model's draft is shown while it is written. In a DM thread or the assistant pane
// with Slack's native streaming methods; where they fail, by editing a placeholder as before.
const SECRET = "streaming-signing-secret";
let model: FakeOpenAi;
let slackApi: Awaited<ReturnType<typeof startFakeSlackApi>>;
let running: RunningServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  model = await startFakeOpenAi();
  ({ slackApi, running, stop } = await startSlackHarness(SECRET, (workspace) => ({ rateLimitPerMinute: 0, llmProvider: "openai", llm: { ...workspace.llm, baseUrl: model.url, apiKey: null, model: "fake-model" } })));
});
afterAll(async () => {
  await stop?.();
  await model?.close();
});

async function sendEvent(event: Record<string, unknown>): Promise<void> {
  const body = slackEventBody(event);
  const res = await fetch(`${running.url}/slack/events`, { method: "POST", headers: { "content-type": "application/json", ...slackSignature(SECRET, body) }, body });
  expect(res.status).toBe(200);
}

/** A person's message in a thread of the bot's DM (the assistant pane's threads are such threads). */
const threadMessage = (channel: string, user: string, text: string, threadTs: string, ts: string) => ({ type: "message", channel_type: "im", user, text, ts, thread_ts: threadTs, channel, event_ts: ts });

const STREAM_AND_MESSAGE_METHODS = new Set(["chat.startStream", "chat.appendStream", "chat.stopStream", "chat.postMessage", "chat.update"]);
/** The message calls the bot made in one channel, in order. */
const messageCalls = (channel: string): SlackCall[] => slackApi.calls.filter((c) => STREAM_AND_MESSAGE_METHODS.has(c.method) && c.body.channel === channel);
const callsOf = (channel: string, method: string) => messageCalls(channel).filter((c) => c.method === method);
const hasSources = (call: SlackCall) => JSON.stringify(call.body.blocks ?? []).includes("Sources from the guide");
/** The text a stream carried: its markdown chunks, in order, across start, append and stop. */
const streamedText = (calls: SlackCall[]) =>
  calls
    .flatMap((c) => [...((c.body.chunks as Json[] | undefined) ?? []).filter((k) => k.type === "markdown_text").map((k) => k.text as string), typeof c.body.markdown_text === "string" ? c.body.markdown_text : ""])
    .join("");
/** The draft the fake model wrote for the latest question. */
function latestDraft(): string {
  const request = model.requests.filter((r) => r.path.endsWith("/chat/completions")).at(-1)!;
  const user = (request.body.messages as { role: string; content: string }[]).filter((m) => m.role === "user").at(-1)!.content;
  return groundedReply(user);
}
/** The final answer of record: checked, with its sources and 👍/👎, within Block Kit's limits. */
function expectAnswerOfRecord(call: SlackCall): void {
  const blocks = JSON.stringify(call.body.blocks);
  expect(blocks).toMatch(/Sources from the guide/u);
  expect(blocks).toMatch(/coach_feedback_up/u);
  expect(blocks).toMatch(/coach_feedback_down/u);
  expect(blocks).toMatch(/AI-written from the curated guide/u);
  expect(blocks).not.toMatch(/▍/u);
  expect(blockKitProblems(call.body)).toEqual([]);
}

/**
 * Asks a question in a DM thread of `channel` while Slack answers `method` with `error`, and
 * waits until the answer of record has arrived as `arrivesBy`.
 */
async function askWhileFailing(method: string, error: string, channel: string, threadTs: string, arrivesBy: "chat.update" | "chat.postMessage"): Promise<void> {
  slackApi.failures.set(method, error);
  try {
    await sendEvent(threadMessage(channel, `U${channel}`, "What is a digital twin?", threadTs, `${threadTs.split(".")[0]}.000200`));
    await waitFor(async () => callsOf(channel, arrivesBy).some(hasSources), 15_000, `the answer of record in ${channel}`);
  } finally {
    slackApi.failures.delete(method);
  }
}

describe("Slack native streaming (chat.startStream / appendStream / stopStream)", () => {
  it("streams an assistant-thread answer natively, then puts the checked answer with sources and 👍/👎 in its place", async () => {
    await sendEvent(threadMessage("D50", "U50", "What is a digital twin?", "1700000500.000100", "1700000500.000200"));
    await waitFor(async () => callsOf("D50", "chat.update").some(hasSources), 15_000, "the answer of record in D50");
    const calls = messageCalls("D50");
    const methods = calls.map((c) => c.method);
    // In order: the stream opens, grows, is stopped, and the answer of record replaces it.
    expect(methods[0]).toBe("chat.startStream");
    expect(methods.slice(1, -2).length).toBeGreaterThan(0);
    expect(methods.slice(1, -2).every((m) => m === "chat.appendStream")).toBe(true);
    expect(methods.slice(-2)).toEqual(["chat.stopStream", "chat.update"]);
    expect(methods).not.toContain("chat.postMessage");

    const [start] = calls;
    expect(start!.body).toMatchObject({ channel: "D50", thread_ts: "1700000500.000100", recipient_user_id: "U50", recipient_team_id: "T1" });
    // One message throughout: every later call names the stream's ts.
    const streamTs = calls.at(-1)!.body.ts;
    expect(typeof streamTs).toBe("string");
    expect(calls.slice(1).every((c) => c.body.ts === streamTs)).toBe(true);
    // What the user watched being written is the model's draft, escaped like every draft the bot shows.
    expect(streamedText(calls.filter((c) => c.method !== "chat.update"))).toBe(escapeSlack(latestDraft()));
    expectAnswerOfRecord(calls.at(-1)!);
    expect(slackApi.calls.some((c) => c.method === "assistant.threads.setStatus" && c.body.channel_id === "D50")).toBe(true);
  });

  it("falls back to a placeholder edited with chat.update when the stream cannot start: one message, one full answer", async () => {
    await askWhileFailing("chat.startStream", "method_not_supported", "D51", "1700000510.000100", "chat.update");
    expect(callsOf("D51", "chat.startStream")).toHaveLength(1);
    expect(callsOf("D51", "chat.appendStream")).toEqual([]);
    expect(callsOf("D51", "chat.stopStream")).toEqual([]);
    const posts = callsOf("D51", "chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toMatchObject({ thread_ts: "1700000510.000100", text: expect.stringMatching(/Thinking/u) });
    const updates = callsOf("D51", "chat.update");
    expect(updates.every((u) => u.body.ts === updates[0]!.body.ts)).toBe(true);
    expect(updates.filter(hasSources)).toHaveLength(1);
    expectAnswerOfRecord(updates.at(-1)!);
  });

  it("stops appending when the stream breaks midway, and still replaces the draft with the answer", async () => {
    await askWhileFailing("chat.appendStream", "message_not_in_streaming_state", "D52", "1700000520.000100", "chat.update");
    const methods = messageCalls("D52").map((c) => c.method);
    // One failed append, then no more: the stream is stopped and the message replaced.
    expect(methods).toEqual(["chat.startStream", "chat.appendStream", "chat.stopStream", "chat.update"]);
    expectAnswerOfRecord(messageCalls("D52").at(-1)!);
  });

  it("posts the answer when the streamed message cannot be replaced, so it is never lost", async () => {
    await askWhileFailing("chat.update", "cant_update_message", "D53", "1700000530.000100", "chat.postMessage");
    const methods = messageCalls("D53").map((c) => c.method);
    expect(methods.slice(-3)).toEqual(["chat.stopStream", "chat.update", "chat.postMessage"]);
    const [post] = callsOf("D53", "chat.postMessage");
    expect(post!.body.thread_ts).toBe("1700000530.000100");
    expectAnswerOfRecord(post!);
  });

  it("keeps a DM's top level on the chat.update path: the streaming methods reply in a thread", async () => {
    await sendEvent({ type: "message", channel_type: "im", user: "U54", text: "What is a digital twin?", ts: "1700000540.000100", channel: "D54", event_ts: "1700000540.000100" });
    await waitFor(async () => callsOf("D54", "chat.update").some(hasSources), 15_000, "the answer of record in D54");
    expect(callsOf("D54", "chat.startStream")).toEqual([]);
    const posts = callsOf("D54", "chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body.thread_ts).toBeUndefined();
    expectAnswerOfRecord(callsOf("D54", "chat.update").at(-1)!);
  });
});
