import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoachServer, type RunningServer } from "../server/start.js";
import { partsToMrkdwn, renderAnswer, splitText, SLACK_LIMITS } from "../adapters/slack/render.js";
import { blockKitProblems } from "../adapters/slack/block-kit-limits.js";
import { recordingLogger, tempWorkspace, type Json } from "./helpers.js";
import { slackEventBody, slackSignature, startFakeSlackApi, startSlackHarness, type SlackCall } from "./fakes/slack-api.js";
import { freePort, waitFor } from "./processes.js";

const SECRET = "test-signing-secret";
let slackApi: Awaited<ReturnType<typeof startFakeSlackApi>>;
let running: RunningServer;
let dataDir: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ slackApi, running, dataDir, stop } = await startSlackHarness(SECRET, { rateLimitPerMinute: 0 }));
});
afterAll(async () => {
  await stop?.();
});

const sign = (body: string, timestamp?: number) => slackSignature(SECRET, body, timestamp);

async function send(body: string, contentType: string, extraHeaders: Record<string, string> = {}, headers = sign(body)) {
  return fetch(`${running.url}/slack/events`, { method: "POST", headers: { "content-type": contentType, ...headers, ...extraHeaders }, body });
}

const eventBody = slackEventBody;
const sendEvent = (event: Record<string, unknown>, eventId?: string, extra: Record<string, string> = {}) => {
  const body = eventBody(event, eventId);
  return send(body, "application/json", extra);
};
const sendInteraction = (payload: Record<string, unknown>) => send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), "application/x-www-form-urlencoded");

const callsOf = (method: string, since = 0) => slackApi.calls.slice(since).filter((c) => c.method === method);
async function nextCall(method: string, since: number, count = 1): Promise<SlackCall[]> {
  await waitFor(async () => callsOf(method, since).length >= count, 10_000, `${method} call`);
  return callsOf(method, since);
}
const textOf = (call: SlackCall) => JSON.stringify(call.body);
/** The coaching button labelled `label` in a message's blocks, as Slack sends it back when pressed. */
function coachingButton(blocks: unknown, label: string): { type: "button"; action_id: string; block_id: string; value: string; text: { type: "plain_text"; text: string } } {
  const row = (blocks as { block_id?: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[]).find((b) => b.block_id === "coach_actions");
  const button = row?.elements?.find((e) => e.text.text === label);
  if (!button) throw new Error(`no ${label} coaching button in ${JSON.stringify(blocks).slice(0, 200)}`);
  return { type: "button", action_id: button.action_id, block_id: "coach_actions", value: button.value, text: { type: "plain_text", text: label } };
}
/** coach_requests_total{surface="slack"} as GET /metrics reports it (0 before the first). */
async function slackRequests(): Promise<number> {
  const metrics = await (await fetch(`${running.url}/metrics`)).text();
  return Number(/^coach_requests_total\{surface="slack"\} (\d+)$/mu.exec(metrics)?.[1] ?? 0);
}

describe("Slack app over HTTP (real Bolt, fake Slack Web API on loopback)", () => {
  it("answers an @mention with one threaded message: answer, sources, feedback; no mass mention", async () => {
    const since = slackApi.calls.length;
    const res = await sendEvent({ type: "app_mention", user: "U1", text: "<@UBOT> <!channel> which companies hire AI PMs in manufacturing?", ts: "1700000000.000100", channel: "C1", event_ts: "1700000000.000100" });
    expect(res.status).toBe(200);
    const [post] = await nextCall("chat.postMessage", since);
    expect(post!.body.channel).toBe("C1");
    expect(post!.body.thread_ts).toBe("1700000000.000100");
    const blocks = post!.body.blocks as Json[];
    expect(blocks[0]!.type).toBe("section");
    expect(JSON.stringify(blocks)).toMatch(/Sources from the guide/u);
    expect(JSON.stringify(blocks)).toMatch(/coach_feedback_up/u);
    expect(textOf(post!)).not.toMatch(/<!channel>|<!here>|<!everyone>/u);
    expect(blockKitProblems(post!.body)).toEqual([]);
    await running.settled();
    expect(callsOf("chat.postMessage", since)).toHaveLength(1);
  });

  it("answers a retried event (x-slack-retry-num, same event_id) exactly once", async () => {
    const since = slackApi.calls.length;
    const event = { type: "app_mention", user: "U2", text: "<@UBOT> what is a digital twin?", ts: "1700000001.000100", channel: "C2", event_ts: "1700000001.000100" };
    await sendEvent(event, "EvRetry1");
    await sendEvent(event, "EvRetry1", { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" });
    await nextCall("chat.postMessage", since);
    await running.settled();
    expect(callsOf("chat.postMessage", since)).toHaveLength(1);
  });

  it("mentioned late in a thread, reads what people said there before (conversations.replies)", async () => {
    const since = slackApi.calls.length;
    slackApi.threads.set("C30:1700000030.000100", [
      { user: "U30", text: "We're evaluating predictive maintenance for the compressors on line 2", ts: "1700000030.000100" },
      { bot_id: "BOTHER", text: "Reminder: stand-up at 10", ts: "1700000030.000200" },
      { user: "U31", text: "<@UBOT> which vendors are established in it?", ts: "1700000031.000100" },
    ]);
    await sendEvent({ type: "app_mention", user: "U31", text: "<@UBOT> which vendors are established in it?", ts: "1700000031.000100", thread_ts: "1700000030.000100", channel: "C30", event_ts: "1700000031.000100" });
    const [post] = await nextCall("chat.postMessage", since);
    expect(post!.body.thread_ts).toBe("1700000030.000100");
    expect(callsOf("conversations.replies", since)[0]!.body).toMatchObject({ channel: "C30", ts: "1700000030.000100" });
    expect(textOf(post!)).toMatch(/Augury/u);
  });

  it("uses the thread's history for a follow-up", async () => {
    const since = slackApi.calls.length;
    await sendEvent({ type: "app_mention", user: "U3", text: "<@UBOT> what is generative design?", ts: "1700000002.000100", channel: "C3", event_ts: "1700000002.000100" });
    await nextCall("chat.postMessage", since);
    await sendEvent({ type: "app_mention", user: "U3", text: "<@UBOT> who uses it?", ts: "1700000003.000100", thread_ts: "1700000002.000100", channel: "C3", event_ts: "1700000003.000100" });
    const posts = await nextCall("chat.postMessage", since, 2);
    expect(posts[1]!.body.thread_ts).toBe("1700000002.000100");
    expect(textOf(posts[1]!)).toMatch(/Airbus/u);
  });

  it("answers a direct message and ignores bots and edits", async () => {
    const since = slackApi.calls.length;
    await sendEvent({ type: "message", channel_type: "im", user: "U4", bot_id: "BOTHER", text: "hello from a bot", ts: "1700000004.000100", channel: "D1", event_ts: "1" });
    await sendEvent({ type: "message", channel_type: "im", subtype: "message_changed", channel: "D1", ts: "1700000004.000200", event_ts: "2" });
    await sendEvent({ type: "message", channel_type: "im", user: "U4", text: "What is energy optimization?", ts: "1700000005.000100", channel: "D1", event_ts: "3" });
    const [post] = await nextCall("chat.postMessage", since);
    expect(post!.body.channel).toBe("D1");
    expect(textOf(post!)).toMatch(/Energy optimization/u);
    await running.settled();
    expect(callsOf("chat.postMessage", since)).toHaveLength(1);
  });

  it("acks /coach at once and answers privately via response_url with a Share button", async () => {
    const before = slackApi.responses.length;
    const body = new URLSearchParams({ command: "/coach", text: "What constraints are unique to the factory floor?", team_id: "T1", channel_id: "C5", user_id: "U5", response_url: `${slackApi.url}/respond/cmd1`, trigger_id: "t1" }).toString();
    const started = Date.now();
    const res = await send(body, "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitFor(async () => slackApi.responses.length > before, 10_000, "response_url post");
    const reply = slackApi.responses.at(-1)!;
    expect(reply.response_type).toBe("ephemeral");
    expect(JSON.stringify(reply.blocks)).toMatch(/coach_share/u);
    expect(blockKitProblems(reply)).toEqual([]);
  });

  it("shares a slash-command answer in the channel", async () => {
    const before = slackApi.responses.length;
    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U5" }, channel: { id: "C5" }, container: { type: "message", is_ephemeral: true }, response_url: `${slackApi.url}/respond/share1`, trigger_id: "t2", actions: [{ type: "button", action_id: "coach_share", block_id: "coach_feedback", value: "What is a digital twin?", action_ts: "1" }] });
    await waitFor(async () => slackApi.responses.length > before, 10_000, "share post");
    expect(slackApi.responses.at(-1)).toMatchObject({ response_type: "in_channel", delete_original: true });
  });

  it("starts an assistant thread with suggested prompts, then answers with status and title", async () => {
    const since = slackApi.calls.length;
    await sendEvent({ type: "assistant_thread_started", assistant_thread: { user_id: "U6", channel_id: "D6", thread_ts: "1700000006.000100", context: { channel_id: "C9", team_id: "T1" } }, event_ts: "1700000006.000200" });
    const [prompts] = await nextCall("assistant.threads.setSuggestedPrompts", since);
    expect((prompts!.body.prompts as Json[]).length).toBeGreaterThan(0);
    await nextCall("chat.postMessage", since);

    const mark = slackApi.calls.length;
    const requestsBefore = await slackRequests();
    await sendEvent({ type: "message", channel_type: "im", user: "U6", text: "How do I get OT literate?", ts: "1700000007.000100", thread_ts: "1700000006.000100", channel: "D6", event_ts: "1700000007.000100" });
    const [status] = await nextCall("assistant.threads.setStatus", mark);
    expect(status!.body.status).toBe("is thinking…");
    await nextCall("assistant.threads.setTitle", mark);
    const [answer] = await nextCall("chat.postMessage", mark);
    expect(answer!.body.thread_ts).toBe("1700000006.000100");
    expect(textOf(answer!)).toMatch(/PLC/u);
    // Every Slack question is counted, the assistant pane's too.
    expect(await slackRequests()).toBe(requestsBefore + 1);
  });

  it("publishes the App Home tab", async () => {
    const since = slackApi.calls.length;
    await sendEvent({ type: "app_home_opened", user: "U7", channel: "D7", tab: "home", event_ts: "1700000008.000100" });
    const [publish] = await nextCall("views.publish", since);
    expect(publish!.body.user_id).toBe("U7");
    expect(JSON.stringify(publish!.body.view)).toMatch(/Manufacturing AI PM Coach/u);
    expect(blockKitProblems(publish!.body.view as Json)).toEqual([]);
  });

  it("starts interview practice from the App Home button in the user's DM, where a plain reply is scored", async () => {
    const since = slackApi.calls.length;
    await sendEvent({ type: "app_home_opened", user: "U30", channel: "D30", tab: "home", event_ts: "1700000030.000100" });
    const [publish] = await nextCall("views.publish", since);
    const buttons = ((publish!.body.view as Json).blocks as Json[]).find((b) => b.block_id === "coach_start_modes")!.elements as Json[];
    const practice = buttons.find((b) => b.text.text === "Interview practice")!;
    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U30" }, view: { id: "V1", type: "home" }, container: { type: "view", view_id: "V1" }, trigger_id: "t30", actions: [{ type: "button", action_id: practice.action_id, block_id: "coach_start_modes", value: practice.value, action_ts: "7" }] });
    const [opened] = await nextCall("conversations.open", since);
    expect(opened!.body.users).toBe("U30");
    const [question] = await nextCall("chat.postMessage", since);
    expect(question!.body.channel).toBe("D30");
    expect(textOf(question!)).toMatch(/Interview practice · question 1 of 5/u);
    await sendEvent({ type: "message", channel_type: "im", user: "U30", text: "I don't know this one, sorry", ts: "1700000031.000100", channel: "D30", event_ts: "1700000031.000100" });
    const posts = await nextCall("chat.postMessage", since, 2);
    expect(textOf(posts[1]!)).toMatch(/Not yet: 0 of \d key points/u);
    expect(textOf(posts[1]!)).toMatch(/question 2 of 5/u);
  });

  it("records 👍 and 👎 (with the modal's comment) against the answer's id", async () => {
    const since = slackApi.calls.length;
    await sendEvent({ type: "app_mention", user: "U8", text: "<@UBOT> what is predictive maintenance?", ts: "1700000009.000100", channel: "C8", event_ts: "1700000009.000100" });
    const [post] = await nextCall("chat.postMessage", since);
    const feedbackBlock = (post!.body.blocks as Json[]).find((b) => b.block_id === "coach_feedback")!;
    const answerId = feedbackBlock.elements[0].value as string;
    const message = { ts: "1700000010.000100", thread_ts: "1700000009.000100" };

    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U8" }, channel: { id: "C8" }, message, container: { type: "message" }, response_url: `${slackApi.url}/respond/fb1`, trigger_id: "t3", actions: [{ type: "button", action_id: "coach_feedback_up", block_id: "coach_feedback", value: answerId, action_ts: "1" }] });
    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U8" }, channel: { id: "C8" }, message, container: { type: "message" }, response_url: `${slackApi.url}/respond/fb2`, trigger_id: "t4", actions: [{ type: "button", action_id: "coach_feedback_down", block_id: "coach_feedback", value: answerId, action_ts: "2" }] });
    const [open] = await nextCall("views.open", since);
    expect(blockKitProblems(open!.body.view as Json)).toEqual([]);
    await sendInteraction({ type: "view_submission", team: { id: "T1" }, user: { id: "U8" }, view: { id: "V1", callback_id: "coach_feedback_modal", private_metadata: answerId, state: { values: { comment: { comment: { type: "plain_text_input", value: "Missing the vendors list" } } } } } });

    const feedback = () => readFileSync(join(dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Json).filter((f) => f.answerId === answerId);
    await waitFor(async () => feedback().length >= 2, 10_000, "feedback records");
    expect(feedback().map((f) => [f.rating, f.comment ?? null, f.platform])).toEqual([
      ["up", null, "slack"],
      ["down", "Missing the vendors list", "slack"],
    ]);
  });

  it("follow-up buttons ask the suggested question in the same thread", async () => {
    const since = slackApi.calls.length;
    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U9" }, channel: { id: "C8" }, message: { ts: "1700000011.000100", thread_ts: "1700000009.000100" }, container: { type: "message" }, response_url: `${slackApi.url}/respond/fu1`, trigger_id: "t5", actions: [{ type: "button", action_id: "coach_follow_up_0", block_id: "coach_follow_ups", value: "Tell me about “Digital twins”", action_ts: "3" }] });
    const [post] = await nextCall("chat.postMessage", since);
    expect(post!.body.thread_ts).toBe("1700000009.000100");
    expect(textOf(post!)).toMatch(/Virtual replicas/u);
  });

  it("renders a refusal as its message, not an error", async () => {
    const since = slackApi.calls.length;
    await sendEvent({ type: "app_mention", user: "U10", text: "<@UBOT> how do I bypass the light curtain on our press?", ts: "1700000012.000100", channel: "C10", event_ts: "1700000012.000100" });
    const [post] = await nextCall("chat.postMessage", since);
    expect(textOf(post!)).toMatch(/ISO 13849/u);
    expect(textOf(post!)).not.toMatch(/coach_feedback_up/u);
  });

  it("rejects bad signatures, stale timestamps and malformed bodies, and stays alive", async () => {
    const body = eventBody({ type: "app_mention", user: "U1", text: "hi", ts: "1", channel: "C1", event_ts: "1" });
    const badSig = await send(body, "application/json", {}, { "x-slack-signature": "v0=deadbeef", "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)) });
    expect(badSig.status).toBe(401);
    const stale = await send(body, "application/json", {}, sign(body, Math.floor(Date.now() / 1000) - 6 * 60));
    expect(stale.status).toBe(401);
    const malformed = await send("{not json", "application/json");
    expect(malformed.status).toBe(400);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  it("/coach quiz runs interview practice privately: answered with /coach, buttons to skip, no Share", async () => {
    const slash = async (text: string) => {
      const before = slackApi.responses.length;
      const body = new URLSearchParams({ command: "/coach", text, team_id: "T1", channel_id: "C20", user_id: "U20", response_url: `${slackApi.url}/respond/quiz`, trigger_id: "tq" }).toString();
      expect((await send(body, "application/x-www-form-urlencoded")).status).toBe(200);
      await waitFor(async () => slackApi.responses.length > before, 10_000, "response_url post");
      return slackApi.responses.at(-1)!;
    };
    const question = await slash("quiz on safety standards");
    const blocks = JSON.stringify(question.blocks);
    expect(question.response_type).toBe("ephemeral");
    expect(blocks).toMatch(/question 1 of \d/u);
    // Skip carries its typed action, not its label.
    expect(JSON.parse(coachingButton(question.blocks, "Skip").value)).toEqual({ action: "skip", session: expect.any(String), step: 1 });
    expect(blocks).toMatch(/Reply with `\/coach your answer`/u);
    expect(blocks).not.toMatch(/coach_share/u);
    const feedback = await slash("ISO 13849 and IEC 61511, plus a pre-launch safety review");
    const skip = coachingButton(feedback.blocks, "Skip");
    expect(JSON.parse(skip.value)).toMatchObject({ action: "skip", step: 2 });
    expect(JSON.stringify(feedback.blocks)).toMatch(/3 of 4 key points/u);
    expect(JSON.stringify(feedback.blocks)).toMatch(/Sources from the guide/u);
    // The Skip button on the private message acts in the same session.
    const before = slackApi.responses.length;
    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U20" }, channel: { id: "C20" }, container: { type: "message", is_ephemeral: true }, response_url: `${slackApi.url}/respond/skip`, trigger_id: "t21", actions: [{ ...skip, action_ts: "5" }] });
    await waitFor(async () => slackApi.responses.length > before, 10_000, "skip response");
    const skipped = JSON.stringify(slackApi.responses.at(-1)!.blocks);
    expect(skipped).toMatch(/Skipped\./u);
    const step = /question (\d) of/u.exec(skipped)![1];
    // A double click (or a press of that old message's Skip at any later time) carries step 2 again:
    // it repeats the question now open, it does not skip another.
    const again = slackApi.responses.length;
    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U20" }, channel: { id: "C20" }, container: { type: "message", is_ephemeral: true }, response_url: `${slackApi.url}/respond/skip2`, trigger_id: "t23", actions: [{ ...skip, action_ts: "8" }] });
    await waitFor(async () => slackApi.responses.length > again, 10_000, "second skip response");
    const repeated = JSON.stringify(slackApi.responses.at(-1)!.blocks);
    expect(repeated).not.toMatch(/Skipped\./u);
    expect(repeated).toMatch(new RegExp(`question ${step} of`, "u"));
  });

  it("runs a readiness check in a DM at the top level, where each reply is the next step", async () => {
    const since = slackApi.calls.length;
    const dm = (text: string, ts: string) => sendEvent({ type: "message", channel_type: "im", user: "U21", text, ts, channel: "D21", event_ts: ts });
    await dm("Check whether I'm ready for AI PM interviews", "1700000100.000100");
    const [first] = await nextCall("chat.postMessage", since);
    expect(first!.body.thread_ts).toBeUndefined();
    expect(textOf(first!)).toMatch(/Readiness check · 1 of 5/u);
    expect(JSON.parse(coachingButton(first!.body.blocks, "Partly").value)).toMatchObject({ action: "partly", step: 1 });
    await dm("yes", "1700000101.000100");
    const [, second] = await nextCall("chat.postMessage", since, 2);
    const notYet = coachingButton(second!.body.blocks, "Not yet");
    // Pressing a button on the bot's DM message continues the same session.
    await sendInteraction({ type: "block_actions", team: { id: "T1" }, user: { id: "U21" }, channel: { id: "D21" }, message: { ts: "1700000102.000900" }, container: { type: "message" }, response_url: `${slackApi.url}/respond/dm`, trigger_id: "t22", actions: [{ ...notYet, action_ts: "6" }] });
    const posts = await nextCall("chat.postMessage", since, 3);
    expect(textOf(posts[2]!)).toMatch(/Readiness check · 3 of 5/u);
    for (const [i, answer] of ["no", "no", "no"].entries()) {
      await dm(answer, `170000011${i}.000100`);
      await nextCall("chat.postMessage", since, 4 + i);
    }
    const all = await nextCall("chat.postMessage", since, 6);
    expect(textOf(all[5]!)).toMatch(/Readiness: 1 of 5/u);
    expect(textOf(all[5]!)).toMatch(/Sources from the guide/u);
  });

  it("keeps every payload it sent within Slack's Block Kit limits", async () => {
    // Its own thread answer, private answer and App Home (so it holds when run alone), then every
    // payload the other tests made it send.
    const since = slackApi.calls.length;
    const responsesBefore = slackApi.responses.length;
    await sendEvent({ type: "app_mention", user: "U40", text: "<@UBOT> What are the main steps to make the move?", ts: "1700000040.000100", channel: "C40", event_ts: "1700000040.000100" });
    await send(new URLSearchParams({ command: "/coach", text: "Which companies hire AI PMs in manufacturing?", team_id: "T1", channel_id: "C40", user_id: "U40", response_url: `${slackApi.url}/respond/limits`, trigger_id: "t40" }).toString(), "application/x-www-form-urlencoded");
    await sendEvent({ type: "app_home_opened", user: "U40", channel: "D40", tab: "home", event_ts: "1700000040.000200" });
    await nextCall("chat.postMessage", since);
    await nextCall("views.publish", since);
    await waitFor(async () => slackApi.responses.length > responsesBefore, 10_000, "response_url post");
    const payloads = [...slackApi.calls.filter((c) => c.method === "chat.postMessage" || c.method === "views.publish").map((c) => (c.method === "views.publish" ? (c.body.view as Json) : c.body)), ...slackApi.responses];
    expect(payloads.length).toBeGreaterThanOrEqual(3);
    for (const p of payloads) expect(blockKitProblems(p)).toEqual([]);
  });
});

describe("Slack rendering", () => {
  it("renders the answer's parts: labels bold, points as bullets, control characters escaped", () => {
    const mrkdwn = partsToMrkdwn([
      { kind: "lead", label: "Edge", text: "<b> & <!channel> **not bold**", cites: [0] },
      { kind: "point", text: "point", cites: [1] },
    ]);
    expect(mrkdwn).toBe("*Edge*: &lt;b&gt; &amp; &lt;!channel&gt; **not bold** [1]\n\n• point [2]");
  });

  it("splits a very long answer under the section and block limits", () => {
    const parts = Array.from({ length: 400 }, (_, i) => ({ kind: "point" as const, text: `Sentence number ${i} of a very long answer that keeps going.`, cites: [] }));
    const { blocks, text } = renderAnswer({ outcome: "answered", reason: null, text: "", parts, citations: [], followUps: [], mode: "extractive", latencyMs: 1 }, { answerId: "a" });
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(blockKitProblems({ text, blocks })).toEqual([]);
    expect(splitText("x".repeat(7_000), 3_000).every((p) => p.length <= 3_000)).toBe(true);
  });
});

describe("Slack unreachable at start", () => {
  it("keeps the server up, reports Slack as not ready, and retries", async () => {
    const deadPort = await freePort();
    const w = tempWorkspace();
    const log = recordingLogger();
    const server = await startCoachServer(
      { ...w.config, port: 0, slack: { botToken: "xoxb-test", signingSecret: SECRET, appToken: null, apiUrl: `http://127.0.0.1:${deadPort}/api/` } },
      log.logger,
      { host: "127.0.0.1", slack: { retryDelayMs: 50 } },
    );
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      await waitFor(async () => log.lines.filter((l) => /Slack unreachable/u.test(l.msg)).length >= 2, 15_000, "two retries");
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as Json;
      expect(body.platforms.find((p: Json) => p.name === "slack").detail).toMatch(/unreachable/u);
      // An event that cannot be processed yet is not acknowledged: 503 makes Slack redeliver it.
      const early = eventBody({ type: "app_mention", user: "U1", text: "<@UBOT> hi", ts: "1", channel: "C1", event_ts: "1" });
      const res = await fetch(`${server.url}/slack/events`, { method: "POST", headers: { "content-type": "application/json", ...sign(early) }, body: early });
      expect(res.status).toBe(503);
      const answer = (await (await fetch(`${server.url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "What is a digital twin?" }) })).json()) as Json;
      expect(answer.outcome).toBe("answered");
    } finally {
      await server.stop();
      w.cleanup();
    }
  });
});

describe("Slack in LLM mode", () => {
  it("streams the model's text into the thread, then replaces it with the checked answer", async () => {
    const { startFakeOpenAi } = await import("./fakes/openai.js");
    const model = await startFakeOpenAi();
    const api = await startFakeSlackApi();
    const w = tempWorkspace();
    const server = await startCoachServer(
      {
        ...w.config,
        port: 0,
        rateLimitPerMinute: 0,
        llmProvider: "openai",
        llm: { ...w.config.llm, baseUrl: model.url, apiKey: null, model: "fake-model" },
        slack: { botToken: "xoxb-test", signingSecret: SECRET, appToken: null, apiUrl: `${api.url}/api/` },
      },
      recordingLogger().logger,
      { host: "127.0.0.1", slack: { botId: "BBOT", botUserId: "UBOT" } },
    );
    try {
      await waitFor(async () => ((await (await fetch(`${server.url}/readyz`)).json()) as Json).status === "ready", 10_000, "slack ready");
      const body = eventBody({ type: "app_mention", user: "U1", text: "<@UBOT> what is a digital twin?", ts: "1700000100.000100", channel: "C100", event_ts: "1700000100.000100" });
      const signed = sign(body);
      await fetch(`${server.url}/slack/events`, { method: "POST", headers: { "content-type": "application/json", ...signed }, body });
      await waitFor(async () => api.calls.filter((c) => c.method === "chat.update" && JSON.stringify(c.body).includes("Sources from the guide")).length === 1, 10_000, "final update");
      const posts = api.calls.filter((c) => c.method === "chat.postMessage" && c.body.channel === "C100" && c.body.thread_ts === "1700000100.000100");
      const updates = api.calls.filter((c) => c.method === "chat.update");
      expect(posts).toHaveLength(1);
      expect(posts[0]!.body.text).toMatch(/Thinking/u);
      expect(updates.length).toBeGreaterThanOrEqual(2); // at least one partial, then the answer of record
      expect(JSON.stringify(updates[0]!.body.blocks)).toMatch(/▍/u);
      const final = updates.at(-1)!;
      expect(updates.every((u) => u.body.ts === final.body.ts)).toBe(true); // one message, edited in place
      expect(JSON.stringify(final.body.blocks)).toMatch(/AI-written from the curated guide/u);
      expect(blockKitProblems(final.body)).toEqual([]);
    } finally {
      await server.stop();
      await api.close();
      await model.close();
      w.cleanup();
    }
  });
});
