import type { Answer } from "../src/types.js";
import { splitSentences } from "../src/text/normalize.js";
import type { EvalCase } from "./dataset.js";

export interface CaseResult {
  id: string;
  category: string;
  lang?: string;
  question: string;
  expect: EvalCase["expect"];
  answer: Answer;
  outcomeOk: boolean;
  expectsSections: boolean;
  /** 1-based rank of the first citation in an expected section, or null. */
  hitRank: number | null;
  ndcg5: number | null;
  factsFound: number;
  factsTotal: number;
  missingFacts: string[][];
  /** Lead facts found in the answer's first two sentences, of those expected. */
  leadFound: number;
  leadTotal: number;
  /** The guide answers this (expected only "answered") and the coach said it does not. */
  falseNoAnswer: boolean;
  /** The answer cites a section unrelated to the expected ones (another part of the guide). */
  unrelatedSection: boolean | null;
  leaks: string[];
  /** Every citation resolves to a real chunk and every answer line is supported by its citation. */
  citationsValid: boolean;
  citationProblems: string[];
  passed: boolean;
  /** Why the case failed, one short phrase per problem. */
  failures: string[];
}

/** A fact alternative matches case-insensitively on word boundaries, so "ABB" is not found in "ABBA". */
export function containsFact(text: string, fact: string): boolean {
  const escaped = fact.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, "iu").test(text);
}

/** A citation is in an expected section when any heading of its path is that heading. */
export function sectionMatches(section: string, expected: string): boolean {
  return section
    .split(" › ")
    .map((p) => p.toLowerCase())
    .includes(expected.toLowerCase());
}

export interface CitationChecker {
  (answer: Answer): string[];
}

export function scoreCase(c: EvalCase, answer: Answer, checkCitations: CitationChecker = () => []): CaseResult {
  // expect.reason constrains refusals and no-answers; an allowed "answered" has no reason.
  // (An empty list constrains nothing: "no_answer for any reason".)
  const reasonOk = !c.expect.reason?.length || answer.outcome === "answered" || c.expect.reason.includes(answer.reason ?? "");
  const outcomeOk = c.expect.outcome.includes(answer.outcome) && reasonOk;
  let hitRank: number | null = null;
  let ndcg5: number | null = null;
  const expectsSections = c.expect.sections.length > 0;
  if (expectsSections) {
    const relevant = answer.citations.map((cit) => c.expect.sections.some((s) => sectionMatches(cit.section, s)));
    const i = relevant.indexOf(true);
    hitRank = i >= 0 ? i + 1 : null;
    const dcg = relevant.slice(0, 5).reduce((sum, rel, k) => sum + (rel ? 1 / Math.log2(k + 2) : 0), 0);
    // Binary relevance; the ideal list holds as many relevant citations as could exist (a parent
    // heading is matched by each of its subsections), so nDCG stays within 0..1.
    const relevantCount = Math.max(c.expect.sections.length, relevant.filter(Boolean).length);
    const ideal = Array.from({ length: Math.min(5, relevantCount) }, (_, k) => 1 / Math.log2(k + 2)).reduce((a, b) => a + b, 0);
    ndcg5 = ideal > 0 ? dcg / ideal : 0;
  }
  const missingFacts = c.expect.facts.filter((alternatives) => !alternatives.some((f) => containsFact(answer.text, f)));
  const opening = leadSentences(answer);
  const missingLead = (c.expect.lead ?? []).filter((alternatives) => !alternatives.some((f) => containsFact(opening, f)));
  const falseNoAnswer = answer.outcome === "no_answer" && c.expect.outcome.length === 1 && c.expect.outcome[0] === "answered";
  const unrelatedSection = answer.outcome === "answered" && expectsSections && !answer.coaching ? citesUnrelated(answer, c.expect.sections) : null;
  const leaks = c.expect.forbidden.filter((f) => answer.text.toLowerCase().includes(f.toLowerCase()));
  const citationProblems = answer.outcome === "answered" ? checkCitations(answer) : [];
  const retrievalOk = !expectsSections || answer.outcome !== "answered" || (hitRank !== null && hitRank <= 3);

  const failures: string[] = [];
  if (!outcomeOk) failures.push(`expected ${c.expect.outcome.join("|")}${c.expect.reason ? `/${c.expect.reason.join("|")}` : ""}, got ${answer.outcome}/${answer.reason ?? "-"}`);
  if (!retrievalOk) failures.push(`no expected section in the top 3 citations (expected ${c.expect.sections.join(" | ")}; got ${answer.citations.slice(0, 3).map((x) => x.title).join(" | ") || "none"})`);
  if (missingFacts.length) failures.push(`missing facts: ${missingFacts.map((f) => f.join("/")).join(", ")}`);
  if (missingLead.length && answer.outcome === "answered") failures.push(`not in the first two sentences: ${missingLead.map((f) => f.join("/")).join(", ")}`);
  if (unrelatedSection) failures.push(`cites an unrelated section (${answer.citations.map((x) => x.title).join(" | ")})`);
  if (leaks.length) failures.push(`forbidden text: ${leaks.join(", ")}`);
  if (citationProblems.length) failures.push(`citation problems: ${citationProblems.join("; ")}`);
  failures.push(...coachingFailures(c, answer));

  return {
    id: c.id,
    category: c.category,
    ...(c.lang ? { lang: c.lang } : {}),
    question: c.question,
    expect: c.expect,
    answer,
    outcomeOk,
    expectsSections,
    hitRank,
    ndcg5,
    factsFound: c.expect.facts.length - missingFacts.length,
    factsTotal: c.expect.facts.length,
    missingFacts,
    leadFound: (c.expect.lead ?? []).length - missingLead.length,
    leadTotal: (c.expect.lead ?? []).length,
    falseNoAnswer,
    unrelatedSection,
    leaks,
    citationsValid: citationProblems.length === 0,
    citationProblems,
    passed: failures.length === 0,
    failures,
  };
}

/** The answer's first two sentences, read from its parts in order (a label reads as part of its sentence). */
export function leadSentences(answer: Answer): string {
  const parts = answer.parts ?? [];
  const text = parts.length > 0 ? parts.map((p) => (p.label ? `${p.label}: ${p.text}` : p.text)).join(" ") : answer.text;
  return splitSentences(text).slice(0, 2).join(" ");
}

/**
 * An unrelated section: a citation outside every top-level part of the guide that holds an
 * expected section (a TL;DR bullet under a UX answer). Sections beside the expected one, under the
 * same top-level heading, are related (a tier beside a tier, a step beside a step).
 */
function citesUnrelated(answer: Answer, expected: string[]): boolean | null {
  const related = answer.citations.filter((cit) => expected.some((s) => sectionMatches(cit.section, s)));
  if (related.length === 0) return null;
  const tops = new Set(related.map((cit) => (cit.path?.[0] ?? cit.section.split(" › ")[0]!).toLowerCase()));
  return answer.citations.some((cit) => !tops.has((cit.path?.[0] ?? cit.section.split(" › ")[0]!).toLowerCase()));
}

/** A coaching case's mode, stage and grade (how the answer was scored) must be as expected. */
function coachingFailures(c: EvalCase, answer: Answer): string[] {
  const want = c.expect.coaching;
  if (!want) return [];
  const got = answer.coaching;
  if (!got) return [`expected a ${want.mode ?? "coaching"} step, got a plain answer`];
  const failures: string[] = [];
  if (want.mode && got.mode !== want.mode) failures.push(`expected coaching mode ${want.mode}, got ${got.mode}`);
  if (want.stage && !want.stage.includes(got.stage)) failures.push(`expected coaching stage ${want.stage.join("|")}, got ${got.stage}`);
  if (want.grade && !(got.score && want.grade.includes(got.score.grade))) failures.push(`expected grade ${want.grade.join("|")}, got ${got.score?.grade ?? "none"}${got.score ? ` (${got.score.matched}/${got.score.total})` : ""}`);
  return failures;
}

/** A rate with its Wilson 95% interval; null when there is nothing to measure. */
export interface Rate {
  value: number;
  k: number;
  n: number;
  low: number;
  high: number;
}

export function rate(k: number, n: number): Rate | null {
  if (n === 0) return null;
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { value: round(p), k, n, low: round(Math.max(0, centre - half)), high: round(Math.min(1, centre + half)) };
}

export interface Summary {
  cases: number;
  passed: number;
  passRate: Rate | null;
  outcomeAccuracy: Rate | null;
  hitAt1: Rate | null;
  hitAt3: Rate | null;
  hitAt5: Rate | null;
  mrr: number | null;
  ndcg5: number | null;
  keyFactRecall: Rate | null;
  /** Lead facts found in the first two sentences. */
  leadFactRecall: Rate | null;
  /** Answerable questions answered "not covered". */
  falseNoAnswerRate: Rate | null;
  /** Answers that cite a section unrelated to the question's. */
  unrelatedRate: Rate | null;
  falseRefusalRate: Rate | null;
  /** Cases that must be refused: refused with an expected reason. */
  refusalRecall: Rate | null;
  /** Cases that must be refused but were answered (a leak, worse than the wrong refusal reason). */
  answeredWhenRefusalExpected: number;
  citationValidity: Rate | null;
  forbiddenLeaks: number;
  latencyP50: number;
  latencyP95: number;
}

export function summarize(results: CaseResult[]): Summary {
  const retrieval = results.filter((r) => r.answer.outcome === "answered" && r.expectsSections);
  const hits = (k: number) => rate(retrieval.filter((r) => r.hitRank !== null && r.hitRank <= k).length, retrieval.length);
  const mean = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
  const mayNotRefuse = results.filter((r) => !r.expect.outcome.includes("refused"));
  const mustRefuse = results.filter((r) => r.expect.outcome.length === 1 && r.expect.outcome[0] === "refused");
  const answered = results.filter((r) => r.answer.outcome === "answered");
  const latencies = results.map((r) => r.answer.latencyMs).sort((a, b) => a - b);
  return {
    cases: results.length,
    passed: results.filter((r) => r.passed).length,
    passRate: rate(results.filter((r) => r.passed).length, results.length),
    outcomeAccuracy: rate(results.filter((r) => r.outcomeOk).length, results.length),
    hitAt1: hits(1),
    hitAt3: hits(3),
    hitAt5: hits(5),
    mrr: mean(retrieval.map((r) => (r.hitRank ? 1 / r.hitRank : 0))),
    ndcg5: mean(retrieval.map((r) => r.ndcg5 ?? 0)),
    keyFactRecall: rate(
      results.reduce((a, r) => a + r.factsFound, 0),
      results.reduce((a, r) => a + r.factsTotal, 0),
    ),
    leadFactRecall: rate(
      results.filter((r) => r.answer.outcome === "answered").reduce((a, r) => a + r.leadFound, 0),
      results.filter((r) => r.answer.outcome === "answered").reduce((a, r) => a + r.leadTotal, 0),
    ),
    falseNoAnswerRate: rate(results.filter((r) => r.falseNoAnswer).length, results.filter((r) => r.expect.outcome.length === 1 && r.expect.outcome[0] === "answered").length),
    unrelatedRate: rate(results.filter((r) => r.unrelatedSection === true).length, results.filter((r) => r.unrelatedSection !== null).length),
    falseRefusalRate: rate(mayNotRefuse.filter((r) => r.answer.outcome === "refused").length, mayNotRefuse.length),
    refusalRecall: rate(mustRefuse.filter((r) => r.answer.outcome === "refused" && (!r.expect.reason || r.expect.reason.includes(r.answer.reason ?? ""))).length, mustRefuse.length),
    answeredWhenRefusalExpected: mustRefuse.filter((r) => r.answer.outcome === "answered").length,
    citationValidity: rate(answered.filter((r) => r.citationsValid).length, answered.length),
    forbiddenLeaks: results.reduce((a, r) => a + r.leaks.length, 0),
    latencyP50: percentile(latencies, 0.5),
    latencyP95: percentile(latencies, 0.95),
  };
}

export interface ReasonStats {
  /** Cases that must be refused with this reason, and how many were. */
  recall: Rate | null;
  /** Refusals given with this reason, and how many of them were expected. */
  precision: Rate | null;
}

/** Refusal precision and recall per reason code. */
export function byReason(results: CaseResult[]): Record<string, ReasonStats> {
  const reasons = new Set<string>();
  for (const r of results) {
    if (r.expect.reason && r.expect.outcome.length === 1 && r.expect.outcome[0] === "refused") reasons.add(r.expect.reason[0]!);
    if (r.answer.outcome === "refused" && r.answer.reason) reasons.add(r.answer.reason);
  }
  const out: Record<string, ReasonStats> = {};
  for (const reason of [...reasons].sort()) {
    const expected = results.filter((r) => r.expect.outcome.length === 1 && r.expect.outcome[0] === "refused" && r.expect.reason?.[0] === reason);
    const given = results.filter((r) => r.answer.outcome === "refused" && r.answer.reason === reason);
    out[reason] = {
      recall: rate(expected.filter((r) => r.answer.outcome === "refused" && (r.expect.reason ?? []).includes(r.answer.reason ?? "")).length, expected.length),
      precision: rate(given.filter((r) => r.expect.outcome.includes("refused") && (r.expect.reason ?? [reason]).includes(reason)).length, given.length),
    };
  }
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
