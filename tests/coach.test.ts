import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Coach } from "../src/coach.js";
import type { Answer } from "../src/types.js";
import { testCoach, turn } from "./helpers.js";

let coach: Coach;
let cleanup: () => void;
beforeAll(async () => {
  ({ coach, cleanup } = await testCoach());
});
afterAll(() => cleanup());

const titles = (a: Answer) => a.citations.map((c) => c.title);

/** Every part of an answer must be copied from the chunk it cites. */
function assertGrounded(answer: Answer): void {
  expect(answer.parts.length).toBeGreaterThan(0);
  for (const part of answer.parts) {
    expect(part.cites.length, `part cites nothing: ${part.text}`).toBeGreaterThan(0);
    const cited = part.cites.some((i) => answer.citations[i]?.text.includes(part.text));
    expect(cited, `not found in the chunk it cites: ${part.text}`).toBe(true);
  }
}

describe("coach.ask in the offline default mode", () => {
  it("answers a use-case question from the right section, with citations and follow-ups", async () => {
    const a = await coach.ask(turn("What sensor signals do failure-prediction models rely on?"));
    expect(a.outcome).toBe("answered");
    expect(a.mode).toBe("extractive");
    expect(titles(a)[0]).toBe("Predictive maintenance");
    expect(a.text).toMatch(/vibration/u);
    expect(a.followUps.length).toBeGreaterThanOrEqual(2);
    expect(a.followUps.length).toBeLessThanOrEqual(3);
    assertGrounded(a);
  });

  it("keeps a company tier's list whole", async () => {
    const a = await coach.ask(turn("Name the hyperscalers that have manufacturing verticals"));
    expect(a.text).toContain("Microsoft (Azure IoT / Connected Factory), AWS (IoT Greengrass, SageMaker industrial), Google Cloud (Manufacturing AI), Snowflake (manufacturing data cloud)");
    assertGrounded(a);
  });

  it("keeps numbers exact", async () => {
    const a = await coach.ask(turn("what does a single unplanned stoppage of a line cost"));
    expect(a.text).toContain("$500K to $2M per incident");
  });

  it("tolerates typos", async () => {
    const a = await coach.ask(turn("predictve maintenence chalenges"));
    expect(a.outcome).toBe("answered");
    expect(titles(a).slice(0, 3)).toContain("Predictive maintenance");
  });

  it("understands acronyms through the glossary", async () => {
    const a = await coach.ask(turn("QC with CV: what goes wrong?"));
    expect(titles(a)[0]).toBe("Computer vision quality control");
    const b = await coach.ask(turn("how do I learn about PLCs"));
    expect(b.text).toMatch(/PLC/u);
  });

  it("resolves a follow-up from the conversation history", async () => {
    const history = [
      { role: "user" as const, content: "Who are the predictive maintenance vendors?" },
      { role: "assistant" as const, content: "Companies like Augury, SparkCognition, and Uptake are established." },
    ];
    const withHistory = await coach.ask(turn("which one focuses on rotating equipment?", history));
    expect(withHistory.outcome).toBe("answered");
    expect(withHistory.text).toMatch(/Augury \(predictive maintenance for rotating equipment\)/u);
    // The same words with no conversation are not about vendors at all.
    const alone = await coach.ask(turn("which one focuses on rotating equipment?"));
    expect(alone.text).not.toBe(withHistory.text);
  });

  it("redirects questions outside its field (off_topic), with example questions and no citations", async () => {
    for (const q of ["How do I make sourdough starter?", "How do I tune a Kafka consumer group?", "Who painted the Mona Lisa?"]) {
      const a = await coach.ask(turn(q));
      expect(a.outcome, q).toBe("no_answer");
      expect(a.reason, q).toBe("off_topic");
      expect(a.text).toMatch(/outside what I coach on/u);
      expect(a.citations).toEqual([]);
      expect(a.followUps.length).toBeGreaterThan(0);
    }
  });

  it("says so, without inventing, when an in-field question is not in the guide (not_in_guide)", async () => {
    for (const q of ["What OEE should a bottling plant target?", "How does a kanban board work in a machining shop?"]) {
      const a = await coach.ask(turn(q));
      expect(a.outcome, q).toBe("no_answer");
      expect(a.reason, q).toBe("not_in_guide");
      expect(a.text).toMatch(/doesn't cover that/u);
      expect(a.citations).toEqual([]);
    }
  });

  it("refuses empty input with a short message", async () => {
    for (const text of ["", "   ", "\u200b\u200b", "?!"]) {
      const a = await coach.ask(turn(text));
      expect(a.outcome).toBe("refused");
      expect(a.reason).toBe("empty_input");
      expect(a.text.length).toBeLessThan(200);
    }
  });

  it("refuses a 50 KB message without crashing", async () => {
    const a = await coach.ask(turn("Which companies hire AI PMs? ".repeat(1800)));
    expect(a.outcome).toBe("refused");
    expect(a.reason).toBe("input_too_long");
    expect(a.text).toMatch(/characters/u);
  });

  it("handles odd Unicode: invisible characters, full-width letters, emoji, right-to-left text", async () => {
    const a = await coach.ask(turn("What is a d\u200bigital t\u200dwin? 🏭"));
    expect(titles(a)[0]).toBe("Digital twins");
    const b = await coach.ask(turn("ｄｉｇｉｔａｌ ｔｗｉｎｓ"));
    expect(titles(b)[0]).toBe("Digital twins");
    const c = await coach.ask(turn("\u202eمرحبا 👋🏽 \u0000"));
    expect(["no_answer", "refused"]).toContain(c.outcome);
  });

  it("survives malformed turns from a careless caller", async () => {
    const a = await coach.ask({ text: undefined as unknown as string, history: null as unknown as [], user: { id: "x", platform: "cli" }, conversationId: "x" });
    expect(a.outcome).toBe("refused");
    expect(a.reason).toBe("empty_input");
  });

  it("reports its latency", async () => {
    const a = await coach.ask(turn("What is generative design?"));
    expect(a.latencyMs).toBeGreaterThan(0);
  });
});
