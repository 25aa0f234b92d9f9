import { readFileSync } from "node:fs";
import { KnowledgeInvalidError } from "../errors.js";
import { normalizeText } from "../text/normalize.js";

export interface GlossaryEntry {
  term: string;
  expansions: string[];
  caseSensitive?: boolean;
}

/**
 * Acronyms and synonyms from knowledge/glossary.json. Expansion appends the guide's own words for
 * a term to a question, so "PdM vendors" also searches for "predictive maintenance".
 */
export class Glossary {
  /** Each term's word-boundary pattern is made the first time a text contains the term (made for all ~160 at start, they were ~45 ms of it). */
  private readonly matchers: { entry: GlossaryEntry; pattern: RegExp | null; expansions: string[]; needle: string; caseSensitive: boolean }[];

  constructor(readonly entries: GlossaryEntry[]) {
    this.matchers = entries.map((entry) => ({
      entry,
      pattern: null,
      expansions: entry.expansions,
      needle: entry.caseSensitive ? entry.term : entry.term.toLowerCase(),
      caseSensitive: entry.caseSensitive === true,
    }));
  }

  static fromFile(path: string): Glossary {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new KnowledgeInvalidError(`Cannot read the glossary ${path}: ${(error as Error).message}`);
    }
    const terms = (raw as { terms?: unknown }).terms;
    if (!Array.isArray(terms)) throw new KnowledgeInvalidError(`${path}: expected {"terms": [...]}`);
    const entries = terms.map((t, i) => {
      const e = t as Partial<GlossaryEntry>;
      if (typeof e.term !== "string" || !Array.isArray(e.expansions) || !e.expansions.every((x) => typeof x === "string")) {
        throw new KnowledgeInvalidError(`${path}: entry ${i + 1} needs "term" (string) and "expansions" (strings)`);
      }
      return { term: e.term, expansions: e.expansions, caseSensitive: e.caseSensitive === true };
    });
    return new Glossary(entries);
  }

  /** The expansions of every glossary term found in `text` (not including the text itself). */
  expansionsFor(text: string): string[] {
    const normalized = normalizeText(text);
    const lower = normalized.toLowerCase();
    const found: string[] = [];
    // A term the text does not contain at all cannot match: a substring test first, so the word
    // boundary patterns run (and are compiled) only for the few terms a question contains.
    for (const matcher of this.matchers) {
      if (!(matcher.caseSensitive ? normalized : lower).includes(matcher.needle)) continue;
      matcher.pattern ??= termPattern(matcher.entry);
      if (matcher.pattern.test(normalized)) found.push(...matcher.expansions);
    }
    return found;
  }
}

function termPattern(entry: GlossaryEntry): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(entry.term)}(?:s|es)?(?![\\p{L}\\p{N}])`, entry.caseSensitive ? "u" : "iu");
}

/** A literal string as a regular-expression source. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/gu, "\\$&");
}
