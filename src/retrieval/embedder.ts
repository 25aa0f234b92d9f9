import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { contentTerms, contentTermsOf, words } from "../text/normalize.js";

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
 *
 * It has LangChain's embeddings interface without extending its base class, whose module and
 * dependencies would be loaded at every start for a retry queue this in-process embedder never uses.
 */
export class HashingEmbedder implements EmbeddingsInterface {
  readonly id = HASHING_EMBEDDER_ID;

  private readonly termFeatures = new Map<string, { word: number; bigramPrefix: number }>();
  private readonly wordTrigrams = new Map<string, Float64Array>();

  private constructor(private readonly state: HashingEmbedderState) {}

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
    const vector = this.accumulate(words(text), extraTerms, extraWeight);
    const norm = normOf(vector);
    return Array.from(vector, (v) => v / norm);
  }

  /**
   * The same vector as `vectorize(text)` from the text's words (`words(text)`) and content terms
   * (`contentTermsOf` of them), written into `out` at `offset`: ingest tokenises each chunk once
   * for every index and stores vectors as float32.
   */
  vectorizeWords(textWords: readonly string[], terms: readonly string[], out: Float32Array, offset: number): void {
    const vector = this.accumulate(textWords, [], 0, terms);
    const norm = normOf(vector);
    for (let i = 0; i < vector.length; i++) out[offset + i] = vector[i]! / norm;
  }

  private accumulate(textWords: readonly string[], extraTerms: readonly string[], extraWeight: number, terms: readonly string[] = contentTermsOf(textWords)): Float64Array {
    const vector = new Float64Array(this.state.dimensions);
    for (const term of terms) this.addHashed(vector, this.featuresOf(term).word, this.idfOf(term));
    for (const term of extraTerms) this.addHashed(vector, this.featuresOf(term).word, extraWeight * this.idfOf(term));
    for (let i = 0; i + 1 < terms.length; i++) {
      const weight = 0.5 * Math.min(this.idfOf(terms[i]!), this.idfOf(terms[i + 1]!));
      // The feature "b:<first>_<second>", hashed on from "b:<first>_" without building the string.
      const second = terms[i + 1]!;
      this.addHashed(vector, fnv1aRange(this.featuresOf(terms[i]!).bigramPrefix, second, 0, second.length), weight);
    }
    // Character trigrams of each word give typos and inflections most of their features back.
    for (const word of textWords) {
      if (word.length < 4) continue;
      const grams = this.trigramsOf(word);
      for (let i = 0; i < grams.length; i += 2) {
        const index = grams[i]!;
        vector[index] = vector[index]! + grams[i + 1]!;
      }
    }
    return vector;
  }

  /** A term's hashed features, remembered: a corpus repeats its words (bounded, starts over when full). */
  private featuresOf(term: string): { word: number; bigramPrefix: number } {
    let features = this.termFeatures.get(term);
    if (!features) {
      features = { word: fnv1aRange(FNV_W, term, 0, term.length), bigramPrefix: fnv1aRange(fnv1aRange(FNV_B, term, 0, term.length), "_", 0, 1) };
      if (this.termFeatures.size >= FEATURE_CACHE_SIZE) this.termFeatures.clear();
      this.termFeatures.set(term, features);
    }
    return features;
  }

  /** A word's trigram features as [bucket, signed weight, …], remembered like `featuresOf`. */
  private trigramsOf(word: string): Float64Array {
    let grams = this.wordTrigrams.get(word);
    if (!grams) {
      const padded = `^${word}$`;
      const count = padded.length - 2;
      const weight = (0.45 * this.idfOf(stemOrWord(word))) / Math.sqrt(count);
      grams = new Float64Array(count * 2);
      for (let i = 0; i < count; i++) {
        const h = fnv1aRange(FNV_C, padded, i, i + 3);
        grams[2 * i] = h % this.state.dimensions;
        grams[2 * i + 1] = (h >>> 31) & 1 ? -weight : weight;
      }
      if (this.wordTrigrams.size >= FEATURE_CACHE_SIZE) this.wordTrigrams.clear();
      this.wordTrigrams.set(word, grams);
    }
    return grams;
  }

  private idfOf(term: string): number {
    return this.state.idf[term] ?? this.state.defaultIdf;
  }

  private addHashed(vector: Float64Array, h: number, weight: number): void {
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
  return fnv1aRange(0x811c9dc5, text, 0, text.length);
}

/** FNV-1a continued from state `h` over `text[start, end)`: `fnv1a(a + b)` is `fnv1aRange(fnv1a-state of a, b, …)`. */
function fnv1aRange(h: number, text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** How many words' features an embedder remembers. */
const FEATURE_CACHE_SIZE = 50_000;

/** FNV-1a states after the feature prefixes "w:", "b:" and "c:". */
const FNV_W = fnv1a("w:");
const FNV_B = fnv1a("b:");
const FNV_C = fnv1a("c:");

function normOf(vector: Float64Array): number {
  let norm = 0;
  for (const v of vector) norm += v * v;
  return Math.sqrt(norm) || 1;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
