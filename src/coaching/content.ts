import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Chunk, Citation } from "../types.js";
import { KnowledgeInvalidError } from "../errors.js";
import { normalizeText, splitSentences, words } from "../text/normalize.js";
import { compileTerm, termMatches, type Term } from "./match.js";
import { citationOf } from "../compose/parts.js";

/**
 * The coaching content (knowledge/coaching.json) resolved against the guide. Every section must be
 * a heading of the guide and every evidence phrase must occur in it, so a content edit that drifts
 * from the guide stops the coach at start with a message naming each problem.
 */

/** A sentence of the guide, quoted as it is, with the section it comes from. */
export interface GuideQuote {
  chunk: Chunk;
  sentence: string;
}

export interface KeyPoint {
  label: string;
  terms: Term[];
  quote: GuideQuote;
}

export interface PracticeQuestion {
  id: string;
  topic: string;
  prompt: string;
  chunk: Chunk;
  points: KeyPoint[];
}

export interface Topic {
  id: string;
  label: string;
  words: string[];
}

export interface ReadinessItem {
  id: string;
  label: string;
  ask: string;
  chunk: Chunk;
  next: GuideQuote[];
}

export interface PlanLine {
  label: string;
  section: string;
  evidence: string;
}

export interface PlanPhase {
  id: string;
  title: string;
  hours: number;
  withOtBackground?: number;
  lines: PlanLine[];
}

export interface PlanUseCase {
  id: string;
  name: string;
  section: string;
  dataset: string;
  words: string[];
}

export interface PlanPath {
  name: string;
  label: string;
  section: string;
  evidence: string;
  /** Sections whose listed companies are employers this path starts from ("at ABB" is at a manufacturer). */
  employersListedIn?: string[];
}

export type PathId = "internal" | "analyst" | "direct";

/** What a person may say matters most when choosing an employer, and the guide sentence that speaks to it. */
export interface PlanPriority {
  id: string;
  /** Words or phrases that mark the priority in a person's story. */
  says: string[];
  section: string;
  /** The start of the guide's sentence in `section` that speaks to it. */
  evidence: string;
}

/**
 * Something people ask about their own move ("what do I say in an interview?", "am I too old?"),
 * and the guide sentence that answers it, or, when the guide does not speak to it, the topic the
 * coach names when it says so.
 */
export interface PlanAsk {
  id: string;
  /** Words or phrases that mark the ask in a person's question. */
  says: string[];
  section?: string;
  /** The start of the guide's sentence in `section` that answers it. */
  evidence?: string;
  /** The topic, as the coach names it, when the guide does not speak to it ("age"). */
  notCovered?: string;
  /** With `notCovered`: the guide section that is the nearest help ("résumés" → how to position yourself), said after the note. */
  nearby?: string;
}

type Plan = { phases: PlanPhase[]; useCases: PlanUseCase[]; paths: Record<PathId, PlanPath>; priorities?: { items: PlanPriority[] }; asks?: { items: PlanAsk[] } };

export interface CoachingContent {
  topics: Topic[];
  questions: PracticeQuestion[];
  readiness: ReadinessItem[];
  plan: Plan;
  /** The guide sentence holding `evidence` in the section titled `section`. */
  quote(section: string, evidence: string): GuideQuote;
}

interface RawFact {
  label: string;
  terms: string[];
  evidence: string;
  section?: string;
}

interface RawContent {
  /** The document (path under knowledge/) the content was written for; every document when absent. */
  guide?: string;
  topics: Record<string, { label: string; words: string[] }>;
  quiz: { id: string; topic: string; prompt: string; section: string; facts: RawFact[] }[];
  readiness: { id: string; label: string; ask: string; section: string; next: { section: string; evidence: string }[] }[];
  plan: Plan;
}

const comparable = (text: string) => normalizeText(text).toLowerCase();

export function loadCoachingContent(knowledgeDir: string, chunks: readonly Chunk[]): CoachingContent {
  const file = join(knowledgeDir, "coaching.json");
  let raw: RawContent;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as RawContent;
  } catch (error) {
    throw new KnowledgeInvalidError(`${file}: cannot read the coaching content (${(error as Error).message})`);
  }
  const problems: string[] = [];
  // Sections are looked up in the guide the content was written for: another document with the
  // same heading ("Skills to build") must not take a practice question's place, nor stop the coach.
  const guide = typeof raw.guide === "string" ? raw.guide.replace(/\\/gu, "/") : null;
  const own = guide === null ? chunks : chunks.filter((c) => c.source.replace(/\\/gu, "/") === guide);
  if (guide !== null && own.length === 0) problems.push(`"guide": no document ${guide} in the knowledge`);
  const byTitle = new Map<string, Chunk>();
  for (const c of own) if (!byTitle.has(comparable(c.title))) byTitle.set(comparable(c.title), c);

  const quotes = new Map<string, GuideQuote>();
  const quote = (section: string, evidence: string, where: string): GuideQuote | null => {
    const key = `${section}\u0000${evidence}`;
    const known = quotes.get(key);
    if (known) return known;
    const chunk = byTitle.get(comparable(section));
    if (!chunk) {
      problems.push(`${where}: no section titled "${section}" in the guide`);
      return null;
    }
    const sentence = splitSentences(chunk.text).find((s) => comparable(s).includes(comparable(evidence)));
    if (!sentence) {
      problems.push(`${where}: "${evidence}" does not occur in the section "${section}"`);
      return null;
    }
    const found = { chunk, sentence };
    quotes.set(key, found);
    return found;
  };

  const topics = Object.entries(raw.topics ?? {}).map(([id, t]) => ({ id, label: t.label, words: t.words ?? [] }));
  const questions: PracticeQuestion[] = [];
  for (const q of raw.quiz ?? []) {
    const where = `quiz "${q.id}"`;
    if (!topics.some((t) => t.id === q.topic)) problems.push(`${where}: unknown topic "${q.topic}"`);
    const chunk = byTitle.get(comparable(q.section));
    if (!chunk) problems.push(`${where}: no section titled "${q.section}" in the guide`);
    const promptWords = words(q.prompt);
    const points: KeyPoint[] = [];
    for (const f of q.facts ?? []) {
      const found = quote(f.section ?? q.section, f.evidence, `${where}, point "${f.label}"`);
      // A term the question itself contains would reward repeating the question back.
      const terms = (f.terms ?? []).map(compileTerm).filter((t) => !termMatches(promptWords, t));
      if (terms.length === 0) problems.push(`${where}, point "${f.label}": every term also occurs in the question, so it cannot be scored`);
      if (found) points.push({ label: f.label, terms, quote: found });
    }
    if (points.length < 2) problems.push(`${where}: needs at least two key points`);
    if (chunk) questions.push({ id: q.id, topic: q.topic, prompt: q.prompt, chunk, points });
  }
  const readiness: ReadinessItem[] = [];
  for (const r of raw.readiness ?? []) {
    const chunk = byTitle.get(comparable(r.section));
    if (!chunk) problems.push(`readiness "${r.id}": no section titled "${r.section}" in the guide`);
    const next = (r.next ?? []).map((n) => quote(n.section, n.evidence, `readiness "${r.id}"`)).filter((x): x is GuideQuote => !!x);
    if (chunk) readiness.push({ id: r.id, label: r.label, ask: r.ask, chunk, next });
  }
  const plan = raw.plan;
  // Plan lines are templates; check every combination a plan can produce.
  for (const phase of plan?.phases ?? []) {
    for (const line of phase.lines) {
      for (const useCase of plan.useCases) {
        for (const path of Object.values(plan.paths)) {
          const fill = planFiller(useCase, path);
          quote(fill(line.section), fill(line.evidence), `plan phase "${phase.id}"`);
        }
      }
    }
  }
  for (const priority of plan?.priorities?.items ?? []) {
    if (typeof priority.id !== "string" || !Array.isArray(priority.says) || !priority.says.every((w) => typeof w === "string" && w.length > 0)) problems.push(`plan priority "${String(priority.id)}" needs an id and "says" words`);
    else quote(priority.section, priority.evidence, `plan priority "${priority.id}"`);
  }
  for (const ask of plan?.asks?.items ?? []) {
    const where = `plan ask "${String(ask.id)}"`;
    if (typeof ask.id !== "string" || !Array.isArray(ask.says) || !ask.says.every((w) => typeof w === "string" && w.length > 0)) problems.push(`${where} needs an id and "says" words`);
    else if (typeof ask.notCovered === "string" ? ask.section !== undefined || ask.evidence !== undefined : typeof ask.section !== "string" || typeof ask.evidence !== "string") problems.push(`${where} needs either "section" and "evidence" or "notCovered", not both`);
    else if (ask.section && ask.evidence) quote(ask.section, ask.evidence, where);
    if (ask.nearby !== undefined && (typeof ask.notCovered !== "string" || sectionsUnder(own, ask.nearby).length === 0)) problems.push(`${where}: "nearby" must name a section of the guide, next to "notCovered"`);
  }
  if (questions.length === 0 || readiness.length === 0 || !plan?.phases?.length) problems.push("needs quiz questions, readiness items and plan phases");
  if (problems.length > 0) {
    throw new KnowledgeInvalidError(`${file} does not match the guide:\n${[...new Set(problems)].map((p) => `  - ${p}`).join("\n")}`);
  }
  return {
    topics,
    questions,
    readiness,
    plan,
    quote(section, evidence) {
      const found = quote(section, evidence, "plan");
      if (!found) throw new KnowledgeInvalidError(`coaching content: "${evidence}" not found in "${section}"`);
      return found;
    },
  };
}

/**
 * The sections a heading names: its own, or, for a heading with no text of its own ("How to
 * position yourself for the first role"), its subsections in the guide's order.
 */
export function sectionsUnder(chunks: readonly Chunk[], title: string): Chunk[] {
  const wanted = comparable(title);
  const own = chunks.find((c) => comparable(c.title) === wanted);
  if (own) return [own];
  return chunks.filter((c) => c.headingPath.length >= 2 && comparable(c.headingPath[c.headingPath.length - 2]!) === wanted);
}

/** Fills a plan template's {useCase}, {useCaseSection}, {dataset}, {path}, {pathLabel}, {pathSection}, {pathEvidence}. */
export function planFiller(useCase: PlanUseCase, path: PlanPath): (template: string) => string {
  const values: Record<string, string> = {
    useCase: useCase.name,
    useCaseSection: useCase.section,
    dataset: useCase.dataset,
    path: path.name,
    pathLabel: path.label,
    pathSection: path.section,
    pathEvidence: path.evidence,
  };
  return (template) => template.replace(/\{(\w+)\}/gu, (whole, name: string) => values[name] ?? whole);
}

/**
 * Numbered citations in order of first use, so "[n]" markers in a coaching message point at the
 * right source.
 */
export class CitationList {
  readonly citations: Citation[] = [];
  marker(chunk: Chunk): string {
    let i = this.citations.findIndex((c) => c.id === chunk.id);
    if (i < 0) {
      this.citations.push(citationOf(chunk, 1));
      i = this.citations.length - 1;
    }
    return `[${i + 1}]`;
  }
}
