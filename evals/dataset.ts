import { readFileSync } from "node:fs";
import type { HistoryMessage, Outcome } from "../src/types.js";

export interface EvalCase {
  id: string;
  category: string;
  question: string;
  history: HistoryMessage[];
  expect: { outcome: Outcome[]; sections: string[]; facts: string[][]; forbidden: string[]; reason?: string[] };
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
    if (!Array.isArray(facts) || !facts.every((f) => Array.isArray(f) && f.every((x) => typeof x === "string"))) return problem(`expect.facts must be a list of lists of strings`);
    const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
    if (!strings(e.sections ?? []) || !strings(e.forbidden ?? [])) return problem(`expect.sections and expect.forbidden must be lists of strings`);
    if (e.reason !== undefined && !strings(e.reason)) return problem(`expect.reason must be a list of strings`);
    const history = r.history ?? [];
    if (!Array.isArray(history)) return problem(`history must be a list`);
    cases.push({
      id: r.id,
      category: typeof r.category === "string" ? r.category : "uncategorised",
      question: r.question,
      history: history as HistoryMessage[],
      expect: {
        outcome: outcome as Outcome[],
        sections: (e.sections ?? []) as string[],
        facts: facts as string[][],
        forbidden: (e.forbidden ?? []) as string[],
        ...(e.reason ? { reason: e.reason as string[] } : {}),
      },
    });
  });
  return { cases, problems };
}
