import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCoach, type Coach } from "../src/coach.js";
import { emptyInputRail, inputLengthRail, safetyRail } from "../src/guardrails/input.js";
import { injectionRail } from "../src/guardrails/injection.js";
import { defaultGuard } from "../src/guardrails/guard.js";
import { readingsOf } from "../src/guardrails/obfuscation.js";
import { redactPersonalData, stripPersonalData } from "../src/guardrails/privacy.js";
import { checkLlmGrounding, checkPartsGrounding, neutralizeControlSequences, stripDisallowedLinks } from "../src/guardrails/output.js";
import { normalizeText, splitSentences, stripMarkup, contentTerms } from "../src/text/normalize.js";
import { silentLogger } from "../src/logger.js";
import type { Citation } from "../src/types.js";
import { tempWorkspace } from "./helpers.js";
// Seeded, so a failure names an input that can be rebuilt.
import { random as seededRandom } from "../bench/corpus.js";

/**
 * #14 item 2: every rail over random and repetitive 64 KB inputs returns (a verdict, never a
 * throw), and its cost grows linearly. Wall-clock bounds failed on a loaded machine, so a slow
 * input is measured again at a quarter of its size: linear work takes about a quarter of the time,
 * quadratic work a sixteenth; more than eight times as long for four times the input is reported.
 * The figures themselves belong to `npm run bench:security`.
 */
const SIZE = 64 * 1024;


/** Runs of what regexes in the rails look for: digits and separators, markup, mentions, emails, abbreviations, expanding characters. */
const UNITS = ["1", "1-", "1!", "0", "--", "a.", "a-", "A.", "e-", "1.", "<a", "<@", "<!subteam^", "a@", "@a.", "x.y@", "a ", "a a ", "i g ", "vs. A ", "\uFDFA", "\u200B", "[1]", "**", "http://a", "+1 ", "(1) ", "1 1 ", "$1,", "a (at) ", "a dot ", "my name is a ", "I am A ", "ssn 1", "employee 1", "Thanks, A", "\n-- A", "a\n", "Ѕ", "aGVsbG8g"];
const ALPHABET = "aAzZ019 .,;:!?-_*@$|#<>()[]{}/\\'\"\n\t\u00AD\u200B\uFDFA\u0430ö€";

function inputs(): { name: string; text: string }[] {
  const out = UNITS.map((u) => ({ name: `repeat ${JSON.stringify(u)}`, text: u.repeat(Math.ceil(SIZE / u.length)).slice(0, SIZE) }));
  for (let seed = 1; seed <= 6; seed++) {
    const random = seededRandom(seed);
    let text = "";
    while (text.length < SIZE) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
    out.push({ name: `random seed ${seed}`, text });
  }
  // Random mixtures of the units: long runs that switch pattern now and then.
  for (let seed = 7; seed <= 10; seed++) {
    const random = seededRandom(seed);
    let text = "";
    while (text.length < SIZE) text += UNITS[Math.floor(random() * UNITS.length)]!.repeat(1 + Math.floor(random() * 400));
    out.push({ name: `runs seed ${seed}`, text: text.slice(0, SIZE) });
  }
  return out;
}

const citation: Citation = { id: "c1", document: "Guide", title: "Predictive maintenance", section: "Use cases › Predictive maintenance", path: ["Use cases", "Predictive maintenance"], score: 1, text: "Predictive maintenance uses sensor data to predict failures. Vendors include Augury." };
const rails = [emptyInputRail, inputLengthRail(4_000), safetyRail, injectionRail];
const functions: Record<string, (text: string) => unknown> = {
  readingsOf,
  redactPersonalData,
  stripPersonalData,
  neutralizeControlSequences,
  stripDisallowedLinks: (t) => stripDisallowedLinks(t, new Set(["example.com"])),
  normalizeText,
  stripMarkup,
  splitSentences,
  contentTerms,
  checkPartsGrounding: (t) => checkPartsGrounding([{ kind: "lead", text: t, cites: [0] }], [citation], new Set(["Augury"]), { everyClaimCites: true }),
  checkLlmGrounding: (t) => checkLlmGrounding(t, [citation], new Set(["Augury"]), citation.text.toLowerCase()),
};

/** Only inputs slower than this are measured again: fast ones cannot hide a quadratic at 64 KB. */
const RECHECK_MS = 250;

async function timed(run: () => unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/**
 * Whether `run` grows faster than linearly: the best of two runs on the whole input against the
 * best of two on its first quarter (best-of-two: another process's burst is not the input's cost).
 */
async function superLinear(run: (text: string) => unknown, text: string, first: number): Promise<string | null> {
  if (first <= RECHECK_MS) return null;
  let whole = Math.min(first, await timed(() => run(text)));
  const quarterText = text.slice(0, Math.ceil(text.length / 4));
  let quarter = Math.min(await timed(() => run(quarterText)), await timed(() => run(quarterText)));
  // A busy machine (a GC pause, another process) can slow one run: growth counts only if it
  // shows in the best of several runs.
  for (let round = 0; round < 3 && whole > 8 * quarter + 100; round++) {
    whole = Math.min(whole, await timed(() => run(text)));
    quarter = Math.min(quarter, await timed(() => run(quarterText)));
  }
  return whole > 8 * quarter + 100 ? `${Math.round(whole)} ms for 64 KB against ${Math.round(quarter)} ms for 16 KB` : null;
}

describe("the rails over 64 KB adversarial and random inputs", () => {
  const cases = inputs();
  // The first check trains or loads the rails' classifier and lexicon (seconds, once per process),
  // and the grounding checks load the English word list on first use: do both first, so the
  // measurements below are of each input, not of that one-off.
  beforeAll(async () => {
    defaultGuard();
    for (const rail of rails) await rail.check({ text: "warm-up", history: [], userKey: "fuzz-warm-up" });
    for (const fn of Object.values(functions)) fn("Warm-up: predictive maintenance at Augury.");
  }, 120_000);

  it("every input rail returns a verdict, as the question and as a history turn, in linear time", async () => {
    const slow: string[] = [];
    for (const { name, text } of cases) {
      for (const rail of rails) {
        const asQuestion = (t: string) => rail.check({ text: t, history: [], userKey: "fuzz" });
        const asHistory = (t: string) => rail.check({ text: "what is it?", history: [{ role: "user" as const, content: t }], userKey: "fuzz" });
        for (const [how, run] of [["question", asQuestion], ["history", asHistory]] as const) {
          const started = performance.now();
          const verdict = await run(text);
          const ms = performance.now() - started;
          expect(["allow", "refuse", "rewrite"], `${rail.name} on ${name}`).toContain(verdict.kind);
          const growth = await superLinear(run, text, ms);
          if (growth) slow.push(`${rail.name} on ${name} (${how}): ${growth}`);
        }
      }
    }
    expect(slow).toEqual([]);
  }, 240_000);

  it("every redaction, hygiene and grounding function returns in linear time", async () => {
    const slow: string[] = [];
    for (const { name, text } of cases) {
      for (const [fname, fn] of Object.entries(functions)) {
        const growth = await superLinear(fn, text, await timed(() => fn(text)));
        if (growth) slow.push(`${fname} on ${name}: ${growth}`);
      }
    }
    expect(slow).toEqual([]);
  }, 240_000);
});

describe("the whole pipeline over 64 KB inputs", () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let coach: Coach;
  beforeAll(async () => {
    ws = tempWorkspace();
    coach = await createCoach(ws.config, silentLogger);
  });
  afterAll(() => ws?.cleanup());

  it("answers every input, as a question and as history, without throwing and in linear time", async () => {
    const slow: string[] = [];
    const user = { id: "fuzz", platform: "web" as const };
    const asQuestion = (t: string) => coach.ask({ text: t, history: [], user, conversationId: "fuzz" });
    const asHistory = (t: string) => coach.ask({ text: "What is predictive maintenance?", history: Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? ("assistant" as const) : ("user" as const), content: t })), user, conversationId: "fuzz" });
    for (const { name, text } of inputs()) {
      for (const [how, run] of [["question", asQuestion], ["history", asHistory]] as const) {
        const started = performance.now();
        const answer = await run(text);
        const ms = performance.now() - started;
        expect(["answered", "no_answer", "refused"], name).toContain(answer.outcome);
        const growth = await superLinear(run, text, ms);
        if (growth) slow.push(`${name} (${how}): ${growth}`);
      }
    }
    expect(slow).toEqual([]);
  }, 240_000);
});
