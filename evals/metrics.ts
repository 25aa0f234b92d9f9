import type { Answer } from "../src/types.js";
import type { EvalCase } from "./dataset.js";

export interface CaseResult {
  id: string;
  category: string;
  question: string;
  answer: Answer;
  outcomeOk: boolean;
  expectsSections: boolean;
  /** 1-based rank of the first citation in an expected section, or null. */
  hitRank: number | null;
  factsFound: number;
  factsTotal: number;
  missingFacts: string[][];
  leaks: string[];
  passed: boolean;
}

/** A fact alternative matches case-insensitively on word boundaries, so "ABB" is not found in "ABBA". */
export function containsFact(text: string, fact: string): boolean {
  const escaped = fact.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, "iu").test(text);
}

function sectionMatches(section: string, expected: string): boolean {
  const parts = section.split(" › ").map((p) => p.toLowerCase());
  return parts[parts.length - 1] === expected.toLowerCase();
}

export function scoreCase(c: EvalCase, answer: Answer): CaseResult {
  const outcomeOk = c.expect.outcome.includes(answer.outcome) && (!c.expect.reason || c.expect.reason.includes(answer.reason ?? ""));
  let hitRank: number | null = null;
  if (c.expect.sections.length > 0) {
    const i = answer.citations.findIndex((cit) => c.expect.sections.some((s) => sectionMatches(cit.section, s)));
    hitRank = i >= 0 ? i + 1 : null;
  }
  const missingFacts = c.expect.facts.filter((alternatives) => !alternatives.some((f) => containsFact(answer.text, f)));
  const leaks = c.expect.forbidden.filter((f) => answer.text.toLowerCase().includes(f.toLowerCase()));
  const retrievalOk = c.expect.sections.length === 0 || answer.outcome !== "answered" || (hitRank !== null && hitRank <= 3);
  return {
    id: c.id,
    category: c.category,
    question: c.question,
    answer,
    outcomeOk,
    expectsSections: c.expect.sections.length > 0,
    hitRank,
    factsFound: c.expect.facts.length - missingFacts.length,
    factsTotal: c.expect.facts.length,
    missingFacts,
    leaks,
    passed: outcomeOk && retrievalOk && missingFacts.length === 0 && leaks.length === 0,
  };
}

export interface Summary {
  cases: number;
  passed: number;
  outcomeAccuracy: number;
  hitAt1: number | null;
  hitAt3: number | null;
  hitAt5: number | null;
  mrr: number | null;
  keyFactRecall: number | null;
  forbiddenLeaks: number;
  latencyP50: number;
  latencyP95: number;
}

export function summarize(results: CaseResult[]): Summary {
  const retrieval = results.filter((r) => r.answer.outcome === "answered" && r.expectsSections);
  const rate = (n: number, d: number) => (d === 0 ? null : round(n / d));
  const hits = (k: number) => rate(retrieval.filter((r) => r.hitRank !== null && r.hitRank <= k).length, retrieval.length);
  const factsTotal = results.reduce((a, r) => a + r.factsTotal, 0);
  const latencies = results.map((r) => r.answer.latencyMs).sort((a, b) => a - b);
  return {
    cases: results.length,
    passed: results.filter((r) => r.passed).length,
    outcomeAccuracy: rate(results.filter((r) => r.outcomeOk).length, results.length) ?? 0,
    hitAt1: hits(1),
    hitAt3: hits(3),
    hitAt5: hits(5),
    mrr: retrieval.length ? round(retrieval.reduce((a, r) => a + (r.hitRank ? 1 / r.hitRank : 0), 0) / retrieval.length) : null,
    keyFactRecall: rate(results.reduce((a, r) => a + r.factsFound, 0), factsTotal),
    forbiddenLeaks: results.reduce((a, r) => a + r.leaks.length, 0),
    latencyP50: percentile(latencies, 0.5),
    latencyP95: percentile(latencies, 0.95),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
