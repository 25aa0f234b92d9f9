import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readDataset } from "../evals/dataset.js";
import { containsFact, scoreCase } from "../evals/metrics.js";
import { REPO } from "./helpers.js";

const datasetDir = join(REPO, "evals/datasets");
const datasets = readdirSync(datasetDir).filter((f) => f.endsWith(".jsonl"));

describe("eval datasets", () => {
  it("parse cleanly and have at least 60 cases across the required categories", () => {
    const cases = datasets.flatMap((f) => {
      const { cases, problems } = readDataset(join(datasetDir, f));
      expect(problems).toEqual([]);
      return cases;
    });
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const categories = new Set(cases.map((c) => c.category));
    for (const c of ["use-cases", "companies", "positioning", "constraints", "ot-literacy", "market", "follow-ups", "out-of-guide"]) expect(categories).toContain(c);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it("reports a malformed line with its line number instead of crashing", () => {
    const dir = mkdtempSync(join(tmpdir(), "eval-ds-"));
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, [JSON.stringify({ id: "ok", question: "q" }), "{broken", JSON.stringify({ id: "x" }), JSON.stringify({ id: "y", question: "q", expect: { facts: "nope" } })].join("\n"));
    const { cases, problems } = readDataset(file);
    expect(cases.map((c) => c.id)).toEqual(["ok"]);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(problems[0]!.message).toMatch(/not valid JSON/u);
  });

  it("matches facts case-insensitively on word boundaries", () => {
    expect(containsFact("Siemens and abb", "ABB")).toBe(true);
    expect(containsFact("ABBA sang", "ABB")).toBe(false);
    expect(containsFact("It costs $500K to $2M.", "$500K to $2M")).toBe(true);
  });

  it("fails a case whose answer misses a fact or leaks a forbidden string", () => {
    const c = { id: "t", category: "x", question: "q", history: [], expect: { outcome: ["answered" as const], sections: ["Digital twins"], facts: [["Siemens"]], forbidden: ["Tesla"] } };
    const answer = { outcome: "answered" as const, reason: null, text: "Tesla", parts: [{ kind: "lead" as const, text: "Tesla", cites: [] }], citations: [], followUps: [], mode: "extractive" as const, latencyMs: 1 };
    const r = scoreCase(c, answer);
    expect(r.passed).toBe(false);
    expect(r.missingFacts).toEqual([["Siemens"]]);
    expect(r.leaks).toEqual(["Tesla"]);
  });
});

describe("no eval-specific code", () => {
  it("no eval question (or setup turn of a multi-turn case) appears anywhere in src/, adapters/, server/ or the questions the guide answers", () => {
    const questions = datasets
      .flatMap((f) => readDataset(join(datasetDir, f)).cases.flatMap((c) => [c.question, ...(c.setup ?? [])]))
      .map((q) => q.trim().toLowerCase())
      .filter((q) => q.length >= 12);
    // knowledge/questions.json phrases questions for retrieval: a copied eval question would score
    // the eval, not the product. (coach.json's sample questions are shown to users, and asked.)
    const files = [...["src", "adapters", "server"].flatMap((d) => listFiles(join(REPO, d))), join(REPO, "knowledge", "questions.json"), join(REPO, "knowledge", "glossary.json")];
    for (const file of files) {
      const text = readFileSync(file, "utf8").toLowerCase();
      for (const q of questions) expect(text.includes(q), `${file} contains the eval question "${q}"`).toBe(false);
    }
  });
});

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return entries.map((e) => join(dir, e)).filter((p) => /\.(ts|js|json|md|txt)$/u.test(p));
}
