import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server/start.js";
import type { Json } from "./helpers.js";
import { startSlackHarness, type startFakeSlackApi } from "./fakes/slack-api.js";
import { startFakeConnector } from "./fakes/bot-connector.js";
import { waitFor } from "./processes.js";

/**
 * #14 item 6: personal data never reaches answers.jsonl or feedback.jsonl (web, Teams, Slack), a
 * Slack "Share in channel" does not post it, and a question carrying contact details is still
 * answered from the guide.
 */
const SECRET = "privacy-signing-secret";
let slackApi: Awaited<ReturnType<typeof startFakeSlackApi>>;
let connector: Awaited<ReturnType<typeof startFakeConnector>>;
let running: RunningServer;

let dataDir: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  connector = await startFakeConnector();
  ({ slackApi, running, dataDir, stop } = await startSlackHarness(SECRET));
});
afterAll(async () => {
  await stop?.();
  await connector?.close();
});

/** [what the person writes, the personal data in it that must never be logged]. */
const PERSONAL: [string, string][] = [
  ["Call me on +49 170 1234567.", "170 1234567"],
  ["My number is (415) 555 0199.", "555 0199"],
  ["+33 6 12 34 56 78 is my mobile.", "12 34 56 78"],
  ["Reach me at 4915112345678.", "4915112345678"],
  ["Office: 0044 20 7946 0958.", "7946 0958"],
  ["Text 555-123-4567 if needed.", "555-123-4567"],
  ["Phone +1 (212) 555-0147.", "555-0147"],
  ["Mobile 07700 900123.", "07700 900123"],
  ["Call +81 3-1234-5678.", "1234-5678"],
  ["WhatsApp +91 98765 43210.", "98765 43210"],
  ["My SSN 123456789 for the form.", "123456789"],
  ["SSN: 123-45-6789.", "123-45-6789"],
  ["DNI 12345678Z.", "12345678Z"],
  ["My passport number X1234567.", "X1234567"],
  ["passport no. C01X00T47 here.", "C01X00T47"],
  ["NIE X1234567L.", "X1234567L"],
  ["National insurance number QQ123456C.", "QQ123456C"],
  ["Personalausweis L01X00T47.", "L01X00T47"],
  ["Employee ID E-48213 here.", "48213"],
  ["Badge #4821 asking.", "4821"],
  ["Personnel number 0042137.", "0042137"],
  ["Employee number 77123.", "77123"],
  ["Personalnummer 123456.", "123456"],
  ["Payroll id 99887.", "99887"],
  ["My name is John Smith and I work at a plant.", "John Smith"],
  ["my name is maria garcia, analyst.", "maria garcia"],
  ["I'm Ana López, a process engineer.", "Ana López"],
  ["Je m'appelle Claire Dubois.", "Claire Dubois"],
  ["Ich heiße Jonas Weber.", "Jonas Weber"],
  ["Mail john(at)acme(dot)com please.", "john(at)acme"],
  ["Write to jane @ plant.com please.", "jane @ plant"],
  ["Contact jane [at] plant [dot] example.", "jane [at] plant"],
  ["Email bob.smith@factory.example.", "bob.smith"],
  ["Or anna dot berg at example dot org.", "anna dot berg"],
  ["You can email me at li.wei@example.cn.", "li.wei"],
  ["Card 4111 1111 1111 1111.", "4111 1111 1111 1111"],
  ["Reach me on +44 7911 123456.", "7911 123456"],
  ["I am Sven Olsen from Volvo.", "Sven Olsen"],
  ["My employee ID is 5512034.", "5512034"],
  ["My name's Tom Baker.", "Tom Baker"],
];
const SIGNATURES: [string, string][] = [
  ["\n\nBest regards,\nKlaus Müller", "Klaus Müller"],
  ["\n\nThanks,\nPriya Raman", "Priya Raman"],
];
const QUESTIONS = [
  "What is predictive maintenance?",
  "Which companies hire AI PMs in manufacturing?",
  "What is a digital twin?",
  "What is generative design?",
  "How long is the procurement cycle in manufacturing?",
  "What is energy optimization?",
  "How do I get OT literate?",
  "Which vendors lead predictive maintenance?",
  "What is computer vision quality inspection?",
  "What does edge inference mean on the line?",
];

const post = (path: string, body: unknown) => fetch(`${running.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const readLog = (name: string) => readFileSync(join(dataDir, name), "utf8");

describe("personal data in questions", () => {
  it("answers a real question that comes with contact details, ids or a name, and never logs them", async () => {
    const probes = PERSONAL.map(([personal, secret], i) => ({ question: i % 2 ? `${personal} ${QUESTIONS[i % QUESTIONS.length]}` : `${QUESTIONS[i % QUESTIONS.length]} ${personal}`, secret }));
    probes.push(...SIGNATURES.map(([signature, secret], i) => ({ question: `${QUESTIONS[i]}${signature}`, secret })));
    const outcomes: string[] = [];
    for (const { question } of probes) {
      const answer = (await (await post("/api/ask", { question })).json()) as Json;
      outcomes.push(`${answer.outcome}/${answer.reason}: ${question}`);
      for (const { secret } of probes) expect(String(answer.text)).not.toContain(secret);
    }
    expect(outcomes.filter((o) => !o.startsWith("answered"))).toEqual([]);
    await waitFor(async () => readLog("answers.jsonl").trim().split("\n").length >= probes.length, 10_000, "the answer log");
    // What people wrote is checked, not the random ids and timings around it (a UUID can hold "4821").
    const logged = readLog("answers.jsonl")
      .trim()
      .split("\n")
      .map((line) => {
        const { answerId: _id, at: _at, latencyMs: _ms, id: _rid, ...said } = JSON.parse(line) as Record<string, unknown>;
        return JSON.stringify(said);
      })
      .join("\n");
    expect(probes.map((p) => p.secret).filter((secret) => logged.includes(secret))).toEqual([]);
  });

  it("redacts before cutting: an email across the 2,000-character mark is not logged in half", async () => {
    const question = `${"What is predictive maintenance? ".repeat(62)}`.slice(0, 1_990) + " jane.doe@plant.example";
    await post("/api/ask", { question });
    await waitFor(async () => readLog("answers.jsonl").includes("[email]"), 10_000, "the logged question");
    expect(readLog("answers.jsonl")).not.toMatch(/jane\.d/u);
  });
});

describe("personal data in feedback", () => {
  it("is redacted from web, Teams and Slack comments before they are written", async () => {
    // The address straddles the 2,000-character mark: its "@" is the last character kept.
    const comment = (who: string) => `${"The answer missed the vendors list. ".repeat(60).slice(0, 2_000 - 2 - `zq7k${who}`.length)} zq7k${who}@plant.example, call +49 170 1234567, badge #4821`;
    expect((await post("/api/feedback", { answerId: "web-a", rating: "down", comment: comment("web").slice(-700) })).status).toBe(202);

    const teams = await post("/api/messages", {
      type: "invoke",
      name: "adaptiveCard/action",
      id: `inv-${Date.now()}`,
      serviceUrl: connector.url,
      channelId: "msteams",
      from: { id: "29:user-1", aadObjectId: "aad-user-1" },
      conversation: { id: "a:privacy-1", conversationType: "personal" },
      recipient: { id: "28:coach-bot" },
      value: { action: { type: "Action.Execute", data: { action: "feedback", answerId: "teams-a", rating: "down", comment: comment("teams") } } },
    });
    expect(teams.status).toBe(200);

    const payload = JSON.stringify({ type: "view_submission", team: { id: "T1" }, user: { id: "U8" }, view: { id: "V1", callback_id: "coach_feedback_modal", private_metadata: "slack-a", state: { values: { comment: { comment: { type: "plain_text_input", value: comment("slack") } } } } } });
    const body = new URLSearchParams({ payload }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    await fetch(`${running.url}/slack/events`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-signature": signature, "x-slack-request-timestamp": String(timestamp) }, body });

    await waitFor(async () => ["web-a", "teams-a", "slack-a"].every((id) => readLog("feedback.jsonl").includes(id)), 10_000, "three feedback records");
    const feedback = readLog("feedback.jsonl");
    for (const secret of ["zq7k", "170 1234567", "4821", "@plant"]) expect(feedback).not.toContain(secret);
    for (const line of feedback.trim().split("\n")) expect(String(JSON.parse(line).comment ?? "").length).toBeLessThanOrEqual(2_000);
  });
});

describe("Slack Share in channel", () => {
  it("posts the question to the channel without the person's contact details", async () => {
    const question = "Call me on +49 170 1234567 or mail jane.doe@plant.example: what is a digital twin?";
    const payload = JSON.stringify({ type: "block_actions", team: { id: "T1" }, user: { id: "U5" }, channel: { id: "C5" }, container: { type: "message", is_ephemeral: true }, response_url: `${slackApi.url}/respond/share-privacy`, trigger_id: "t2", actions: [{ type: "button", action_id: "coach_share", block_id: "coach_feedback", value: question, action_ts: "1" }] });
    const body = new URLSearchParams({ payload }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    const before = slackApi.responses.length;
    await fetch(`${running.url}/slack/events`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-signature": signature, "x-slack-request-timestamp": String(timestamp) }, body });
    await waitFor(async () => slackApi.responses.length > before, 10_000, "the shared post");
    const shared = slackApi.responses.at(-1)!;
    expect(shared.response_type).toBe("in_channel");
    const posted = JSON.stringify(shared);
    expect(posted).not.toContain("1234567");
    expect(posted).not.toContain("jane.doe");
    expect(posted).toMatch(/asked: Call me on \[phone\] or mail \[email\]: what is a digital twin\?/u);
    expect(posted).toMatch(/Virtual replicas/u);
  });
});
