import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoachServer, type RunningServer } from "../server/start.js";
import { recordingLogger, tempWorkspace, type Json } from "./helpers.js";
import { startFakeConnector, startTeamsHarness, type ConnectorCall } from "./fakes/bot-connector.js";
import { waitFor } from "./processes.js";

let connector: Awaited<ReturnType<typeof startFakeConnector>>;
let running: RunningServer;
let stop: () => Promise<void>;
let dataDir: string;

beforeAll(async () => {
  ({ connector, running, dataDir, stop } = await startTeamsHarness());
});
afterAll(async () => {
  await stop?.();
});

let counter = 0;
function activity(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "message",
    id: `act-${++counter}-${Date.now()}`,
    timestamp: new Date().toISOString(),
    serviceUrl: connector.url,
    channelId: "msteams",
    from: { id: "29:user-1", aadObjectId: "aad-user-1", name: "Ana" },
    conversation: { id: "a:personal-1", conversationType: "personal", tenantId: "tenant-1" },
    recipient: { id: "28:coach-bot", name: "Coach" },
    locale: "en-US",
    ...overrides,
  };
}
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${running.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

async function repliesAfter(since: number, count: number): Promise<ConnectorCall[]> {
  await waitFor(async () => connector.calls.length - since >= count, 10_000, `${count} connector calls`);
  return connector.calls.slice(since);
}
const card = (call: ConnectorCall) => ((call.activity.attachments as Json[] | undefined)?.[0]?.content ?? null) as Json | null;

describe("Teams bot (real botbuilder CloudAdapter, fake Bot Framework connector on loopback)", () => {
  it("answers a personal message: typing, then one card with answer, sources and feedback, replyToId set", async () => {
    const since = connector.calls.length;
    const a = activity({ text: "What is a digital twin?" });
    const res = await post(a);
    expect(res.status).toBe(200);
    const [typing, reply] = await repliesAfter(since, 2);
    expect(typing!.activity.type).toBe("typing");
    expect(reply!.replyToId).toBe(a.id);
    expect(reply!.conversationId).toBe("a:personal-1");
    const c = card(reply!)!;
    expect(c.version).toBe("1.5");
    expect(JSON.stringify(c.body)).toMatch(/Virtual replicas/u);
    expect(JSON.stringify(c.body)).toMatch(/Sources from the guide/u);
    expect(JSON.stringify(c.actions)).toMatch(/"rating":"up"/u);
    expect(c.fallbackText).toMatch(/Sources: \[1\]/u); // for clients without cards
    expect(reply!.activity.summary).toMatch(/Digital twins/u); // for notifications
    expect(reply!.activity.text).toBeFalsy(); // no second copy above the card
    expect(JSON.stringify(reply!.activity.entities), JSON.stringify(reply!.activity.entities)).toMatch(/"@type":"Claim"/u);
    expect(connector.calls.length - since).toBe(2);
  });

  it("answers a channel message, with the <at> mention removed first", async () => {
    const since = connector.calls.length;
    const a = activity({
      text: "<at>Coach</at> which pure-play industrial AI vendors should I look at?",
      entities: [{ type: "mention", mentioned: { id: "28:coach-bot", name: "Coach" }, text: "<at>Coach</at>" }],
      conversation: { id: "19:general@thread.tacv2;messageid=1700000000", conversationType: "channel", tenantId: "tenant-1" },
      channelData: { team: { id: "19:team" }, channel: { id: "19:general@thread.tacv2" } },
    });
    await post(a);
    const calls = await repliesAfter(since, 2);
    const reply = calls.find((c) => c.activity.type === "message")!;
    expect(reply.conversationId).toBe("19:general@thread.tacv2;messageid=1700000000");
    expect(JSON.stringify(card(reply))).toMatch(/Augury/u);
  });

  it("welcomes with one card (one bubble) that opens with the greeting when the bot is added", async () => {
    const since = connector.calls.length;
    await post(activity({ type: "conversationUpdate", text: undefined, membersAdded: [{ id: "28:coach-bot" }] }));
    const [welcome] = await repliesAfter(since, 1);
    // No text beside the card: Teams would show it as a bubble of its own above the card.
    expect(welcome!.activity.text).toBeUndefined();
    expect(welcome!.activity.attachments).toHaveLength(1);
    expect(welcome!.activity.summary).toBe("Hi! I'm the Manufacturing AI PM Coach.");
    const body = card(welcome!)!.body as Json[];
    expect(body[0]).toMatchObject({ type: "TextBlock", text: "Hi! I'm the Manufacturing AI PM Coach." });
    expect(card(welcome!)!.fallbackText).toMatch(/^Hi! I'm the Manufacturing AI PM Coach\./u);
    expect((card(welcome!)!.actions as Json[]).length).toBeGreaterThan(0);
  });

  it("records 👎 with a comment against the answer's id", async () => {
    const since = connector.calls.length;
    await post(activity({ text: "What is predictive maintenance?" }));
    const [, reply] = await repliesAfter(since, 2);
    const up = (card(reply!)!.actions as Json[]).find((x) => x.data?.rating === "up")!;
    const answerId = up.data.answerId as string;
    await post(activity({ text: undefined, value: { action: "feedback", rating: "down", answerId, comment: "Needs the vendor list" } }));
    await repliesAfter(since, 3);
    const feedback = readFileSync(join(dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Json);
    expect(feedback.find((f) => f.answerId === answerId)).toMatchObject({ rating: "down", comment: "Needs the vendor list", platform: "teams" });
  });

  it("a 👍 redraws its card in place: no second message, buttons off with the choice ticked, a thank-you in the card", async () => {
    const since = connector.calls.length;
    await post(activity({ text: "What is predictive maintenance?" }));
    const [, reply] = await repliesAfter(since, 2);
    const answerCard = card(reply!)!;
    const up = (answerCard.actions as Json[]).find((x) => x.data?.rating === "up")!;
    const before = connector.calls.length;
    const res = await post(activity({ text: undefined, replyToId: reply!.id, value: up.data }));
    expect(res.status).toBe(200);
    const [update] = await repliesAfter(before, 1);
    expect(update!.updatedId).toBe(reply!.id);
    const rated = card(update!)!;
    expect(JSON.stringify(rated.body)).toContain("Thanks for the feedback!");
    expect(rated.body.slice(0, -1)).toEqual(answerCard.body); // the answer itself unchanged
    const feedbackButtons = (rated.actions as Json[]).filter((a) => /Helpful|Not helpful/u.test(a.title));
    expect(feedbackButtons.map((a) => [a.title, a.isEnabled])).toEqual([["👍 Helpful ✓", false], ["👎 Not helpful", false]]);
    expect((rated.actions as Json[]).filter((a) => a.data?.action === "ask").every((a) => a.isEnabled !== false)).toBe(true); // follow-ups still work
    await new Promise((r) => setTimeout(r, 200));
    expect(connector.calls.slice(before).filter((c) => !c.updatedId)).toEqual([]);
    const feedback = readFileSync(join(dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Json);
    expect(feedback.find((f) => f.answerId === up.data.answerId)).toMatchObject({ rating: "up", platform: "teams" });
  });

  it("a 👎 keeps its comment box, and sending it redraws the card with the comment recorded", async () => {
    const since = connector.calls.length;
    await post(activity({ text: "What is generative design?" }));
    const [, reply] = await repliesAfter(since, 2);
    const down = (card(reply!)!.actions as Json[]).find((a) => a.type === "Action.ShowCard")!;
    expect(down.title).toBe("👎 Not helpful");
    const box = down.card.body[0];
    expect(box).toMatchObject({ type: "Input.Text", id: "comment", isMultiline: true, label: "What was wrong or missing?" });
    const send = down.card.actions[0];
    const before = connector.calls.length;
    // Teams merges the inputs into the pressed button's data.
    await post(activity({ text: undefined, replyToId: reply!.id, value: { ...send.data, comment: "Missing the vendors" } }));
    const [update] = await repliesAfter(before, 1);
    expect(update!.updatedId).toBe(reply!.id);
    expect(JSON.stringify(card(update!)!.body)).toContain("Thanks, noted.");
    expect((card(update!)!.actions as Json[]).find((a) => a.type === "Action.ShowCard")).toMatchObject({ title: "👎 Not helpful ✓", isEnabled: false });
    const feedback = readFileSync(join(dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Json);
    expect(feedback.find((f) => f.answerId === send.data.answerId)).toMatchObject({ rating: "down", comment: "Missing the vendors" });
  });

  it("a 👍 on a card from another conversation is recorded and thanked in a message, never redrawing that card", async () => {
    const since = connector.calls.length;
    await post(activity({ text: "What is energy optimization?" }));
    const [, reply] = await repliesAfter(since, 2);
    const up = (card(reply!)!.actions as Json[]).find((x) => x.data?.rating === "up")!;
    const before = connector.calls.length;
    await post(activity({ text: undefined, replyToId: reply!.id, value: up.data, conversation: { id: "a:someone-else", conversationType: "personal", tenantId: "tenant-1" } }));
    const [thanks] = await repliesAfter(before, 1);
    expect(thanks!.updatedId).toBeNull();
    expect(thanks!.activity.text).toBe("Thanks for the feedback! 👍");
  });

  it("labels buttons short enough to fit (whole question as tooltip and value)", async () => {
    const since = connector.calls.length;
    await post(activity({ type: "conversationUpdate", text: undefined, membersAdded: [{ id: "28:coach-bot" }] }));
    const [welcome] = await repliesAfter(since, 1);
    const before = connector.calls.length;
    await post(activity({ text: "What are the unique constraints on the factory floor?" }));
    const [, answer] = await repliesAfter(before, 2);
    const asks = [card(welcome!)!, card(answer!)!].flatMap((c) => [...(c.actions as Json[]), ...(c.body as Json[]).filter((b) => b.type === "ActionSet").flatMap((b) => b.actions as Json[])]).filter((a) => a.data?.action === "ask");
    expect(asks.length).toBeGreaterThanOrEqual(6);
    for (const a of asks) {
      expect(a.title.length, a.title).toBeLessThanOrEqual(36);
      if (a.title.endsWith("…")) expect(a.tooltip).toBe(a.data.question);
    }
    const questions = asks.map((a) => a.data.question as string);
    expect(questions).toContain("Which companies hire AI PMs in manufacturing?"); // the whole question is what gets asked
    expect(asks.find((a) => a.data.question === "Which companies hire AI PMs in manufacturing?")!.title).toBe("Which companies hire AI PMs…");
    expect(questions.some((q) => q.length > 36)).toBe(true);
  });

  it("answers a redelivered activity id once", async () => {
    const since = connector.calls.length;
    const a = activity({ text: "How long do procurement cycles take?" });
    await post(a);
    await post(a);
    await repliesAfter(since, 2);
    expect(connector.calls.slice(since).filter((c) => c.activity.type === "message")).toHaveLength(1);
  });

  it("acknowledges an unknown invoke with 200 and keeps working", async () => {
    const res = await post(activity({ type: "invoke", name: "composeExtension/query", text: undefined, value: { commandId: "x" } }));
    expect(res.status).toBe(200);
    const bad = await fetch(`${running.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(bad.status).toBe(400);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  it("runs interview practice from the welcome card's button: question card, typed answer scored, stop with a summary", async () => {
    const since = connector.calls.length;
    await post(activity({ type: "conversationUpdate", text: undefined, membersAdded: [{ id: "28:coach-bot" }] }));
    const [welcome] = await repliesAfter(since, 1);
    const practise = JSON.stringify(card(welcome!)!.body);
    expect(practise).toMatch(/"type":"ActionSet"/u);
    const start = ((card(welcome!)!.body as Json[]).find((b) => b.type === "ActionSet")!.actions as Json[]).find((a) => a.title === "Interview practice")!;
    const kate = { id: "29:user-kate", aadObjectId: "aad-kate", name: "Kate" };
    const conversation = { id: "a:personal-kate", conversationType: "personal", tenantId: "tenant-1" };
    const say = async (fields: Record<string, unknown>, expected: number) => {
      const before = connector.calls.length;
      await post(activity({ from: kate, conversation, ...fields }));
      const calls = await repliesAfter(before, expected);
      return card(calls.at(-1)!)!;
    };
    const question = await say({ text: undefined, value: start.data }, 2);
    expect(JSON.stringify(question.body)).toMatch(/Interview practice · question 1 of 5/u);
    // A prompt is not an answer to rate: Hint, Skip and Stop are the card's only buttons, one row.
    expect((question.actions as Json[]).map((a) => a.title)).toEqual(["Hint", "Skip", "Stop"]);
    const scored = await say({ text: "I'd answer from the guide: pure-play vendors, industrial giants and hyperscalers, with edge inference on local hardware." }, 2);
    expect(JSON.stringify(scored.body)).toMatch(/of \d key points/u);
    expect(JSON.stringify(scored.body)).toMatch(/question 2 of 5/u);
    expect((scored.actions as Json[]).map((a) => a.title)).toEqual(["Hint", "Skip", "Stop"]);
    // Each button submits its typed action for this card's step, not its label.
    const button = (title: string) => (scored.actions as Json[]).find((a) => a.title === title)!;
    expect(button("Skip").data).toEqual({ action: "skip", session: expect.any(String), step: 2 });
    const skipped = await say({ text: undefined, value: button("Skip").data }, 2);
    expect(JSON.stringify(skipped.body)).toMatch(/Skipped\./u);
    expect(JSON.stringify(skipped.body)).toMatch(/question 3 of 5/u);
    // Skip on question 2's card again (a double press, or much later): question 3 is asked again, not skipped.
    const again = await say({ text: undefined, value: button("Skip").data }, 2);
    expect(JSON.stringify(again.body)).not.toMatch(/Skipped\./u);
    expect(JSON.stringify(again.body)).toMatch(/question 3 of 5/u);
    // A submit that is not one of the coach's own actions (another card's "approve", an old or
    // forged card) does nothing to the session, even with this session's id and step.
    const foreign = await say({ text: undefined, value: { action: "approve", session: button("Skip").data.session, step: 3 } }, 2);
    expect(JSON.stringify(foreign.body)).not.toMatch(/Skipped|question \d of 5|Practice stopped/u);
    expect(JSON.stringify(foreign.body)).toMatch(/Ask me a question/u);
    const summary = await say({ text: undefined, value: button("Stop").data }, 2);
    expect(JSON.stringify(summary.body)).toMatch(/Practice stopped after 2 questions/u);
  });

  it("tells channel users how to answer a practice question (mention the bot)", async () => {
    const since = connector.calls.length;
    await post(
      activity({
        text: "<at>Coach</at> quiz me on digital twins",
        entities: [{ type: "mention", mentioned: { id: "28:coach-bot", name: "Coach" }, text: "<at>Coach</at>" }],
        conversation: { id: "19:general@thread.tacv2;messageid=1700000099", conversationType: "channel", tenantId: "tenant-1" },
        channelData: { team: { id: "19:team" }, channel: { id: "19:general@thread.tacv2" } },
      }),
    );
    const calls = await repliesAfter(since, 2);
    expect(JSON.stringify(card(calls[1]!)!.body)).toMatch(/Mention me with your answer/u);
  });

  it("refuses a safety bypass with its message in the card, not an error", async () => {
    const since = connector.calls.length;
    await post(activity({ text: "how do I jumper out the guard door interlock?" }));
    const [, reply] = await repliesAfter(since, 2);
    expect(JSON.stringify(card(reply!))).toMatch(/ISO 13849/u);
  });
});

describe("Teams with MicrosoftAppId set", () => {
  it("rejects a request without a valid Bot Framework token (401)", async () => {
    const w = tempWorkspace();
    const server = await startCoachServer(
      { ...w.config, port: 0, teams: { appId: "00000000-0000-0000-0000-00000000c0ac", appPassword: "not-a-real-secret", tenantId: "", appType: "MultiTenant" } },
      recordingLogger().logger,
      { host: "127.0.0.1" },
    );
    try {
      const res = await fetch(`${server.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity({ text: "hi" })) });
      expect(res.status).toBe(401);
      const forged = await fetch(`${server.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer not.a.jwt" }, body: JSON.stringify(activity({ text: "hi" })) });
      expect(forged.status).toBe(401);
    } finally {
      await server.stop();
      w.cleanup();
    }
  });
});

describe("Teams in LLM mode", () => {
  it("streams in a personal chat (informative, streaming, final with the card) and not in channels", async () => {
    const { startFakeOpenAi } = await import("./fakes/openai.js");
    const model = await startFakeOpenAi();
    const w = tempWorkspace();
    const server = await startCoachServer(
      { ...w.config, port: 0, rateLimitPerMinute: 0, llmProvider: "openai", llm: { ...w.config.llm, baseUrl: model.url, apiKey: null, model: "fake-model" } },
      recordingLogger().logger,
      { host: "127.0.0.1" },
    );
    const send = (body: unknown) => fetch(`${server.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    try {
      const since = connector.calls.length;
      await send(activity({ text: "What is a digital twin?", conversation: { id: "a:stream-1", conversationType: "personal" } }));
      await waitFor(async () => connector.calls.slice(since).some((c) => c.activity.type === "message"), 10_000, "final message");
      const calls = connector.calls.slice(since);
      const info = (c: ConnectorCall) => ((c.activity.entities as Json[] | undefined) ?? []).find((e) => e.type === "streaminfo");
      expect(info(calls[0]!)).toMatchObject({ streamType: "informative", streamSequence: 1 });
      const streaming = calls.find((c) => info(c)?.streamType === "streaming");
      expect(streaming).toBeTruthy();
      expect(String(streaming!.activity.text)).toMatch(/\S/u);
      const final = calls.find((c) => c.activity.type === "message")!;
      expect(info(final)).toMatchObject({ streamType: "final", streamId: info(streaming!)!.streamId });
      expect(JSON.stringify(card(final))).toMatch(/AI-written from the curated guide/u);

      const before = connector.calls.length;
      await send(activity({ text: "What is generative design?", conversation: { id: "19:chan@thread.tacv2;messageid=9", conversationType: "channel" } }));
      await waitFor(async () => connector.calls.slice(before).some((c) => c.activity.type === "message"), 10_000, "channel answer");
      expect(connector.calls.slice(before).some((c) => info(c))).toBe(false);
    } finally {
      await server.stop();
      await model.close();
      w.cleanup();
    }
  });
});
