import { readFileSync } from "node:fs";
import { KnowledgeInvalidError } from "../errors.js";
import { isStopword, sameWordFamily, stem, words } from "../text/normalize.js";
import type { Chunk } from "../types.js";
import { englishRarity } from "../text/english.js";

/** One sentence of the guide and the ways people ask for it (knowledge/questions.json). */
export interface AnsweredQuestion {
  chunkId: string;
  /** The start of the guide's sentence that answers, as written. */
  answer: string;
  /** Each phrasing's stems. */
  phrasings: Set<string>[];
  /** What kind of number each phrasing asks for ("how long…": a duration), null for none. */
  numberKinds: (string | null)[];
  /** The stems of the section's heading: what the sentence is about, not what it says of it. */
  topic?: Set<string>;
}

export interface QuestionMatch {
  chunkId: string;
  answer: string;
  /** Share of the question's weight that the best phrasing holds, in [0, 1]. */
  score: number;
  /** The sentence answers this person's question by itself (what matters to them), with no steps after it. */
  alone?: boolean;
  /** The person asked for this in so many words (coaching.json plan.asks): it leads, even before their own path. */
  explicit?: boolean;
}

const MAX_ENTRIES = 2_000;
const MAX_PHRASINGS = 20;

/**
 * The questions the guide answers, as content owners wrote them. A person's words are often not
 * the guide's ("salary" for "total comp", "how long does the switch take" for "within 12-18
 * months"): matching the question against these phrasings finds the sentence that answers it.
 * The answer is always the guide's own sentence; a phrasing never becomes answer text.
 */
export class AnsweredQuestions {
  /** How many entries use each term, in any phrasing. */
  private readonly entryCounts = new Map<string, number>();

  constructor(readonly entries: AnsweredQuestion[]) {
    for (const entry of entries) for (const t of new Set(entry.phrasings.flatMap((p) => [...p]))) this.entryCounts.set(t, (this.entryCounts.get(t) ?? 0) + 1);
  }

  static empty(): AnsweredQuestions {
    return new AnsweredQuestions([]);
  }

  /** Reads the file and binds each entry to its section; an entry whose sentence is not in that section is an error. */
  static fromFile(path: string, chunks: readonly Chunk[], numberKindOf: (question: string) => string | null = () => null): AnsweredQuestions {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return AnsweredQuestions.empty();
      throw new KnowledgeInvalidError(`Cannot read ${path}: ${(error as Error).message}`);
    }
    const list = (raw as { entries?: unknown }).entries;
    if (!Array.isArray(list)) throw new KnowledgeInvalidError(`${path}: expected {"entries": [...]}`);
    const entries: AnsweredQuestion[] = [];
    for (const [i, value] of list.slice(0, MAX_ENTRIES).entries()) {
      const e = value as { section?: unknown; answer?: unknown; questions?: unknown };
      if (typeof e.section !== "string" || typeof e.answer !== "string" || !Array.isArray(e.questions) || !e.questions.every((q) => typeof q === "string")) {
        throw new KnowledgeInvalidError(`${path}: entry ${i + 1} needs "section", "answer" (strings) and "questions" (strings)`);
      }
      const section = e.section.toLowerCase();
      const chunk = chunks.find((c) => c.title.toLowerCase() === section && c.text.includes(e.answer as string));
      if (!chunk) throw new KnowledgeInvalidError(`${path}: entry ${i + 1}: no section "${e.section}" contains "${e.answer}"; fix the heading or the sentence's start`);
      const questions = (e.questions as string[]).slice(0, MAX_PHRASINGS);
      entries.push({ chunkId: chunk.id, answer: e.answer, phrasings: questions.map((q) => new Set(termsOf(q))), numberKinds: questions.map(numberKindOf), topic: new Set(termsOf(chunk.title)) });
    }
    return new AnsweredQuestions(entries);
  }

  /**
   * The entries with a phrasing close to the question, best first. Closeness is mostly the share
   * of the question's weight that one phrasing holds (a question word no phrasing has, "MBA",
   * lowers it), a little the share of the phrasing's weight the question holds, and a match needs
   * a telling word or three shared words: one shared everyday word ("take") does not make "how
   * long would that take?" a question about sales cycles. `weight` says how much a term says (rare in the guide or
   * in English: more); a term most entries use ("AI", "PM") says little about which one is meant.
   */
  match(question: string, weight: (term: string, word: string) => number, min = 0.5, numberKind: string | null = null, subject: ReadonlySet<string> = new Set()): QuestionMatch[] {
    const asked = new Map<string, number>();
    for (const word of words(question.slice(0, 2_000))) {
      if (isStopword(word)) continue;
      const term = stem(word);
      if (!asked.has(term)) asked.set(term, weight(term, word) * this.specificity(term));
    }
    const total = [...asked.values()].reduce((a, b) => a + b, 0);
    if (total <= 0) return [];
    const enough = this.minimumWeight(weight);
    const found: QuestionMatch[] = [];
    for (const entry of this.entries) {
      let best = 0;
      for (const [p, phrasing] of entry.phrasings.entries()) {
        let held = 0;
        let shared = 0;
        let phrasingTotal = 0;
        let aspect = false;
        for (const term of phrasing) {
          const w = asked.get(term);
          if (w !== undefined) {
            held += w;
            if (term.length >= 3 && !inFamily(term, entry.topic) && !inFamily(term, subject)) aspect = true;
            // Words most entries use ("manufacturing", "AI", "PM") do not count towards the three.
            if (this.specificity(term) >= 0.5) shared++;
          }
          phrasingTotal += w ?? weight(term, term) * this.specificity(term);
        }
        // One telling word, or three everyday ones: one or two everyday words are how people ask
        // about anything.
        if (held < enough && shared < 3) continue;
        // Sharing only the section's own subject ("pure-play vendors"), or only the words of a
        // heading the question names ("what is predictive maintenance?"), is not asking what the
        // sentence says of it ("the downsides of…", "how much can … save"): another word must match.
        if (!aspect) continue;
        // "How long until I understand PLCs?" is not what "what are PLCs?" asks, though the
        // telling words are the same: a phrasing asking for another kind of number counts less.
        const sameKind = (entry.numberKinds[p] ?? null) === numberKind;
        best = Math.max(best, (held / total) * (0.75 + 0.25 * (held / phrasingTotal)) * (sameKind ? 1 : 0.75));
      }
      if (best >= min) found.push({ chunkId: entry.chunkId, answer: entry.answer, score: Math.round(best * 1000) / 1000 });
    }
    return found.sort((a, b) => b.score - a.score);
  }

  /** 1 for a term one entry uses, falling towards 0.25 for a term every entry uses. */
  private specificity(term: string): number {
    const n = this.entries.length;
    const df = this.entryCounts.get(term) ?? 0;
    if (n < 2 || df <= 1) return 1;
    return 0.25 + 0.75 * (Math.log(n / df) / Math.log(n));
  }

  /** What a single rare word weighs: a match must hold at least about that much. */
  private minimumWeight(weight: (term: string, word: string) => number): number {
    return 0.3 * weight("\u0000never-seen", "\u0000never-seen");
  }
}

/**
 * How much a question word says: its rarity in the guide (a word the guide never uses, "salary",
 * counts as much as the rarest), times its rarity in English: "take" or "already" say little
 * about what is asked even where the guide uses them.
 */
export function termWeightIn(lexical: { has(term: string): boolean; idf(term: string): number }): (term: string, word: string) => number {
  const neverSeen = lexical.idf("\u0000never-seen");
  return (term, word) => (lexical.has(term) ? lexical.idf(term) : neverSeen) * Math.max(0.1, Math.min(englishRarity(word), englishRarity(term)));
}

/** Whether a set holds the term or one of its word family ("employ" and "employer"). */
function inFamily(term: string, set: ReadonlySet<string> | undefined): boolean {
  if (!set || set.size === 0) return false;
  if (set.has(term)) return true;
  for (const other of set) if (sameWordFamily(term, other)) return true;
  return false;
}

function termsOf(text: string): string[] {
  return words(text).filter((w) => !isStopword(w)).map(stem);
}
