import { describe, expect, it } from "vitest";
import { loadKnowledge } from "../src/knowledge/markdown.js";
import { knowledgeWords } from "../src/retrieval/analyzer.js";
import { NearestWords } from "../src/retrieval/spelling.js";
import { editDistance } from "../src/text/normalize.js";
import { generateCorpus } from "../bench/corpus.js";
import { tempWorkspace } from "./helpers.js";

/**
 * What typo correction picked before the sorted search: every known word of a near length (with
 * the same first letter for one edit) compared in turn, the first closest one kept.
 */
function scanEveryWord(order: readonly string[], term: string, max: number, sameFirstLetter: boolean): string | null {
  let best: string | null = null;
  let bestDistance = max + 1;
  for (let len = term.length - max; len <= term.length + max; len++) {
    for (const candidate of order) {
      if (candidate.length !== len || (sameFirstLetter && candidate[0] !== term[0])) continue;
      const d = editDistance(term, candidate, max);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
  }
  return best;
}

/** A deterministic stream of typos of known words: a letter dropped, doubled, swapped or replaced. */
function typosOf(order: readonly string[], count: number): string[] {
  let seed = 7;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let w = order[next(order.length)]!;
    for (let edits = 1 + next(3); edits > 0; edits--) {
      const at = next(w.length);
      const letter = "abcdefghijklmnopqrstuvwxyzé"[next(27)]!;
      const kind = next(4);
      if (kind === 0 && w.length > 4) w = w.slice(0, at) + w.slice(at + 1);
      else if (kind === 1) w = w.slice(0, at) + letter + w.slice(at);
      else if (kind === 2 && at + 1 < w.length) w = w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2);
      else w = w.slice(0, at) + letter + w.slice(at + 1);
    }
    out.push(w);
  }
  return out;
}

describe("typo correction", () => {
  it("corrects to the same word a comparison with every known word picks, ties included", () => {
    const ws = tempWorkspace({ index: false });
    try {
      // The guide's words and a generated organisation's: thousands of words, many close pairs.
      generateCorpus(`${ws.knowledgeDir}/organisation`, 400);
      const order = knowledgeWords(loadKnowledge(ws.knowledgeDir).flatMap((d) => d.chunks));
      expect(order.length).toBeGreaterThan(3_000);
      const nearest = new NearestWords(order);
      const terms = [...typosOf(order, 1_500), "maintenence", "predictve", "manufacturng", "zzzzzzzzzz", "wartungsplanung", "예지보전을", "prédictive", "a".repeat(40)];
      let corrected = 0;
      for (const term of terms) {
        const max = term.length >= 9 ? 2 : 1;
        const expected = scanEveryWord(order, term, max, max === 1);
        expect(nearest.nearest(term, max, max === 1), term).toBe(expected);
        if (expected) corrected++;
      }
      // The comparison is not vacuous: most typos do have a correction.
      expect(corrected).toBeGreaterThan(terms.length / 2);
    } finally {
      ws.cleanup();
    }
  });
});
