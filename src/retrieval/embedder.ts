import { Embeddings } from "@langchain/core/embeddings";
import { contentTerms, words } from "../text/normalize.js";

/** What a built index stores so that the same embedder can be rebuilt at load time. */
export interface HashingEmbedderState {
  dimensions: number;
  idf: Record<string, number>;
  defaultIdf: number;
}

export const HASHING_EMBEDDER_ID = "hashing-ngram-v1";

/**
 * The offline default embedder: feature hashing of word stems, word bigrams and character
 * trigrams, weighted by IDF from the knowledge itself. Deterministic, no model, no network.
 *
 * What it is not: it knows no meaning beyond shared words and spellings, so a paraphrase with no
 * word in common with the guide ("staying employed for a long time" vs "durable wedge") is only
 * found through the glossary or the lexical side. That is why retrieval is hybrid.
 */
export class HashingEmbedder extends Embeddings {
  readonly id = HASHING_EMBEDDER_ID;

  private constructor(private readonly state: HashingEmbedderState) {
    super({});
  }

  get dimensions(): number {
    return this.state.dimensions;
  }

  /** Learn IDF weights from the texts that will be indexed. */
  static fit(texts: string[], dimensions = 1024): HashingEmbedder {
    const df = new Map<string, number>();
    for (const text of texts) {
      for (const term of new Set(contentTerms(text))) df.set(term, (df.get(term) ?? 0) + 1);
    }
    const n = texts.length;
    const idf: Record<string, number> = {};
    for (const [term, count] of [...df.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      idf[term] = round(Math.log(1 + (n - count + 0.5) / (count + 0.5)));
    }
    return new HashingEmbedder({ dimensions, idf, defaultIdf: round(Math.log(1 + (n + 0.5) / 0.5)) });
  }

  static fromState(state: HashingEmbedderState): HashingEmbedder {
    return new HashingEmbedder(state);
  }

  toState(): HashingEmbedderState {
    return this.state;
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((t) => this.vectorize(t)));
  }

  embedQuery(text: string): Promise<number[]> {
    return Promise.resolve(this.vectorize(text));
  }

  /** Synchronous form for the hot path. `extraTerms` carry glossary expansions at lower weight. */
  vectorize(text: string, extraTerms: string[] = [], extraWeight = 0.6): number[] {
    const vector = new Float64Array(this.state.dimensions);
    const terms = contentTerms(text);
    this.addTerms(vector, terms, 1);
    this.addTerms(vector, extraTerms, extraWeight);
    for (let i = 0; i + 1 < terms.length; i++) {
      const weight = 0.5 * Math.min(this.idfOf(terms[i]!), this.idfOf(terms[i + 1]!));
      this.add(vector, `b:${terms[i]}_${terms[i + 1]}`, weight);
    }
    // Character trigrams of each word give typos and inflections most of their features back.
    for (const word of words(text)) {
      if (word.length < 4) continue;
      const padded = `^${word}$`;
      const grams = padded.length - 2;
      const weight = (0.45 * this.idfOf(stemOrWord(word))) / Math.sqrt(grams);
      for (let i = 0; i < grams; i++) this.add(vector, `c:${padded.slice(i, i + 3)}`, weight);
    }
    return normalize(vector);
  }

  private addTerms(vector: Float64Array, terms: string[], scale: number): void {
    for (const term of terms) this.add(vector, `w:${term}`, scale * this.idfOf(term));
  }

  private idfOf(term: string): number {
    return this.state.idf[term] ?? this.state.defaultIdf;
  }

  private add(vector: Float64Array, feature: string, weight: number): void {
    const h = fnv1a(feature);
    const index = h % this.state.dimensions;
    vector[index] = vector[index]! + ((h >>> 31) & 1 ? -weight : weight);
  }
}

/** Each word's stem, remembered: a corpus repeats its words, and stemming each again dominated ingest. */
const stems = new Map<string, string>();

function stemOrWord(word: string): string {
  let stem = stems.get(word);
  if (stem === undefined) {
    stem = contentTerms(word)[0] ?? word;
    // Bounded: a corpus with a huge vocabulary starts over rather than growing without limit.
    if (stems.size >= 100_000) stems.clear();
    stems.set(word, stem);
  }
  return stem;
}

/** FNV-1a: a fast, stable 32-bit hash of a string (also seeds practice rounds). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function normalize(vector: Float64Array): number[] {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return Array.from(vector, (v) => v / norm);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
