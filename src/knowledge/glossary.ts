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
  private readonly matchers: { pattern: RegExp; expansions: string[]; needle: string; caseSensitive: boolean }[];

  constructor(readonly entries: GlossaryEntry[]) {
    this.matchers = entries.map((entry) => ({
      pattern: new RegExp(
        `(?<![\\p{L}\\p{N}])${escapeRegExp(entry.term)}(?:s|es)?(?![\\p{L}\\p{N}])`,
        entry.caseSensitive ? "u" : "iu",
      ),
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
    for (const { pattern, expansions, needle, caseSensitive } of this.matchers) {
      if (!(caseSensitive ? normalized : lower).includes(needle)) continue;
      if (pattern.test(normalized)) found.push(...expansions);
    }
    return found;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/gu, "\\$&");
}
