import type { Chunk, HistoryMessage } from "../types.js";
import type { Glossary } from "../knowledge/glossary.js";
import type { LoadedIndex } from "./index-store.js";
import { QueryAnalyzer, type AnalyzedQuery } from "./analyzer.js";
import { words } from "../text/normalize.js";

export interface RetrievedChunk {
  chunk: Chunk;
  /** Fused score in [0, 1] relative to the best result. */
  score: number;
  /** Cosine similarity from the HNSW index. */
  dense: number;
  /** BM25 score. */
  lexical: number;
}

/** How much the knowledge has to say about a question; the no-answer decision rests on it. */
export interface Evidence {
  /** IDF-weighted share of the question's terms that the knowledge or glossary knows, 0..1. */
  coverage: number;
  /** Best cosine similarity, 0..1. */
  denseTop: number;
  /** Best BM25 score divided by the question's total term IDF, 0..~2. */
  lexicalTop: number;
  /** Number of content terms in the question. */
  termCount: number;
}

export interface Retrieval {
  question: AnalyzedQuery;
  /** Terms from the conversation that resolved a follow-up, empty otherwise. */
  contextTerms: string[];
  results: RetrievedChunk[];
  evidence: Evidence;
}

/** Words that point back at an earlier turn ("which of those…", "what about them"). */
const ANAPHORA = new Set(["those", "these", "they", "them", "their", "it", "its", "that", "this", "one", "ones", "which", "else", "other", "others", "same", "there", "he", "she", "above", "previous", "mentioned"]);

const RRF_K = 8;

/**
 * Hybrid retrieval: dense HNSW search and BM25 over the same chunks, fused by reciprocal rank.
 * Follow-ups borrow the previous question's terms at half weight.
 */
export class HybridRetriever {
  readonly analyzer: QueryAnalyzer;
  private readonly byId: Map<string, Chunk>;

  constructor(
    private readonly index: LoadedIndex,
    glossary: Glossary,
  ) {
    const sourceWords = index.chunks.flatMap((c) => words(`${c.section} ${c.text}`));
    this.analyzer = new QueryAnalyzer(index.lexical.vocabulary, sourceWords, glossary);
    this.byId = new Map(index.chunks.map((c) => [c.id, c]));
  }

  get chunks(): Chunk[] {
    return this.index.chunks;
  }

  chunkById(id: string): Chunk | undefined {
    return this.byId.get(id);
  }

  async retrieve(text: string, history: HistoryMessage[] = [], k = 5): Promise<Retrieval> {
    const question = this.analyzer.analyze(text);
    const contextTerms = this.followUpContext(text, question, history);
    const typed = question.terms;
    const extra = [...question.expansionTerms, ...contextTerms];

    const lexicalScores = this.index.lexical.scoreAll([
      ...typed.map((term) => ({ term, weight: 1 })),
      ...question.expansionTerms.map((term) => ({ term, weight: 0.6 })),
      ...contextTerms.map((term) => ({ term, weight: 0.5 })),
    ]);

    const n = this.index.chunks.length;
    const vector = this.index.embedder.vectorize(text, extra);
    const denseHits = await this.index.vectors.similaritySearchVectorWithScore(vector, Math.min(n, Math.max(k * 4, 20)));
    const dense = new Map<string, number>();
    for (const [doc, distance] of denseHits) dense.set(String(doc.metadata.chunkId), 1 - distance);

    const lexicalRank = rankOf(this.index.chunks.map((c, i) => [c.id, lexicalScores[i]!] as const));
    const denseRank = rankOf([...dense.entries()]);
    const fused = this.index.chunks.map((chunk, i) => {
      const lr = lexicalScores[i]! > 0 ? lexicalRank.get(chunk.id) : undefined;
      const dr = denseRank.get(chunk.id);
      const score = (lr === undefined ? 0 : 1 / (RRF_K + lr)) + (dr === undefined ? 0 : 1 / (RRF_K + dr));
      return { chunk, fused: score, dense: dense.get(chunk.id) ?? 0, lexical: lexicalScores[i]! };
    });
    fused.sort((a, b) => b.fused - a.fused || b.lexical - a.lexical);
    const best = fused[0]?.fused || 1;
    const results = fused.slice(0, k).map((r) => ({ chunk: r.chunk, score: round(r.fused / best), dense: round(r.dense), lexical: round(r.lexical) }));

    return { question, contextTerms, results, evidence: this.evidence(question, fused) };
  }

  private evidence(question: AnalyzedQuery, fused: { dense: number; lexical: number }[]): Evidence {
    const lexical = this.index.lexical;
    const unknown = new Set(question.unknownTerms);
    let known = 0;
    let total = 0;
    for (const term of question.terms) {
      const weight = unknown.has(term) ? lexical.idf("\u0000never-seen") : lexical.idf(term);
      total += weight;
      if (!unknown.has(term)) known += weight;
    }
    const denseTop = Math.max(0, ...fused.map((r) => r.dense));
    const lexicalTop = Math.max(0, ...fused.map((r) => r.lexical));
    return {
      coverage: total > 0 ? round(known / total) : 0,
      denseTop: round(denseTop),
      lexicalTop: round(total > 0 ? lexicalTop / total : 0),
      termCount: question.terms.length,
    };
  }

  /**
   * A question that leans on the conversation ("which of those focuses on rotating equipment?")
   * gets the previous user question's terms; a self-contained one does not.
   */
  private followUpContext(text: string, question: AnalyzedQuery, history: HistoryMessage[]): string[] {
    const previous = [...history].reverse().find((m) => m.role === "user" && m.content.trim());
    if (!previous) return [];
    const leansBack = words(text).some((w) => ANAPHORA.has(w)) || question.terms.length <= 2;
    if (!leansBack) return [];
    return this.analyzer.analyze(previous.content).terms;
  }
}

function rankOf(entries: readonly (readonly [string, number])[]): Map<string, number> {
  const sorted = [...entries].sort((a, b) => b[1] - a[1]);
  return new Map(sorted.map(([id], i) => [id, i + 1]));
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
