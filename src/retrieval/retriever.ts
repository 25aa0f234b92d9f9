import type { Chunk, HistoryMessage } from "../types.js";
import type { Glossary } from "../knowledge/glossary.js";
import type { LoadedIndex } from "./index-store.js";
import { QueryAnalyzer, type AnalyzedQuery } from "./analyzer.js";
import { contentTerms, isStopword, stem, stripMarkup, words } from "../text/normalize.js";
import { englishRarity } from "../text/english.js";
import { indexTextOf } from "./index-store.js";
import type { Evidence } from "./answerability.js";
import { Bm25Index } from "./bm25.js";
import { extractFacts, namesIn, type KnowledgeFacts } from "../knowledge/facts.js";

export interface RetrievedChunk {
  chunk: Chunk;
  /** Fused score in [0, 1] relative to the best result. */
  score: number;
  /** Cosine similarity from the HNSW index. */
  dense: number;
  /** BM25 score. */
  lexical: number;
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

/** Fusion weights: body text and meaning carry most; a heading match is a tie-breaker. */
const W_LEXICAL = 0.45;
const W_DENSE = 0.4;
const W_HEADING = 0.15;
/** How many of each lexical ranker's best chunks enter fusion. */
const FUSION_CANDIDATES = 200;

interface FusedChunk {
  chunk: Chunk;
  position: number;
  fused: number;
  dense: number;
  lexical: number;
}

/** The knowledge's words as written, chunk by chunk, without one array of every word at once. */
function* sourceWordsOf(chunks: readonly Chunk[]): Generator<string> {
  for (const c of chunks) yield* words(`${c.section} ${c.text}`);
}

/**
 * Hybrid retrieval: dense HNSW search and BM25 over the same chunks, fused by reciprocal rank.
 * Follow-ups borrow the previous question's terms at half weight.
 */
export class HybridRetriever {
  readonly analyzer: QueryAnalyzer;
  private readonly byId: Map<string, Chunk>;
  /** Where each chunk is in `index.chunks` (the rankers' document numbers). */
  private readonly positionOf: Map<string, number>;
  /** Headings alone: a question that names a section's topic should find that section first. */
  private readonly headings: Bm25Index;
  /** The guide's names, statuses, lists and world, read from the chunks. */
  readonly facts: KnowledgeFacts;

  /** Told when dense search fails (a model embedder that is unreachable). */
  onDenseFailure?: (error: Error) => void;

  constructor(
    private readonly index: LoadedIndex,
    glossary: Glossary,
  ) {
    this.analyzer = new QueryAnalyzer(index.lexical.vocabulary, sourceWordsOf(index.chunks), glossary);
    this.byId = new Map(index.chunks.map((c) => [c.id, c]));
    this.positionOf = new Map(index.chunks.map((c, i) => [c.id, i]));
    this.headings = Bm25Index.build(index.chunks.map((c) => c.title));
    this.facts = extractFacts(index.chunks, glossary.entries.map((e) => e.term).filter((t) => /\p{Lu}/u.test(t)));
  }

  get chunks(): Chunk[] {
    return this.index.chunks;
  }

  chunkById(id: string): Chunk | undefined {
    return this.byId.get(id);
  }

  async retrieve(rawText: string, history: HistoryMessage[] = [], k = 5): Promise<Retrieval> {
    const text = stripMarkup(rawText);
    const question = this.analyzer.analyze(text);
    const contextTerms = this.followUpContext(text, question, history);
    const typed = question.terms;
    const extra = [...question.expansionTerms, ...contextTerms];

    const weighted = [
      ...typed.map((term) => ({ term, weight: 1 })),
      ...question.expansionTerms.map((term) => ({ term, weight: 0.6 })),
      ...contextTerms.map((term) => ({ term, weight: 0.5 })),
    ];
    // Each ranker contributes its best candidates only: the fusion below touches a few hundred
    // chunks whatever the size of the corpus (on a corpus smaller than that, every chunk).
    const lexicalTop = this.index.lexical.scoreTop(weighted, FUSION_CANDIDATES);
    const headingTop = this.headings.scoreTop(weighted, FUSION_CANDIDATES);

    const n = this.index.chunks.length;
    let denseHits: Awaited<ReturnType<LoadedIndex["vectors"]["similaritySearchVectorWithScore"]>> = [];
    try {
      const vector = await this.index.embedQuery(text, extra);
      denseHits = await this.index.vectors.similaritySearchVectorWithScore(vector, Math.min(n, Math.max(k * 4, 20)));
    } catch (error) {
      // A model embedder that is down leaves the lexical rankers: worse recall, still an answer.
      this.onDenseFailure?.(error as Error);
    }
    const dense = new Map<number, number>();
    for (const [doc, distance] of denseHits) {
      const at = this.positionOf.get(String(doc.metadata.chunkId));
      if (at !== undefined) dense.set(at, 1 - distance);
    }

    // Relative score fusion: each ranker's scores scaled by its best, then weighted. Unlike
    // reciprocal rank fusion it keeps margins, so a chunk that is the only one containing a rare
    // word of the question ("hallucination") is not outvoted by headings that share a common one.
    const lexicalOf = new Map<number, number>();
    lexicalTop.docs.forEach((doc, i) => lexicalOf.set(doc, lexicalTop.scores[i]!));
    const headingOf = new Map<number, number>();
    headingTop.docs.forEach((doc, i) => headingOf.set(doc, headingTop.scores[i]!));
    const maxLexical = Math.max(lexicalTop.max, 1e-9);
    const maxHeading = Math.max(headingTop.max, 1e-9);
    let maxDense = 1e-9;
    let denseTop = 0;
    for (const d of dense.values()) {
      if (d > maxDense) maxDense = d;
      if (d > denseTop) denseTop = d;
    }
    const candidates = new Set<number>([...lexicalOf.keys(), ...headingOf.keys(), ...dense.keys()]);
    const entry = (i: number): FusedChunk => {
      const d = dense.get(i) ?? 0;
      const lexical = lexicalOf.get(i) ?? 0;
      const score = W_LEXICAL * (lexical / maxLexical) + W_DENSE * (Math.max(0, d) / maxDense) + W_HEADING * ((headingOf.get(i) ?? 0) / maxHeading);
      return { chunk: this.index.chunks[i]!, position: i, fused: score, dense: d, lexical };
    };
    const scored = [...candidates].map(entry).filter((r) => r.fused > 0);
    scored.sort((a, b) => b.fused - a.fused || b.lexical - a.lexical || a.position - b.position);
    const ranked = scored.slice(0, k);
    // Fewer than k chunks scored: the rest follow in the knowledge's order, as the full sort gave them.
    if (ranked.length < k) {
      const taken = new Set(ranked.map((r) => r.position));
      for (let i = 0; i < n && ranked.length < k; i++) if (!taken.has(i)) ranked.push(entry(i));
    }
    const best = ranked[0]?.fused || 1;
    const results = ranked.map((r) => ({ chunk: r.chunk, score: round(r.fused / best), dense: round(r.dense), lexical: round(r.lexical) }));
    const top = ranked[0]?.chunk;

    return { question, contextTerms, results, evidence: this.evidence(text, question, contextTerms, top, lexicalTop.max, denseTop) };
  }

  private evidence(text: string, question: AnalyzedQuery, contextTerms: string[], topChunk: Chunk | undefined, lexicalTop: number, denseTop: number): Evidence {
    const lexical = this.index.lexical;
    const unknown = new Set(question.unknownTerms);
    const maxIdf = lexical.idf("\u0000never-seen");
    // A follow-up is judged together with the question it follows.
    // Acronyms the glossary explains ("QC", "CV") count through their expansions, which are the
    // words the guide actually uses.
    const knownTerms = [...new Set([...question.terms.filter((t) => !unknown.has(t)), ...question.expansionTerms, ...contextTerms])].filter((t) => lexical.has(t));
    const knownMass = knownTerms.reduce((sum, t) => sum + lexical.idf(t), 0);
    // "basics" is as everyday as "basic": a word counts as rare only if its stem is rare too.
    const rarities = question.unknownWords.map((w) => Math.min(englishRarity(w), englishRarity(stem(w))));
    const unknownMass = rarities.reduce((sum, r) => sum + maxIdf * r, 0);
    const topTerms = new Set(topChunk ? contentTerms(indexTextOf(topChunk)) : []);
    const topMass = knownTerms.filter((t) => topTerms.has(t)).reduce((sum, t) => sum + lexical.idf(t), 0);
    return {
      coverage: knownMass + unknownMass > 0 ? round(knownMass / (knownMass + unknownMass)) : 0,
      topShare: knownMass > 0 ? round(topMass / knownMass) : 0,
      lexicalTop: knownMass + unknownMass > 0 ? round(lexicalTop / (knownMass + unknownMass)) : 0,
      denseTop: round(denseTop),
      maxUnknownRarity: round(Math.max(0, ...rarities)),
      knownWordShare: question.terms.length + contextTerms.length > 0 ? round(1 - question.unknownTerms.length / (question.terms.length + contextTerms.length)) : 0,
      lexicalKnown: knownMass > 0 ? round(Math.min(2, lexicalTop / knownMass)) : 0,
      termCount: question.terms.length + contextTerms.length,
      named: namesIn(text, this.facts).some((n) => !n.thing.generic) ? 1 : 0,
      worldShare: round(worldShareOf(text, this.facts)),
    };
  }

  /**
   * A question that leans on the conversation ("and which of them is cheaper?")
   * gets the previous user question's terms; a self-contained one does not.
   */
  private followUpContext(text: string, question: AnalyzedQuery, history: HistoryMessage[]): string[] {
    const previous = [...history].reverse().find((m) => m.role === "user" && m.content.trim());
    if (!previous) return [];
    const leansBack = words(text).some((w) => ANAPHORA.has(w)) || question.terms.length <= 2;
    if (!leansBack) return [];
    // The answer that followed names what "those" refers to; its first lines carry the topic.
    const after = history[history.lastIndexOf(previous) + 1];
    const reply = after?.role === "assistant" ? after.content.slice(0, 300) : "";
    return [...new Set([...this.analyzer.analyze(previous.content).terms, ...contentTerms(reply)])];
  }
}


function worldShareOf(text: string, facts: KnowledgeFacts): number {
  const ws = words(text).filter((w) => !isStopword(w));
  if (ws.length === 0) return 0;
  return ws.filter((w) => facts.worldWords.has(w) || facts.worldWords.has(stem(w))).length / ws.length;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
