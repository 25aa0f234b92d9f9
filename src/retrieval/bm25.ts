import { contentTerms } from "../text/normalize.js";

/**
 * What a built index saves: each chunk's length and each term's postings (the chunks that contain
 * it, ascending, and how often). Saved as postings, so loading creates a few arrays per term, not
 * one object per chunk with a property per word.
 */
export interface Bm25State {
  lengths: number[];
  postings: Record<string, [docs: number[], counts: number[]]>;
}

/** One term's postings: the chunks that contain it (ascending) and how often. */
interface Postings {
  docs: Int32Array;
  tfs: Int32Array;
  idf: number;
}

export interface WeightedTerm {
  term: string;
  weight: number;
}

/** The best-scoring chunks of a query, best first (ties: earlier chunk first), and the best score. */
export interface TopScores {
  docs: number[];
  scores: number[];
  /** The best score over every chunk (0 when nothing matches). */
  max: number;
  /** How many chunks matched at all. */
  matched: number;
}

/**
 * Okapi BM25 over an inverted index: a query touches only the postings of its own terms, so its
 * cost follows how many chunks contain those terms, not how many chunks there are. IDF is computed
 * once per term at load.
 */
export class Bm25Index {
  private readonly avgLength: number;
  private readonly postings = new Map<string, Postings>();
  private readonly lengths: Int32Array;
  /** Length normalisation per chunk, `k1 * (1 - b + b * length / avgLength)`. */
  private readonly norms: Float64Array;
  /** Scratch accumulator reused by every query (scoring is synchronous), cleared through `touched`. */
  private readonly scratch: Float64Array;
  private readonly seen: Uint8Array;
  private vocabularyCache: Set<string> | null = null;

  private constructor(
    state: Bm25State,
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    const n = state.lengths.length;
    this.lengths = Int32Array.from(state.lengths);
    let total = 0;
    for (const x of state.lengths) total += x;
    this.avgLength = n ? total / n : 1;
    this.norms = new Float64Array(n);
    for (let i = 0; i < n; i++) this.norms[i] = this.k1 * (1 - this.b + (this.b * state.lengths[i]!) / this.avgLength);
    this.scratch = new Float64Array(n);
    this.seen = new Uint8Array(n);
    for (const term of Object.keys(state.postings)) {
      const [docs, counts] = state.postings[term]!;
      this.postings.set(term, { docs: Int32Array.from(docs), tfs: Int32Array.from(counts), idf: this.idfFor(docs.length) });
    }
  }

  static build(texts: string[]): Bm25Index {
    return Bm25Index.buildFromTerms(texts.map(contentTerms));
  }

  /** The index of texts given as their content terms (`contentTerms(text)` each). */
  static buildFromTerms(termLists: readonly string[][]): Bm25Index {
    const postings: Record<string, [number[], number[]]> = Object.create(null) as Record<string, [number[], number[]]>;
    const lengths: number[] = [];
    termLists.forEach((terms, doc) => {
      const tf = new Map<string, number>();
      for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
      for (const [term, count] of tf) {
        const p = (postings[term] ??= [[], []]);
        p[0].push(doc);
        p[1].push(count);
      }
      lengths.push(terms.length);
    });
    return new Bm25Index({ lengths, postings });
  }

  static fromState(state: Bm25State): Bm25Index {
    if (!Array.isArray(state?.lengths) || typeof state.postings !== "object" || state.postings === null) throw new Error("the lexical index is not in the expected shape");
    return new Bm25Index(state);
  }

  toState(): Bm25State {
    const postings: Bm25State["postings"] = {};
    for (const [term, p] of this.postings) postings[term] = [Array.from(p.docs), Array.from(p.tfs)];
    return { lengths: Array.from(this.lengths), postings };
  }

  get size(): number {
    return this.norms.length;
  }

  /** True when some chunk contains the term. */
  has(term: string): boolean {
    return this.postings.has(term);
  }

  get vocabulary(): Set<string> {
    this.vocabularyCache ??= new Set(this.postings.keys());
    return this.vocabularyCache;
  }

  idf(term: string): number {
    return this.postings.get(term)?.idf ?? this.idfFor(0);
  }

  private idfFor(df: number): number {
    const n = this.lengths.length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Scores for every document; `weights` lets expansion terms count for less than typed ones. */
  scoreAll(terms: WeightedTerm[]): number[] {
    const out = new Array<number>(this.size).fill(0);
    this.accumulate(terms, (doc, score) => (out[doc] = score));
    return out;
  }

  /**
   * The `limit` best chunks, in the order `scoreAll` followed by a stable sort would give, touching
   * only the chunks that contain a query term.
   */
  scoreTop(terms: WeightedTerm[], limit: number): TopScores {
    const docs: number[] = [];
    const scores: number[] = [];
    let max = 0;
    let matched = 0;
    this.accumulate(terms, (doc, score) => {
      matched++;
      if (score > max) max = score;
      docs.push(doc);
      scores.push(score);
    });
    const order = topIndexes(scores, docs, limit);
    return { docs: order.map((i) => docs[i]!), scores: order.map((i) => scores[i]!), max, matched };
  }

  /**
   * Sum each matching chunk's score term by term, in the query's order (the same additions, in the
   * same order, as scoring one chunk at a time), then report every chunk with a score.
   */
  private accumulate(terms: WeightedTerm[], report: (doc: number, score: number) => void): void {
    const merged = new Map<string, number>();
    for (const { term, weight } of terms) merged.set(term, Math.max(merged.get(term) ?? 0, weight));
    const touched: number[] = [];
    const k1 = this.k1;
    for (const [term, weight] of merged) {
      const p = this.postings.get(term);
      if (!p) continue;
      for (let j = 0; j < p.docs.length; j++) {
        const doc = p.docs[j]!;
        const f = p.tfs[j]!;
        if (!this.seen[doc]) {
          this.seen[doc] = 1;
          touched.push(doc);
        }
        this.scratch[doc] = this.scratch[doc]! + weight * p.idf * ((f * (k1 + 1)) / (f + this.norms[doc]!));
      }
    }
    // Ascending chunk order, so that ties keep the chunks' own order.
    touched.sort((a, b) => a - b);
    for (const doc of touched) {
      report(doc, this.scratch[doc]!);
      this.scratch[doc] = 0;
      this.seen[doc] = 0;
    }
  }
}

/**
 * Indexes of the `limit` largest scores, largest first, ties by smaller doc. A bounded selection:
 * sorting every match would cost n log n on a common word in a large corpus.
 */
export function topIndexes(scores: readonly number[], docs: readonly number[], limit: number): number[] {
  const better = (i: number, j: number) => scores[i]! > scores[j]! || (scores[i] === scores[j] && docs[i]! < docs[j]!);
  if (scores.length <= limit) return scores.map((_, i) => i).sort((i, j) => (better(i, j) ? -1 : better(j, i) ? 1 : 0));
  // A min-heap of the best `limit` seen so far: its root is the worst of them.
  const heap: number[] = [];
  const siftUp = (at: number) => {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!better(heap[parent]!, heap[at]!)) break;
      [heap[parent], heap[at]] = [heap[at]!, heap[parent]!];
      at = parent;
    }
  };
  const siftDown = (at: number) => {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let worst = at;
      if (l < heap.length && better(heap[worst]!, heap[l]!)) worst = l;
      if (r < heap.length && better(heap[worst]!, heap[r]!)) worst = r;
      if (worst === at) return;
      [heap[worst], heap[at]] = [heap[at]!, heap[worst]!];
      at = worst;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    if (heap.length < limit) {
      heap.push(i);
      siftUp(heap.length - 1);
    } else if (limit > 0 && better(i, heap[0]!)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((i, j) => (better(i, j) ? -1 : better(j, i) ? 1 : 0));
}
