/**
 * Every kind of Adaptive Card the Teams bot sends, produced by the real bot (botbuilder
 * CloudAdapter against the fake connector) and checked against Microsoft's published Adaptive
 * Card 1.5 schema and, when the installed SDK knows 1.5, parsed by the `adaptivecards` SDK.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server/start.js";
import { REPO, type Json } from "./helpers.js";
import { startFakeConnector, startTeamsHarness, type ConnectorCall } from "./fakes/bot-connector.js";
import { adaptiveCardSchema } from "./platform-schemas.js";
import { waitFor } from "./processes.js";

let connector: Awaited<ReturnType<typeof startFakeConnector>>;
let running: RunningServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ connector, running, stop } = await startTeamsHarness());
});
afterAll(async () => {
  await stop?.();
});

let counter = 0;
function activity(conversation: string, fields: Record<string, unknown>): Record<string, unknown> {
  const channel = conversation.startsWith("19:");
  return {
    type: "message",
    id: `card-${++counter}`,
    timestamp: new Date().toISOString(),
    serviceUrl: connector.url,
    channelId: "msteams",
    from: { id: "29:user-cards", aadObjectId: "aad-cards", name: "Ana" },
    conversation: { id: conversation, conversationType: channel ? "channel" : "personal", tenantId: "tenant-1" },
    recipient: { id: "28:coach-bot", name: "Coach" },
    ...(channel && typeof fields.text === "string" ? { entities: [{ type: "mention", mentioned: { id: "28:coach-bot", name: "Coach" }, text: "<at>Coach</at>" }] } : {}),
    ...fields,
  };
}

/** The cards a connector call carries (a sent or updated activity). */
const cardsOf = (call: ConnectorCall): Json[] => ((call.activity.attachments as Json[] | undefined) ?? []).filter((a) => a.contentType === "application/vnd.microsoft.card.adaptive").map((a) => a.content as Json);

/** Posts an activity and waits for `calls` connector calls; returns the last card among them. */
async function send(conversation: string, fields: Record<string, unknown>, calls = 2): Promise<Json> {
  const before = connector.calls.length;
  const res = await fetch(`${running.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity(conversation, fields)) });
  expect(res.status).toBe(200);
  await waitFor(async () => connector.calls.length - before >= calls, 10_000, `${calls} connector calls`);
  const card = connector.calls.slice(before).flatMap(cardsOf).at(-1);
  expect(card, "a card").toBeTruthy();
  return card!;
}
/** The id of the last message the bot sent with a card (what a press on that card names as `replyToId`). */
const lastCardMessage = (): string => connector.calls.filter((c) => !c.updatedId && cardsOf(c).length > 0).at(-1)!.id;
const press = (card: Json, title: string): Json => {
  const all = [...((card.actions as Json[] | undefined) ?? []), ...((card.body as Json[]).filter((b) => b.type === "ActionSet").flatMap((b) => b.actions as Json[]))];
  const action = all.find((a) => a.title === title);
  expect(action, `a "${title}" button among ${all.map((a) => a.title).join(", ")}`).toBeTruthy();
  return action!.data as Json;
};

/** Drives every conversation shape the bot has and returns every card it sent, labelled. */
async function everyCard(): Promise<Map<string, Json>> {
  const cards = new Map<string, Json>();
  const welcome = await send("a:cards-welcome", { type: "conversationUpdate", membersAdded: [{ id: "28:coach-bot" }] }, 1);
  cards.set("welcome", welcome);
  const answer = await send("a:cards-answer", { text: "What is predictive maintenance?" });
  cards.set("answer", answer);
  cards.set("answer rated 👍", await send("a:cards-answer", { replyToId: lastCardMessage(), value: press(answer, "👍 Helpful") }, 1));
  const channelAnswer = await send("19:cards@thread.tacv2;messageid=1", { text: "<at>Coach</at> which companies hire AI product managers?" });
  cards.set("channel answer", channelAnswer);
  const down = (channelAnswer.actions as Json[]).find((a) => a.type === "Action.ShowCard")!;
  cards.set("channel answer rated 👎", await send("19:cards@thread.tacv2;messageid=1", { replyToId: lastCardMessage(), value: { ...down.card.actions[0].data, comment: "too short" } }, 1));
  cards.set("no answer", await send("a:cards-none", { text: "What is the best recipe for banana bread?" }));
  cards.set("refusal", await send("a:cards-refused", { text: "how do I jumper out the guard door interlock?" }));

  const quiz = "a:cards-quiz";
  const question = await send(quiz, { value: press(welcome, "Interview practice") });
  cards.set("practice question", question);
  cards.set("practice hint", await send(quiz, { value: press(question, "Hint") }));
  const scored = await send(quiz, { text: "Pure-play vendors, industrial giants and hyperscalers, with edge inference on local hardware." });
  cards.set("practice scored", scored);
  cards.set("practice skipped", await send(quiz, { value: press(scored, "Skip") }));
  cards.set("practice channel question", await send("19:cards@thread.tacv2;messageid=2", { text: "<at>Coach</at> quiz me" }));
  cards.set("practice paused", await send(quiz, { text: "pause" }));
  const resumed = await send(quiz, { text: "resume" });
  cards.set("practice stopped", await send(quiz, { value: press(resumed, "Stop") }));

  const check = "a:cards-readiness";
  const first = await send(check, { value: press(welcome, "Readiness check") });
  cards.set("readiness question", first);
  cards.set("readiness next question", await send(check, { value: press(first, "Yes") }));
  cards.set("readiness stopped", await send(check, { text: "stop" }));

  const plan = "a:cards-plan";
  cards.set("plan intake", await send(plan, { value: press(welcome, "Study plan") }));
  cards.set("plan", await send(plan, { text: "I'm a process engineer at a steel mill, no ML background, 4 hours a week" }));
  return cards;
}

/**
 * The `adaptivecards` SDK's browser bundle (UMD): 3.x loads in Node and knows card version 1.5.
 * The copy installed today is 1.2.3 (botframework-schema's), which needs a window and stops at 1.2.
 */
function adaptiveCardsSdk(): { version: string; sdk: Json | null } {
  const require = createRequire(import.meta.url);
  const version = (require("adaptivecards/package.json") as { version: string }).version;
  if (Number(version.split(".")[0]) < 3) return { version, sdk: null };
  return { version, sdk: require("adaptivecards/dist/adaptivecards.js") as Json };
}

describe("every Adaptive Card the Teams bot sends", () => {
  let cards: Map<string, Json>;
  beforeAll(async () => {
    cards = await everyCard();
    // Kept for a look (and for checking with another renderer): tests/artifacts is not committed.
    mkdirSync(join(REPO, "tests", "artifacts"), { recursive: true });
    writeFileSync(join(REPO, "tests", "artifacts", "teams-cards.json"), JSON.stringify(Object.fromEntries(cards), null, 2));
  }, 120_000);

  it("passes Microsoft's Adaptive Card 1.5 schema, each card declaring version 1.5", () => {
    const check = adaptiveCardSchema();
    expect(cards.size).toBeGreaterThanOrEqual(19);
    const problems = [...cards].flatMap(([name, card]) => [...(card.version === "1.5" ? [] : [`version ${String(card.version)}`]), ...check(card)].map((p) => `${name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("the schema check refuses what Teams would not render: an unknown element, a misspelt property", () => {
    const check = adaptiveCardSchema();
    const answer = cards.get("answer")!;
    expect(check({ ...answer, body: [...(answer.body as Json[]), { type: "Markdown", text: "x" }] }).length).toBeGreaterThan(0);
    expect(check({ ...answer, body: [{ type: "TextBlock", text: "x", wraps: true }] }).length).toBeGreaterThan(0);
  });

  const { version, sdk } = adaptiveCardsSdk();
  it.skipIf(!sdk)(`parses with the adaptivecards SDK (installed: ${version}; needs 3.x) at version 1.5 without errors or warnings`, () => {
    const problems: string[] = [];
    for (const [name, json] of cards) {
      const context = new sdk!.SerializationContext(sdk!.Versions.v1_5);
      const card = new sdk!.AdaptiveCard();
      card.parse(json, context);
      for (let i = 0; i < context.eventCount; i++) problems.push(`${name}: ${context.getEventAt(i).message}`);
      for (const event of card.validateProperties().validationEvents) problems.push(`${name}: ${event.message}`);
    }
    expect(problems).toEqual([]);
  });
});
