import { contentTerms } from "../text/normalize.js";

export interface Bm25State {
  docs: Record<string, number>[];
  lengths: number[];
  df: Record<string, number>;
}

/** Okapi BM25 over the chunk texts; the lexical half of hybrid retrieval. */
export class Bm25Index {
  private readonly avgLength: number;

  private constructor(
    private readonly state: Bm25State,
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    const total = state.lengths.reduce((a, x) => a + x, 0);
    this.avgLength = state.lengths.length ? total / state.lengths.length : 1;
  }

  static build(texts: string[]): Bm25Index {
    const docs: Record<string, number>[] = [];
    const lengths: number[] = [];
    const df: Record<string, number> = {};
    for (const text of texts) {
      const tf: Record<string, number> = {};
      const terms = contentTerms(text);
      for (const term of terms) tf[term] = (tf[term] ?? 0) + 1;
      for (const term of Object.keys(tf)) df[term] = (df[term] ?? 0) + 1;
      docs.push(tf);
      lengths.push(terms.length);
    }
    return new Bm25Index({ docs, lengths, df });
  }

  static fromState(state: Bm25State): Bm25Index {
    return new Bm25Index(state);
  }

  toState(): Bm25State {
    return this.state;
  }

  /** True when some chunk contains the term. */
  has(term: string): boolean {
    return (this.state.df[term] ?? 0) > 0;
  }

  get vocabulary(): Set<string> {
    return new Set(Object.keys(this.state.df));
  }

  idf(term: string): number {
    const n = this.state.docs.length;
    const df = this.state.df[term] ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Scores for every document; `weights` lets expansion terms count for less than typed ones. */
  scoreAll(terms: { term: string; weight: number }[]): number[] {
    const merged = new Map<string, number>();
    for (const { term, weight } of terms) merged.set(term, Math.max(merged.get(term) ?? 0, weight));
    return this.state.docs.map((tf, i) => {
      let score = 0;
      const norm = this.k1 * (1 - this.b + (this.b * this.state.lengths[i]!) / this.avgLength);
      for (const [term, weight] of merged) {
        const f = tf[term];
        if (!f) continue;
        score += weight * this.idf(term) * ((f * (this.k1 + 1)) / (f + norm));
      }
      return score;
    });
  }
}
