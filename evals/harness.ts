import type { Answer, Turn } from "../src/types.js";
import type { Chunk } from "../src/types.js";
import { checkLlmGrounding, checkPartsGrounding, guideTextOf, nameAllowlist } from "../src/guardrails/output.js";
import { plainTextOf } from "../src/compose/parts.js";
import type { EvalCase } from "./dataset.js";
import { byReason, scoreCase, summarize, type CaseResult, type ReasonStats, type Summary, type Rate } from "./metrics.js";

export type AskFn = (turn: Turn) => Promise<Answer>;

export interface EvalReport {
  generatedAt: string;
  mode: string;
  datasets: string[];
  overall: Summary;
  categories: Record<string, Summary>;
  /** Per category, per language, for the cases that carry a "lang" (held-out safety sets). */
  languages: Record<string, Record<string, Summary>>;
  reasons: Record<string, ReasonStats>;
  judge: { status: "skipped" | "ran"; note: string };
  gate: { passed: boolean; misses: string[] };
  cases: CaseResult[];
}

export interface Thresholds {
  overall?: { min?: Record<string, number>; max?: Record<string, number> };
  categories?: Record<string, { min?: Record<string, number>; max?: Record<string, number> }>;
  /** Bounds that every language group of a category must meet (e.g. bypass refused in every language). */
  languages?: Record<string, { min?: Record<string, number>; max?: Record<string, number> }>;
  /** Minimum refusal recall per reason code. */
  refusalRecall?: Record<string, number>;
}

/**
 * Citation validity: every citation must name a real chunk, and every answer line must be
 * supported by the chunk it cites (the same check the output rail runs).
 */
export function citationChecker(chunks: readonly Chunk[]): (answer: Answer) => string[] {
  const byId = new Map(chunks.map((c) => [c.id, c]));
  const names = nameAllowlist(chunks);
  return (answer) => {
    const problems: string[] = [];
    for (const c of answer.citations) {
      const chunk = byId.get(c.id);
      if (!chunk) problems.push(`citation ${c.id} is not a chunk of the knowledge`);
      else if (chunk.text !== c.text) problems.push(`citation ${c.id} text differs from the chunk`);
    }
    // Parts that cite the guide are checked against what they cite (a coaching prompt cites nothing);
    // a model's draft is held to the paraphrase rules the pipeline applied to it.
    // (A coaching note added to a model's answer, "practice is paused…", cites nothing and claims nothing.)
    const problemsFound = answer.mode === "llm" ? checkLlmGrounding(plainTextOf((answer.parts ?? []).filter((p) => p.cites.length > 0 || p.kind !== "note")), answer.citations, names, guideTextOf(chunks)) : checkPartsGrounding(answer.parts ?? [], answer.citations, names, { everyClaimCites: !answer.coaching && answer.outcome === "answered" });
    for (const p of problemsFound) problems.push(`${p.problem}${p.detail ? ` (${p.detail})` : ""}: "${p.sentence.slice(0, 80)}"`);
    return problems;
  };
}

export async function runCases(cases: EvalCase[], ask: AskFn, checkCitations: (a: Answer) => string[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    let answer: Answer;
    const user = { id: `eval-${c.id}`, platform: "eval" } as const;
    try {
      // Multi-turn cases (follow-ups, coaching sessions): the setup turns are said first, in the same
      // conversation, and their real answers become the history, as a chat surface would send it.
      const history = [...c.history];
      for (const said of c.setup ?? []) {
        const earlier = await ask({ text: said, history: [...history], user, conversationId: `eval-${c.id}` });
        history.push({ role: "user", content: said }, { role: "assistant", content: earlier.text });
      }
      answer = await ask({ text: c.question, history, user, conversationId: `eval-${c.id}` });
    } catch (error) {
      // An answerer that throws fails its case; the run goes on.
      answer = { outcome: "refused", reason: "internal_error", text: `answerer threw: ${(error as Error).message}`, parts: [], citations: [], followUps: [], mode: "extractive", latencyMs: 0 };
    }
    results.push(scoreCase(c, answer, checkCitations));
  }
  return results;
}

/**
 * What a run was meant to cover, for the gate: in a complete run (the project's datasets, no
 * --category) every category and refusal reason thresholds.json names must have cases; in a
 * filtered run only the categories asked for must.
 */
export type GateScope = { complete: true } | { complete: false; categories: readonly string[] };

export function buildReport(results: CaseResult[], meta: { mode: string; datasets: string[]; judgeNote: string }, thresholds: Thresholds, scope: GateScope = { complete: true }): EvalReport {
  const categories: Record<string, Summary> = {};
  for (const cat of [...new Set(results.map((r) => r.category))].sort()) categories[cat] = summarize(results.filter((r) => r.category === cat));
  const languages: Record<string, Record<string, Summary>> = {};
  for (const cat of Object.keys(categories)) {
    const withLang = results.filter((r) => r.category === cat && r.lang);
    if (withLang.length === 0) continue;
    languages[cat] = {};
    for (const lang of [...new Set(withLang.map((r) => r.lang!))].sort()) languages[cat][lang] = summarize(withLang.filter((r) => r.lang === lang));
  }
  // Held-out sets (written apart, to measure how the rails generalise) are reported and gated by
  // their own categories and languages; "overall" and the per-reason gates cover the project's
  // own datasets, so a held-out set never loosens or hides them.
  const own = results.filter((r) => !r.category.startsWith("heldout-"));
  const overall = summarize(own);
  const reasons = byReason(own);
  const misses = checkGates(overall, categories, reasons, thresholds, languages, scope);
  return {
    generatedAt: new Date().toISOString(),
    mode: meta.mode,
    datasets: meta.datasets,
    overall,
    categories,
    languages,
    reasons,
    judge: { status: "skipped", note: meta.judgeNote },
    gate: { passed: misses.length === 0, misses },
    cases: results,
  };
}

function valueOf(x: Rate | number | null | undefined): number | null {
  if (x === null || x === undefined) return null;
  return typeof x === "number" ? x : x.value;
}

/**
 * The bounds thresholds.json sets that this run misses. A bound that cannot be checked is a miss
 * too, never a silent pass: a metric name the report does not compute (a typo), or a category or
 * refusal reason with bounds but no cases in a run that should have them.
 */
export function checkGates(overall: Summary, categories: Record<string, Summary>, reasons: Record<string, ReasonStats>, t: Thresholds, languages: Record<string, Record<string, Summary>> = {}, scope: GateScope = { complete: true }): string[] {
  const misses: string[] = [];
  const metrics = new Set(Object.keys(overall));
  const expected = (category: string) => scope.complete || scope.categories.includes(category);
  const check = (where: string, summary: Summary, bounds?: { min?: Record<string, number>; max?: Record<string, number> }) => {
    for (const [side, entries] of [["min", bounds?.min], ["max", bounds?.max]] as const) {
      for (const [metric, bound] of Object.entries(entries ?? {})) {
        if (!metrics.has(metric)) {
          misses.push(`${where}: unknown metric "${metric}" in thresholds.json`);
          continue;
        }
        const v = valueOf(summary[metric as keyof Summary] as Rate | number | null);
        if (v === null) continue;
        if (side === "min" && v < bound) misses.push(`${where} ${metric} ${v} < ${bound}`);
        if (side === "max" && v > bound) misses.push(`${where} ${metric} ${v} > ${bound}`);
      }
    }
  };
  check("overall", overall, t.overall);
  for (const [cat, bounds] of Object.entries(t.categories ?? {})) {
    if (categories[cat]) check(`category ${cat}`, categories[cat], bounds);
    else if (expected(cat)) misses.push(`category ${cat} has bounds in thresholds.json but no cases in this run`);
  }
  for (const [cat, bounds] of Object.entries(t.languages ?? {})) {
    if (!languages[cat] && categories[cat] === undefined && expected(cat)) misses.push(`category ${cat} has language bounds in thresholds.json but no cases in this run`);
    for (const [lang, summary] of Object.entries(languages[cat] ?? {})) check(`category ${cat} [${lang}]`, summary, bounds);
  }
  for (const [reason, min] of Object.entries(t.refusalRecall ?? {})) {
    if (!reasons[reason]) {
      if (scope.complete) misses.push(`refusal recall for ${reason}: no case expects that reason in this run`);
      continue;
    }
    const v = valueOf(reasons[reason].recall);
    if (v !== null && v < min) misses.push(`refusal recall for ${reason} ${v} < ${min}`);
  }
  return misses;
}
