import { readFileSync } from "node:fs";
import type { CoachingState, HistoryMessage, Outcome } from "../src/types.js";

/** What a coaching case expects of the answer's `coaching` field; each listed value is allowed. */
export interface CoachingExpectation {
  mode?: CoachingState["mode"];
  stage?: CoachingState["stage"][];
  grade?: NonNullable<CoachingState["score"]>["grade"][];
}

export interface EvalCase {
  id: string;
  category: string;
  /** The language the case is written in (BCP-47, e.g. "de"), when the dataset says; reports group by it. */
  lang?: string;
  question: string;
  history: HistoryMessage[];
  /** Messages said first by the same user in the same conversation (e.g. "quiz me on safety"). */
  setup?: string[];
  /**
   * `lead`: facts (same form as `facts`) that must appear in the answer's first two sentences, the
   * thing actually asked ("$200K-$320K" for a pay question).
   */
  expect: { outcome: Outcome[]; sections: string[]; facts: string[][]; lead?: string[][]; forbidden: string[]; reason?: string[]; coaching?: CoachingExpectation };
}

export interface DatasetProblem {
  file: string;
  line: number;
  message: string;
}

const OUTCOMES = new Set(["answered", "no_answer", "refused"]);

/** Parse a JSONL dataset; a bad line is reported with its number and skipped, never fatal. */
export function readDataset(file: string): { cases: EvalCase[]; problems: DatasetProblem[] } {
  const cases: EvalCase[] = [];
  const problems: DatasetProblem[] = [];
  const lines = readFileSync(file, "utf8").split(/\r?\n/u);
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    const problem = (message: string) => problems.push({ file, line: i + 1, message });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problem(`not valid JSON (${(error as Error).message})`);
      return;
    }
    const r = value as Record<string, unknown>;
    const e = (r?.expect ?? {}) as Record<string, unknown>;
    if (typeof r?.id !== "string" || typeof r.question !== "string") return problem(`needs string "id" and "question"`);
    const outcome = e.outcome ?? ["answered"];
    if (!Array.isArray(outcome) || !outcome.every((o) => OUTCOMES.has(o as string))) return problem(`expect.outcome must list answered/no_answer/refused`);
    const facts = e.facts ?? [];
    const factLists = (v: unknown) => Array.isArray(v) && v.every((f) => Array.isArray(f) && f.every((x) => typeof x === "string"));
    if (!factLists(facts)) return problem(`expect.facts must be a list of lists of strings`);
    if (e.lead !== undefined && !factLists(e.lead)) return problem(`expect.lead must be a list of lists of strings`);
    const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
    if (!strings(e.sections ?? []) || !strings(e.forbidden ?? [])) return problem(`expect.sections and expect.forbidden must be lists of strings`);
    if (e.reason !== undefined && !strings(e.reason)) return problem(`expect.reason must be a list of strings`);
    const history = r.history ?? [];
    if (!Array.isArray(history)) return problem(`history must be a list`);
    if (r.setup !== undefined && !strings(r.setup)) return problem(`setup must be a list of strings`);
    if (r.lang !== undefined && (typeof r.lang !== "string" || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/u.test(r.lang))) return problem(`lang must be a language tag such as "de" or "pt-BR"`);
    const coaching = e.coaching as Record<string, unknown> | undefined;
    if (coaching !== undefined) {
      if (typeof coaching !== "object" || coaching === null) return problem(`expect.coaching must be an object`);
      if (coaching.mode !== undefined && !["quiz", "plan", "readiness"].includes(coaching.mode as string)) return problem(`expect.coaching.mode must be quiz, plan or readiness`);
      if ((coaching.stage !== undefined && !strings(coaching.stage)) || (coaching.grade !== undefined && !strings(coaching.grade))) return problem(`expect.coaching.stage and .grade must be lists of strings`);
    }
    cases.push({
      id: r.id,
      category: typeof r.category === "string" ? r.category : "uncategorised",
      ...(typeof r.lang === "string" ? { lang: r.lang.toLowerCase() } : {}),
      question: r.question,
      history: history as HistoryMessage[],
      ...(r.setup ? { setup: r.setup as string[] } : {}),
      expect: {
        outcome: outcome as Outcome[],
        sections: (e.sections ?? []) as string[],
        facts: facts as string[][],
        ...(e.lead ? { lead: e.lead as string[][] } : {}),
        forbidden: (e.forbidden ?? []) as string[],
        ...(e.reason ? { reason: e.reason as string[] } : {}),
        ...(coaching ? { coaching: coaching as CoachingExpectation } : {}),
      },
    });
  });
  return { cases, problems };
}
