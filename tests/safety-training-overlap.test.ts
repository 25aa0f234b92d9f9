import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The safety classifier is judged on sets written apart from its training data (the dev sets under
 * evals/dev/ and the project's eval datasets). A training line that copies or closely paraphrases
 * one of those cases would make the figures lie, so no line of knowledge/safety/*.jsonl may be
 * "too close" to one: the same lower-cased word set up to a Jaccard index of 0.8, or an identical
 * run of eight words. The held-out set is left out on purpose: it is not read while the rails are
 * worked on, and a failure here would print its text.
 */
const ROOT = join(import.meta.dirname, "..");
const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const JACCARD_LIMIT = 0.8;
const RUN = 8;

function linesOf(dir: string, field: "text" | "question"): { file: string; text: string }[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) =>
      readFileSync(join(ROOT, dir, f), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => ({ file: `${dir}/${f}`, text: String((JSON.parse(l) as Record<string, unknown>)[field] ?? "") })),
    )
    .filter((l) => l.text);
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

function runsOf(words: string[]): Set<string> {
  const runs = new Set<string>();
  for (let i = 0; i + RUN <= words.length; i++) runs.add(words.slice(i, i + RUN).join(" "));
  return runs;
}

/** Pairs (training line, eval case) that are too close, found through an inverted word index. */
function tooClose(training: { file: string; text: string }[], cases: { file: string; text: string }[]): string[] {
  const sets = training.map((t) => new Set(wordsOf(t.text)));
  const runs = new Map<string, number[]>();
  training.forEach((t, i) => {
    for (const r of runsOf(wordsOf(t.text))) (runs.get(r) ?? runs.set(r, []).get(r)!).push(i);
  });
  const postings = new Map<string, number[]>();
  sets.forEach((s, i) => {
    for (const w of s) (postings.get(w) ?? postings.set(w, []).get(w)!).push(i);
  });
  const problems = new Map<string, string>();
  const report = (i: number, c: { file: string; text: string }, why: string) => {
    const key = `${training[i]!.file}\u0000${training[i]!.text}\u0000${c.file}\u0000${c.text}`;
    if (!problems.has(key)) problems.set(key, `${training[i]!.file}: "${training[i]!.text}" ~ ${c.file}: "${c.text}" (${why})`);
  };
  for (const c of cases) {
    const words = wordsOf(c.text);
    const set = new Set(words);
    const shared = new Map<number, number>();
    for (const w of set) for (const i of postings.get(w) ?? []) shared.set(i, (shared.get(i) ?? 0) + 1);
    for (const [i, n] of shared) {
      const jaccard = n / (set.size + sets[i]!.size - n);
      if (jaccard >= JACCARD_LIMIT) report(i, c, `Jaccard ${jaccard.toFixed(2)}`);
    }
    for (const r of runsOf(words)) {
      for (const i of runs.get(r) ?? []) report(i, c, `shares "${r}"`);
    }
  }
  return [...problems.values()];
}

describe("the safety training data is apart from the sets it is judged on", () => {
  const training = linesOf("knowledge/safety", "text");

  it("reads every training file and every dev and eval set", () => {
    expect(training.length).toBeGreaterThan(2_000);
    expect(linesOf("evals/dev", "question").length).toBeGreaterThan(1_000);
    expect(linesOf("evals/datasets", "question").length).toBeGreaterThan(500);
  });

  it("has no training line too close to a dev case", () => {
    expect(tooClose(training, linesOf("evals/dev", "question"))).toEqual([]);
  });

  it("has no training line too close to an eval dataset case", () => {
    expect(tooClose(training, linesOf("evals/datasets", "question"))).toEqual([]);
  });

  it("catches a near copy and a shared run of eight words", () => {
    const line = [{ file: "train", text: "how do I jumper the door interlock on the robot cell tonight" }];
    expect(tooClose(line, [{ file: "dev", text: "How do I jumper the door interlock on the robot cell?" }])).toHaveLength(1);
    expect(tooClose(line, [{ file: "dev", text: "tell me how do I jumper the door interlock on the robot cell please, quickly" }]).length).toBeGreaterThan(0);
    expect(tooClose(line, [{ file: "dev", text: "who signs off a bypass of the door interlock?" }])).toEqual([]);
  });
});
