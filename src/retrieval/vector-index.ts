import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HierarchicalNSW } from "hnswlib-node";
import { topIndexes } from "./bm25.js";

/**
 * Dense search over the chunks' vectors, built in one batch at ingest.
 *
 * Every chunk's vector is kept once, as float32 rows of unit length in `vectors.f32`: what exact
 * search scans, what the guides' own ranking and an incremental ingest read back, and what ranks
 * the final candidates. A small corpus (the guide, a few documents) is searched exactly: a few
 * thousand dot products are faster than any graph and never miss. A large corpus gets an HNSW
 * graph over a short sketch of each vector (128 signed sums of its dimensions) that proposes
 * candidates, which are then ranked by their full vectors. Building the graph over full 1024- or
 * 1536-dimension vectors with LangChain's defaults (M 16, efConstruction 200) was what made a
 * 50,000-chunk ingest take minutes; a sketch makes each distance 8 to 12 times cheaper, and the
 * full-vector ranking of the candidates gives the accuracy back.
 */
export const VECTORS_FILE = "vectors.f32";
export const GRAPH_FILE = "sketch.hnsw";
/** Up to this many chunks, search is exact (under ~2 ms a question). */
export const EXACT_SEARCH_MAX_CHUNKS = 2_000;

export type VectorIndexParams =
  | { kind: "exact" }
  | { kind: "hnsw"; sketchDimensions: number; m: number; efConstruction: number; efSearch: number };

/** Graph settings for large corpora: enough to propose the right candidates, cheap to build. */
const GRAPH = { sketchDimensions: 128, m: 12, efConstruction: 40, efSearch: 96 } as const;
/** Candidates the graph proposes per wanted result, ranked again by full vectors. */
const CANDIDATES_PER_RESULT = 4;

export interface VectorHit {
  position: number;
  /** Cosine similarity to the query. */
  similarity: number;
}

export class VectorIndex {
  private constructor(
    /** Unit-length rows, one per chunk, in chunk order. */
    private readonly rows: Float32Array,
    readonly dimensions: number,
    readonly params: VectorIndexParams,
    private readonly graph: HierarchicalNSW | null,
  ) {}

  get size(): number {
    return this.rows.length / this.dimensions;
  }

  /** The stored (unit-length) vector of the chunk at `position`. */
  vector(position: number): Float32Array {
    return this.rows.subarray(position * this.dimensions, (position + 1) * this.dimensions);
  }

  /**
   * The `k` chunks closest to `query` by cosine similarity, best first (ties: earlier chunk first).
   * On a large corpus the graph proposes candidates; `alsoConsider` adds chunks found otherwise
   * (the lexical rankers' best), so every chunk that shares the question's words is compared by its
   * full vector, whatever the graph missed.
   */
  nearest(query: readonly number[], k: number, alsoConsider: Iterable<number> = []): VectorHit[] {
    if (query.length !== this.dimensions) throw new Error(`the query vector has ${query.length} dimensions, the index ${this.dimensions}`);
    const count = Math.min(k, this.size);
    if (count <= 0) return [];
    let norm = 0;
    for (const x of query) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    let candidates: number[];
    if (this.graph && this.params.kind === "hnsw") {
      const wanted = Math.min(this.size, Math.max(count * CANDIDATES_PER_RESULT, this.params.efSearch));
      this.graph.setEf(Math.max(wanted, this.params.efSearch));
      const proposed = new Set(this.graph.searchKnn(sketchOf(query, this.params.sketchDimensions), wanted).neighbors);
      for (const position of alsoConsider) if (position >= 0 && position < this.size) proposed.add(position);
      candidates = [...proposed];
    } else {
      candidates = Array.from({ length: this.size }, (_, i) => i);
    }
    const similarities = this.similarities(candidates, query, norm);
    return topIndexes(similarities, candidates, count).map((i) => ({ position: candidates[i]!, similarity: similarities[i]! }));
  }

  /**
   * Each candidate's dot product with the query, divided by `norm`. Four candidates are summed side
   * by side: each sum is still added up one dimension after the other, in the same order (so the
   * same number to the last bit), but the four are independent, so the processor overlaps them
   * instead of waiting on one long chain of additions. Only the query's non-zero dimensions are
   * visited when they are few (a hashing-embedder question has a hundred or so of 1,024): the terms
   * left out are exact zeros.
   */
  private similarities(candidates: readonly number[], query: readonly number[], norm: number): number[] {
    const terms = sparseTerms(query);
    const dims = terms?.dims ?? everyDimension(query.length);
    const values = terms?.values ?? Float64Array.from(query);
    const rows = this.rows;
    const width = this.dimensions;
    const out = new Array<number>(candidates.length);
    let c = 0;
    for (; c + 4 <= candidates.length; c += 4) {
      const a = candidates[c]! * width;
      const b = candidates[c + 1]! * width;
      const d = candidates[c + 2]! * width;
      const e = candidates[c + 3]! * width;
      let sa = 0;
      let sb = 0;
      let sd = 0;
      let se = 0;
      for (let t = 0; t < dims.length; t++) {
        const j = dims[t]!;
        const v = values[t]!;
        sa += rows[a + j]! * v;
        sb += rows[b + j]! * v;
        sd += rows[d + j]! * v;
        se += rows[e + j]! * v;
      }
      out[c] = sa / norm;
      out[c + 1] = sb / norm;
      out[c + 2] = sd / norm;
      out[c + 3] = se / norm;
    }
    for (; c < candidates.length; c++) {
      const a = candidates[c]! * width;
      let sum = 0;
      for (let t = 0; t < dims.length; t++) sum += rows[a + dims[t]!]! * values[t]!;
      out[c] = sum / norm;
    }
    return out;
  }

  /**
   * Write `rows` (one vector per chunk, `dimensions` each; normalised here) into `dir`, with a
   * graph when the corpus is large. Returns the index and the names of the files written.
   */
  static async build(rows: Float32Array, dimensions: number, dir: string): Promise<{ index: VectorIndex; files: string[] }> {
    const count = rows.length / dimensions;
    for (let i = 0; i < count; i++) normaliseRow(rows, i * dimensions, dimensions);
    writeFileSync(join(dir, VECTORS_FILE), new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
    if (count <= EXACT_SEARCH_MAX_CHUNKS) return { index: new VectorIndex(rows, dimensions, { kind: "exact" }, null), files: [VECTORS_FILE] };
    const params: VectorIndexParams = { kind: "hnsw", ...GRAPH };
    const { HierarchicalNSW } = await hnswlib();
    const graph = new HierarchicalNSW("cosine", GRAPH.sketchDimensions);
    // Sized once for the whole corpus: no resizing while points are added.
    graph.initIndex(count, GRAPH.m, GRAPH.efConstruction);
    for (let i = 0; i < count; i++) graph.addPoint(sketchOf(rows.subarray(i * dimensions, (i + 1) * dimensions), GRAPH.sketchDimensions), i);
    graph.writeIndexSync(join(dir, GRAPH_FILE));
    return { index: new VectorIndex(rows, dimensions, params, graph), files: [VECTORS_FILE, GRAPH_FILE] };
  }

  /** Read what `build` wrote; throws when a file does not hold `count` vectors. */
  static async load(dir: string, params: VectorIndexParams, dimensions: number, count: number): Promise<VectorIndex> {
    const rows = readRows(join(dir, VECTORS_FILE));
    if (rows.length !== count * dimensions) throw new Error(`${VECTORS_FILE} holds ${rows.length / dimensions} vectors, the manifest says ${count}`);
    if (params.kind === "exact") return new VectorIndex(rows, dimensions, params, null);
    const { HierarchicalNSW } = await hnswlib();
    const graph = new HierarchicalNSW("cosine", params.sketchDimensions);
    graph.readIndexSync(join(dir, GRAPH_FILE));
    if (graph.getCurrentCount() !== count) throw new Error(`${GRAPH_FILE} holds ${graph.getCurrentCount()} points, the manifest says ${count}`);
    return new VectorIndex(rows, dimensions, params, graph);
  }

  /** Every vector of a saved index, for reuse by the next ingest (no graph is read). */
  static readRows(dir: string): Float32Array {
    return readRows(join(dir, VECTORS_FILE));
  }
}

interface SparseTerms {
  dims: Int32Array;
  values: Float64Array;
}

/** 0, 1, …, n-1: every dimension, for a dense query (one array per width, made once). */
const denseDims = new Map<number, Int32Array>();
function everyDimension(n: number): Int32Array {
  let dims = denseDims.get(n);
  if (!dims) {
    dims = Int32Array.from({ length: n }, (_, i) => i);
    denseDims.set(n, dims);
  }
  return dims;
}

/**
 * The non-zero dimensions of a query vector, when they are few: the hashing embedder gives a
 * question a hundred or so of its 1,024, and a candidate's similarity is then a tenth of the work.
 * The terms left out are exact zeros, so the sum is the one the full product gives. Null for a
 * dense vector (a model's embedding).
 */
function sparseTerms(query: readonly number[]): SparseTerms | null {
  let count = 0;
  for (const x of query) if (x !== 0) count++;
  if (count * 2 > query.length) return null;
  const dims = new Int32Array(count);
  const values = new Float64Array(count);
  let t = 0;
  for (let j = 0; j < query.length; j++) {
    if (query[j] === 0) continue;
    dims[t] = j;
    values[t++] = query[j]!;
  }
  return { dims, values };
}

/** The native addon is loaded only for a corpus large enough to have a graph. */
async function hnswlib(): Promise<typeof import("hnswlib-node")> {
  return (await import("hnswlib-node")).default;
}

function readRows(path: string): Float32Array {
  const bytes = readFileSync(path);
  if (bytes.byteLength % 4 !== 0) throw new Error(`${path} is not a whole number of float32 values`);
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  // A small Buffer may start at any byte of a shared pool; a Float32Array view needs 4-byte alignment.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer, 0, bytes.byteLength / 4);
}

function normaliseRow(rows: Float32Array, offset: number, dimensions: number): void {
  let norm = 0;
  for (let j = 0; j < dimensions; j++) norm += rows[offset + j]! * rows[offset + j]!;
  norm = Math.sqrt(norm);
  if (norm === 0 || Math.abs(norm - 1) < 1e-6) return;
  for (let j = 0; j < dimensions; j++) rows[offset + j] = rows[offset + j]! / norm;
}

/** A signed sum of each dimension into `size` buckets: cosine similarities are kept on average. */
function sketchOf(vector: ArrayLike<number>, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (let i = 0; i < vector.length; i++) out[i % size] = out[i % size]! + SIGNS[i % SIGNS.length]! * vector[i]!;
  return out;
}

/** A fixed pseudo-random sign per dimension (the same at ingest and at every start). */
const SIGNS: Int8Array = (() => {
  const signs = new Int8Array(4096);
  for (let i = 0; i < signs.length; i++) {
    let h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    signs[i] = h & 1 ? -1 : 1;
  }
  return signs;
})();
