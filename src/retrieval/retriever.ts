import type { Chunk, HistoryMessage } from "../types.js";
import type { Glossary } from "../knowledge/glossary.js";
import type { LoadedIndex } from "./index-store.js";
import { knowledgeWords, QueryAnalyzer, type AnalyzedQuery } from "./analyzer.js";
import { contentTerms, isStopword, stem, stripMarkup, words } from "../text/normalize.js";
import { englishRarity } from "../text/english.js";
import { indexTextOf } from "./index-store.js";
import type { Evidence } from "./answerability.js";
import { Bm25Index, topIndexes, type TopScores } from "./bm25.js";
import { extractFacts, inGuideWorld, namesIn, type KnowledgeFacts } from "../knowledge/facts.js";

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


/**
 * The guide documents' own view of a question, when other documents sit next to them: their
 * vocabulary, their BM25 statistics and their vectors. The answer/no-answer evidence is read from
 * this, so a corpus of unrelated documents, which knows nearly every word, cannot make a question
 * the guide does not cover look covered.
 */
interface GuideScope {
  analyzer: QueryAnalyzer;
  lexical: Bm25Index;
  headings: Bm25Index;
  chunks: Chunk[];
  /** Cosine similarity of the query to the guides' closest chunks (exact: the guides are small), by position in `chunks`. */
  nearest(vector: number[], count: number): Map<number, number>;
}

/**
 * Hybrid retrieval: dense HNSW search and BM25 over the same chunks, fused by relative score.
 * Follow-ups borrow the previous question's terms at half weight.
 */
export class HybridRetriever {
  readonly analyzer: QueryAnalyzer;
  private readonly byId: Map<string, Chunk>;
  /** Where each chunk is in `index.chunks` (the rankers' document numbers). */
  private readonly positionOf: Map<string, number>;
  /** Each document's chunks in order, and each section's subsections: precomputed at load. */
  private readonly byDocument = new Map<string, Chunk[]>();
  private readonly byParent = new Map<string, Chunk[]>();
  /** Headings alone: a question that names a section's topic should find that section first. */
  private readonly headings: Bm25Index;
  /** The guide's names, statuses, lists and world, read from the guide documents' chunks. */
  readonly facts: KnowledgeFacts;
  /** Set when documents other than the guides are indexed (see GuideScope). */
  private readonly guideScope: GuideScope | null;

  /** Told when dense search fails (a model embedder that is unreachable). */
  onDenseFailure?: (error: Error) => void;

  constructor(
    private readonly index: LoadedIndex,
    glossary: Glossary,
  ) {
    this.analyzer = new QueryAnalyzer(index.lexical.vocabulary, index.words ?? knowledgeWords(index.chunks), glossary);
    this.byId = new Map(index.chunks.map((c) => [c.id, c]));
    this.positionOf = new Map(index.chunks.map((c, i) => [c.id, i]));
    for (const c of index.chunks) {
      const inDocument = this.byDocument.get(c.source) ?? [];
      inDocument.push(c);
      this.byDocument.set(c.source, inDocument);
      if (!c.parentSection) continue;
      const siblings = this.byParent.get(c.parentSection) ?? [];
      siblings.push(c);
      this.byParent.set(c.parentSection, siblings);
    }
    this.headings = index.headings;
    const guideChunks = index.chunks.filter((c) => index.guides.has(c.source));
    // The guide's world (names, headings, rare terms) is the guide's, not every document's: it
    // decides what is off topic.
    this.facts = extractFacts(guideChunks, glossary.entries.map((e) => e.term).filter((t) => /\p{Lu}/u.test(t)));
    this.guideScope = guideChunks.length === index.chunks.length ? null : scopeOf(index, guideChunks, glossary);
  }

  /** Every indexed chunk, the guides' and other documents'. */
  get chunks(): Chunk[] {
    return this.index.chunks;
  }

  /**
   * The guides' chunks: what coaching content, a conversation's references ("the second one") and
   * section names are resolved against (the same array as `chunks` when the guides are all there is).
   */
  get guideChunks(): Chunk[] {
    return this.guideScope?.chunks ?? this.index.chunks;
  }

  chunkById(id: string): Chunk | undefined {
    return this.byId.get(id);
  }

  /** One document's chunks in its order (neighbours and follow-ups without scanning every chunk). */
  documentChunks(source: string): readonly Chunk[] {
    return this.byDocument.get(source) ?? [];
  }

  /** A section's subsections in document order. */
  childrenOf(id: string): readonly Chunk[] {
    return this.byParent.get(id) ?? [];
  }

  /**
   * A term's IDF in the guides (in every document when the guides are all there is): what answers
   * weigh a question's words by. Unrelated documents would make every guide word look rare.
   */
  idf(term: string): number {
    return (this.guideScope?.lexical ?? this.index.lexical).idf(term);
  }

  /** True when the guides use the term. */
  knows(term: string): boolean {
    return (this.guideScope?.lexical ?? this.index.lexical).has(term);
  }

  async retrieve(rawText: string, history: HistoryMessage[] = [], k = 5): Promise<Retrieval> {
    const text = stripMarkup(rawText);
    const question = this.analyzer.analyze(text);
    const contextTerms = this.followUpContext(text, question, history);
    const extra = [...question.expansionTerms, ...contextTerms];
    const weighted = weightedTerms(question, contextTerms);
    const chunks = this.index.chunks;
    const denseCount = Math.max(k * 4, 20);

    const lexicalTop = this.index.lexical.scoreTop(weighted, FUSION_CANDIDATES);
    const headingTop = this.headings.scoreTop(weighted, FUSION_CANDIDATES);
    let vector: number[] | null = null;
    const dense = new Map<number, number>();
    try {
      vector = await this.index.embedQuery(text, extra);
      // Positions in the vector index are positions in `chunks`. On a large corpus the lexical
      // rankers' candidates are compared by their full vectors too, whatever the graph proposes.
      for (const hit of this.index.vectors.nearest(vector, denseCount, [...lexicalTop.docs, ...headingTop.docs])) dense.set(hit.position, hit.similarity);
    } catch (error) {
      // A model embedder that is down leaves the lexical rankers: worse recall, still an answer.
      this.onDenseFailure?.(error as Error);
    }
    // Each ranker contributes its best candidates only: fusion touches a few hundred chunks
    // whatever the size of the corpus (on a corpus smaller than that, every chunk).
    const all = fuse(chunks, lexicalTop, headingTop, dense, k);
    const scope = this.guideScope;
    if (!scope) {
      return { question, contextTerms, results: resultsOf(all.ranked), evidence: this.evidence(this.index.lexical, text, question, contextTerms, all.ranked[0]?.chunk, all.lexicalMax, all.denseTop) };
    }

    // Other documents next to the guides: the guides' chunks are ranked among themselves as the
    // guides alone would rank them (their own statistics and vectors, scores relative to their
    // best), so adding documents never reorders the guide. Another document's chunk comes first
    // only where it matches the question's words better than every guide section found, by BM25
    // over the whole corpus, the one score that means the same in every document (headings and
    // vectors are not compared across documents: a hashing embedder matches spellings).
    const guideQuestion = scope.analyzer.analyze(text);
    const guideWeighted = weightedTerms(guideQuestion, contextTerms);
    const guide = fuse(scope.chunks, scope.lexical.scoreTop(guideWeighted, FUSION_CANDIDATES), scope.headings.scoreTop(guideWeighted, FUSION_CANDIDATES), vector ? scope.nearest(vector, Math.min(scope.chunks.length, denseCount)) : new Map(), k);
    const guideBest = guide.ranked[0]?.fused || 1;
    const guideRanked = guide.ranked.map((r) => ({ chunk: r.chunk, score: round(r.fused / guideBest), dense: round(r.dense), lexical: round(r.lexical), strength: all.lexicalOf.get(this.positionOf.get(r.chunk.id)!) ?? 0 }));
    const guideStrength = Math.max(0, ...guideRanked.map((r) => r.strength));
    const allBest = all.ranked[0]?.fused || 1;
    const others = all.ranked
      .filter((r) => !this.index.guides.has(r.chunk.source) && r.lexical > guideStrength)
      .sort((a, b) => b.lexical - a.lexical || a.position - b.position)
      .map((r) => ({ chunk: r.chunk, score: round(r.fused / allBest), dense: round(r.dense), lexical: round(r.lexical) }));
    const results: RetrievedChunk[] = [...others, ...guideRanked.map(({ strength: _strength, ...r }) => r)].slice(0, k);
    // Another document leads on a question of the guides' world ("our plant's predictive
    // maintenance pilot"): the evidence is the whole corpus's, with that chunk on top, and the
    // question is read with every document's words. Otherwise the evidence and the question are
    // the guides' own (their typo corrections, their unknown words), so a corpus that knows nearly
    // every word cannot make an out-of-scope or uncovered question look covered.
    if (others[0] && inGuideWorld(text, this.facts)) {
      return { question, contextTerms, results, evidence: this.evidence(this.index.lexical, text, question, contextTerms, others[0].chunk, all.lexicalMax, all.denseTop) };
    }
    const evidence = this.evidence(scope.lexical, text, guideQuestion, contextTerms, guide.ranked[0]?.chunk, guide.lexicalMax, guide.denseTop);
    return { question: guideQuestion, contextTerms, results, evidence };
  }

  private evidence(lexical: Bm25Index, text: string, question: AnalyzedQuery, contextTerms: string[], topChunk: Chunk | undefined, lexicalTop: number, denseTop: number): Evidence {
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
    // The earlier question as the guides read it: a follow-up continues the guide's topic.
    const analyzer = this.guideScope?.analyzer ?? this.analyzer;
    return [...new Set([...analyzer.analyze(previous.content).terms, ...contentTerms(reply)])];
  }
}


/**
 * Relative score fusion: each ranker's scores scaled by its best, then weighted. Unlike reciprocal
 * rank fusion it keeps margins, so a chunk that is the only one containing a rare word of the
 * question ("hallucination") is not outvoted by headings that share a common one. Only the rankers'
 * candidates are scored; fewer than k scoring chunks are followed by the rest in knowledge order.
 */
function fuse(chunks: readonly Chunk[], lexicalTop: TopScores, headingTop: TopScores, dense: Map<number, number>, k: number): { ranked: FusedChunk[]; lexicalMax: number; denseTop: number; lexicalOf: Map<number, number> } {
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
  const entry = (i: number): FusedChunk => {
    const d = dense.get(i) ?? 0;
    const lexical = lexicalOf.get(i) ?? 0;
    const score = W_LEXICAL * (lexical / maxLexical) + W_DENSE * (Math.max(0, d) / maxDense) + W_HEADING * ((headingOf.get(i) ?? 0) / maxHeading);
    return { chunk: chunks[i]!, position: i, fused: score, dense: d, lexical };
  };
  const candidates = new Set<number>([...lexicalOf.keys(), ...headingOf.keys(), ...dense.keys()]);
  const scored = [...candidates].map(entry).filter((r) => r.fused > 0);
  scored.sort((a, b) => b.fused - a.fused || b.lexical - a.lexical || a.position - b.position);
  const ranked = scored.slice(0, k);
  if (ranked.length < k) {
    const taken = new Set(ranked.map((r) => r.position));
    for (let i = 0; i < chunks.length && ranked.length < k; i++) if (!taken.has(i)) ranked.push(entry(i));
  }
  return { ranked, lexicalMax: lexicalTop.max, denseTop, lexicalOf };
}

function resultsOf(ranked: FusedChunk[]): RetrievedChunk[] {
  const best = ranked[0]?.fused || 1;
  return ranked.map((r) => ({ chunk: r.chunk, score: round(r.fused / best), dense: round(r.dense), lexical: round(r.lexical) }));
}

/** Typed terms count fully, glossary expansions and the conversation's terms for less. */
function weightedTerms(question: AnalyzedQuery, contextTerms: string[]): { term: string; weight: number }[] {
  return [
    ...question.terms.map((term) => ({ term, weight: 1 })),
    ...question.expansionTerms.map((term) => ({ term, weight: 0.6 })),
    ...contextTerms.map((term) => ({ term, weight: 0.5 })),
  ];
}

function scopeOf(index: LoadedIndex, chunks: Chunk[], glossary: Glossary): GuideScope {
  const lexical = Bm25Index.build(chunks.map(indexTextOf));
  const positions = new Map(index.chunks.map((c, i) => [c, i]));
  let vectors: Float32Array[];
  try {
    // Stored unit-length, at the chunk's position.
    vectors = chunks.map((c) => index.vectors.vector(positions.get(c)!));
  } catch {
    // Without the guide's vectors the guide's ranking is lexical only: stricter, never looser.
    vectors = [];
  }
  const nearest = (vector: number[], count: number): Map<number, number> => {
    const out = new Map<number, number>();
    if (vectors.length !== chunks.length) return out;
    let norm = 0;
    for (const x of vector) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    // Only the query's non-zero dimensions, in order: the terms left out are exact zeros.
    const dims: number[] = [];
    for (let j = 0; j < vector.length; j++) if (vector[j] !== 0) dims.push(j);
    const similarities = vectors.map((v) => {
      let dot = 0;
      for (const j of dims) if (j < v.length) dot += v[j]! * vector[j]!;
      return dot / norm;
    });
    for (const i of topIndexes(similarities, similarities.map((_, i) => i), count)) out.set(i, similarities[i]!);
    return out;
  };
  return { analyzer: new QueryAnalyzer(lexical.vocabulary, knowledgeWords(chunks), glossary), lexical, headings: Bm25Index.build(chunks.map((c) => c.title)), chunks, nearest };
}

function worldShareOf(text: string, facts: KnowledgeFacts): number {
  const ws = words(text).filter((w) => !isStopword(w));
  if (ws.length === 0) return 0;
  return ws.filter((w) => facts.worldWords.has(w) || facts.worldWords.has(stem(w))).length / ws.length;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
