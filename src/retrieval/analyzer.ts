import { contentTerms, isMisspeltStopword, isStopword, stem, words } from "../text/normalize.js";
import type { Glossary } from "../knowledge/glossary.js";
import type { Chunk } from "../types.js";
import { NearestWords } from "./spelling.js";

/**
 * The words typos are corrected against, each once, in the order the knowledge first uses them
 * (that order breaks ties between equally close corrections). Saved with the index, so a start
 * does not tokenise every chunk again.
 */
export function knowledgeWords(chunks: readonly Chunk[]): string[] {
  return knowledgeWordsOf(chunks.map((c) => words(`${c.section} ${c.text}`)));
}

/** `knowledgeWords` from each chunk's words of its section and text, already tokenised. */
export function knowledgeWordsOf(chunkWords: Iterable<readonly string[]>): string[] {
  const known = new Set<string>();
  for (const ws of chunkWords) for (const w of ws) if (isCorrectionTarget(w)) known.add(w);
  return [...known];
}

function isCorrectionTarget(word: string): boolean {
  return word.length >= 4 && !/\d/u.test(word) && !isStopword(word);
}

export interface AnalyzedQuery {
  /** Content terms of the question itself, typos corrected against the knowledge vocabulary. */
  terms: string[];
  /** Content terms contributed by glossary expansion (acronyms, synonyms). */
  expansionTerms: string[];
  /** Terms that neither the knowledge nor the glossary knows. */
  unknownTerms: string[];
  /** The same, as the words were typed (for English-frequency weighting). */
  unknownWords: string[];
}

const DERIVATIONAL_SUFFIXES = ["ations", "ation", "ions", "ion", "ives", "ive", "ments", "ment", "ers", "er", "ities", "ity", "ally", "al", "ness", "ors", "or", "iest", "est"];

/**
 * Turns a question into the terms retrieval works with: stems, typo correction against the
 * vocabulary of the knowledge ("maintenence" -> "maintenance"), and glossary expansion.
 */
export class QueryAnalyzer {
  /** Made on the first correction: a question with no unknown word never needs it. */
  private nearestWords: NearestWords | null = null;
  private readonly correctionCache = new Map<string, string | null>();

  private readonly vocabulary: ReadonlySet<string>;
  private readonly knownWords: ReadonlySet<string>;

  /**
   * @param vocabulary stems the index knows
   * @param sourceWords words as written in the knowledge: typos are corrected against these,
   *   since "predictve" is one edit from "predictive" but also one from the stem "predict"
   */
  constructor(
    vocabulary: ReadonlySet<string>,
    sourceWords: Iterable<string>,
    private readonly glossary: Glossary,
  ) {
    this.vocabulary = vocabulary;
    const known = new Set<string>();
    for (const w of sourceWords) if (isCorrectionTarget(w)) known.add(w);
    this.knownWords = known;
  }

  analyze(text: string): AnalyzedQuery {
    const terms: string[] = [];
    const unknownTerms: string[] = [];
    const unknownWords: string[] = [];
    for (const word of words(text)) {
      if (isStopword(word)) continue;
      const term = stem(word);
      if (this.vocabulary.has(term)) {
        terms.push(term);
        continue;
      }
      const related = this.relatedForm(word);
      if (related) {
        terms.push(related);
        continue;
      }
      const corrected = this.knownWords.has(word) ? null : this.correct(word);
      const correctedTerm = corrected ? stem(corrected) : null;
      if (correctedTerm && this.vocabulary.has(correctedTerm)) terms.push(correctedTerm);
      else if (isMisspeltStopword(word)) continue;
      else {
        terms.push(term);
        unknownTerms.push(term);
        unknownWords.push(word);
      }
    }
    const expansionTerms = this.glossary.expansionsFor(text).flatMap((e) => contentTerms(e));
    // A word the glossary explains ("LOTO", "kanban" if a content owner adds it) is not unknown.
    const explained = unknownWords.map((w) => this.glossary.expansionsFor(w).length > 0);
    return {
      terms,
      expansionTerms,
      unknownTerms: unknownTerms.filter((_, i) => !explained[i]),
      unknownWords: unknownWords.filter((_, i) => !explained[i]),
    };
  }

  /** "prediction" -> "predict": a derived form of a word the knowledge uses is that word, not a typo. */
  private relatedForm(word: string): string | null {
    for (const suffix of DERIVATIONAL_SUFFIXES) {
      if (!word.endsWith(suffix) || word.length - suffix.length < 4) continue;
      const base = word.slice(0, -suffix.length);
      for (const candidate of [base, `${base}e`, `${base}y`, `${base}ion`]) {
        const term = stem(candidate);
        if (this.vocabulary.has(term)) return term;
      }
    }
    return null;
  }

  /** Closest knowledge word within a small edit distance, or null. Short words are never corrected. */
  private correct(term: string): string | null {
    if (term.length < 4 || /\d/u.test(term)) return null;
    const cached = this.correctionCache.get(term);
    if (cached !== undefined) return cached;
    const max = term.length >= 9 ? 2 : 1;
    // Ties go to the word the knowledge uses first; a one-edit correction keeps the first letter.
    this.nearestWords ??= new NearestWords([...this.knownWords]);
    const best = this.nearestWords.nearest(term, max, max === 1);
    if (this.correctionCache.size > 10_000) this.correctionCache.clear();
    this.correctionCache.set(term, best);
    return best;
  }
}
