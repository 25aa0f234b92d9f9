import type { Chunk, Citation } from "../types.js";
import type { Retrieval, RetrievedChunk } from "../retrieval/retriever.js";
import { contentTerms, splitSentences } from "../text/normalize.js";

export interface ComposedAnswer {
  text: string;
  citations: Citation[];
  followUps: string[];
}

interface Sentence {
  text: string;
  chunkIndex: number;
  position: number;
  score: number;
  /** A "Key: value" line such as a company tier's list of names: shown whole. */
  isList: boolean;
}

const MAX_CHUNKS = 3;
const MAX_BULLETS = 7;
const MAX_OVERVIEW_CHILDREN = 6;
const SECONDARY_MIN_SCORE = 0.55;

/**
 * The offline answer: a lead sentence and bullets, every one a sentence (or a whole list line)
 * copied from a cited chunk, so the answer can never state what the guide does not say. The best
 * chunk is given in full because guide sections are short and their sentences depend on each
 * other; other relevant chunks contribute their best-matching sentences.
 */
export function composeExtractiveAnswer(retrieval: Retrieval, allChunks: readonly Chunk[]): ComposedAnswer {
  const chosen = chooseChunks(retrieval.results, allChunks);
  const weights = termWeights(retrieval);
  const citations: Citation[] = chosen.map((r) => ({
    id: r.chunk.id,
    title: r.chunk.title,
    section: r.chunk.section,
    score: r.score,
    text: r.chunk.text,
  }));

  const [top, ...others] = chosen.map((r, i) => sentencesOf(r.chunk, i, weights));
  const topSentences = top ?? [];
  const lead = topSentences.filter((s) => !s.isList).reduce<Sentence | undefined>((best, s) => (!best || s.score > best.score ? s : best), undefined) ?? topSentences[0];

  const bullets: Sentence[] = topSentences.filter((s) => s !== lead && !isStatusLine(s.text));
  for (const sentences of others) {
    const candidates = sentences.filter((s) => !isStatusLine(s.text));
    const ranked = candidates.filter((s) => s.score > 0).sort((a, b) => b.score - a.score || a.position - b.position);
    const list = candidates.find((s) => s.isList);
    const best = ranked.filter((s) => !s.isList).slice(0, others.length > 2 ? 1 : 2);
    if (list) bullets.push(list);
    // A list answers "who"; a sentence that matches the question's other words says more.
    if (best.length > 0 && (!list || best[0]!.score > list.score)) bullets.push(...best);
    else if (!list && candidates[0]) bullets.push(candidates[0]);
  }

  const cite = (s: Sentence) => `[${s.chunkIndex + 1}]`;
  const topChunk = chosen[0]!.chunk;
  const status = topChunk.metadata.Status ? ` (status: ${topChunk.metadata.Status})` : "";
  const lines: string[] = [];
  if (lead) lines.push(`**${topChunk.title}**${status}: ${lead.text} ${cite(lead)}`);
  if (bullets.length > 0) lines.push("");
  // Bullets from the main section stand alone; a related section gets one bullet with its title,
  // its list (if any) and its best sentence together.
  const kept = bullets.slice(0, MAX_BULLETS + MAX_OVERVIEW_CHILDREN);
  for (const s of kept.filter((b) => b.chunkIndex === 0)) lines.push(`- ${s.isList ? listText(s.text) : s.text} ${cite(s)}`);
  for (let i = 1; i < chosen.length; i++) {
    const parts = kept.filter((b) => b.chunkIndex === i);
    if (parts.length === 0) continue;
    lines.push(`- **${chosen[i]!.chunk.title}**: ${parts.map((p) => (p.isList ? listText(p.text) : p.text)).join(" — ")} [${i + 1}]`);
  }
  return { text: lines.join("\n"), citations, followUps: followUpsFor(chosen, allChunks) };
}

/** The chunks an answer should draw on: the best match, and its subsections when it is an overview. */
export function chooseChunks(results: RetrievedChunk[], allChunks: readonly Chunk[]): RetrievedChunk[] {
  const usable = results.filter((r) => r.chunk.metadata.Kind !== "promotion");
  const pool = usable.length > 0 ? usable : results;
  const [first, ...rest] = pool;
  if (!first) return [];
  // An overview section ("three tiers", "six use cases") is answered with its subsections, one
  // line each, the way a person would summarise it.
  const children = allChunks.filter((c) => c.parentSection === first.chunk.id && c.metadata.Kind !== "promotion");
  if (children.length > 0) {
    const scoreOf = new Map(results.map((r) => [r.chunk.id, r] as const));
    const ranked = children
      .map((chunk) => scoreOf.get(chunk.id) ?? { chunk, score: 0, dense: 0, lexical: 0 })
      .sort((a, b) => b.score - a.score || a.chunk.order - b.chunk.order);
    return [first, ...ranked.slice(0, MAX_OVERVIEW_CHILDREN)];
  }
  const chosen = [first];
  for (const r of rest) {
    if (chosen.length >= MAX_CHUNKS) break;
    if (r.score >= SECONDARY_MIN_SCORE && r.lexical > 0) chosen.push(r);
  }
  return chosen;
}

function termWeights(retrieval: Retrieval): Map<string, number> {
  const weights = new Map<string, number>();
  const set = (term: string, w: number) => weights.set(term, Math.max(weights.get(term) ?? 0, w));
  for (const t of retrieval.contextTerms) set(t, 0.5);
  for (const t of retrieval.question.expansionTerms) set(t, 0.6);
  for (const t of retrieval.question.terms) set(t, 1);
  return weights;
}

function sentencesOf(chunk: Chunk, chunkIndex: number, weights: Map<string, number>): Sentence[] {
  const out: Sentence[] = [];
  for (const paragraph of chunk.text.split("\n\n")) {
    const isList = /^[A-Z][A-Za-z]{1,20}: /u.test(paragraph) && !/[.!?]$/u.test(paragraph);
    for (const text of isList ? [paragraph] : splitSentences(paragraph)) {
      const terms = new Set(contentTerms(text));
      let score = 0;
      for (const [term, w] of weights) if (terms.has(term)) score += w;
      out.push({ text, chunkIndex, position: out.length, score, isList });
    }
  }
  return out;
}

function isStatusLine(text: string): boolean {
  return /^Status: /u.test(text);
}

/** "Companies: A, B, C" reads as the list itself once the bullet names the section. */
function listText(line: string): string {
  return line.replace(/^[A-Z][A-Za-z]{1,20}: /u, "");
}

/** Two or three questions about the sections next to the answer's main section. */
function followUpsFor(chosen: RetrievedChunk[], allChunks: readonly Chunk[]): string[] {
  const top = chosen[0]?.chunk;
  if (!top) return [];
  const used = new Set(chosen.map((r) => r.chunk.id));
  const candidates = allChunks.filter((c) => !used.has(c.id) && c.metadata.Kind !== "promotion");
  const siblings = candidates.filter((c) => c.parentSection === top.parentSection && c.parentSection !== "");
  const children = candidates.filter((c) => c.parentSection === top.id || c.parentSection.startsWith(`${top.id}/`));
  const byDistance = (a: Chunk, b: Chunk) => Math.abs(a.order - top.order) - Math.abs(b.order - top.order) || a.order - b.order;
  const picks = [...children.sort(byDistance), ...siblings.sort(byDistance), ...candidates.sort(byDistance)];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of picks) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    out.push(`Tell me about “${c.title}”`);
    if (out.length === 3) break;
  }
  return out;
}
