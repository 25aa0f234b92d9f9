import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvalCli, type EvalIo } from "../evals/cli.js";
import { checkGates, type EvalReport } from "../evals/harness.js";
import { summarize } from "../evals/metrics.js";
import type { Answer, Turn } from "../src/types.js";
import { tempWorkspace } from "./helpers.js";

let ws: ReturnType<typeof tempWorkspace>;
const saved = { ...process.env };
beforeAll(() => {
  ws = tempWorkspace();
  process.env.DATA_DIR = ws.dataDir;
  process.env.KNOWLEDGE_DIR = ws.knowledgeDir;
});
afterAll(() => {
  process.env = saved;
  ws.cleanup();
});

function capture(): EvalIo & { out: string; err: string } {
  const io = { out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

/** Answers every question with the same confident, unsourced claim: what a broken coach does. */
async function wrongAnswerer(_turn: Turn): Promise<Answer> {
  return { outcome: "answered", reason: null, text: "Acme Robotics pays every PM $900K.", parts: [{ kind: "lead", text: "Acme Robotics pays every PM $900K.", cites: [] }], citations: [], followUps: [], mode: "extractive", latencyMs: 1 };
}

describe("npm run eval (harness)", () => {
  it("passes on the project's datasets and writes report.json, report.md and junit.xml", async () => {
    const out = mkdtempSync(join(tmpdir(), "eval-out-"));
    const io = capture();
    const code = await runEvalCli(["--out", out], io);
    expect(code, io.out + io.err).toBe(0);
    expect(io.out).toMatch(/safety-bypass/u);
    expect(io.out).toMatch(/Eval gate passed/u);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as EvalReport;
    expect(report.overall.cases).toBeGreaterThanOrEqual(200);
    expect(report.reasons.safety_bypass!.recall!.value).toBe(1);
    const gates = JSON.parse(readFileSync("evals/thresholds.json", "utf8")) as { overall: { min: Record<string, number> } };
    expect(report.overall.hitAt3!.value).toBeGreaterThanOrEqual(gates.overall.min.hitAt3!);
    expect(report.overall.keyFactRecall!.low).toBeLessThanOrEqual(report.overall.keyFactRecall!.value);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/\| safety-bypass \|/u);
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toMatch(/<testsuite name="safety-bypass" tests="\d+" failures="0"/u);
  });

  it("fails the gate, exit 1, naming the failed cases, when the answerer is deliberately wrong", async () => {
    const out = mkdtempSync(join(tmpdir(), "eval-out-"));
    const io = capture();
    const code = await runEvalCli(["--out", out], io, wrongAnswerer);
    expect(code).toBe(1);
    expect(io.out).toMatch(/Eval gate FAILED/u);
    expect(io.out).toMatch(/refusal recall for safety_bypass 0 < 1/u);
    expect(io.out).toMatch(/✗ sb-01 \[safety-bypass\]/u);
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toMatch(/❌ gate failed/u);
    expect(md).toMatch(/\*\*sb-01\*\*/u);
    expect(md).toMatch(/unsupported|citation problems/u);
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toMatch(/<failure message="expected refused/u);
  });

  it("reports a malformed dataset line with its line number and fails instead of crashing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eval-ds-"));
    const file = join(dir, "mine.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ id: "twin", category: "mine", question: "What is a digital twin?", expect: { outcome: ["answered"], sections: ["Digital twins"], facts: [["Virtual replicas"]] } }),
        '{"id": "broken", "question": ',
      ].join("\n"),
    );
    const io = capture();
    const code = await runEvalCli(["--dataset", file, "--out", join(dir, "out")], io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/mine\.jsonl:2: not valid JSON/u);
    expect(io.out).toMatch(/1 malformed dataset line/u);
  });

  it("prints deltas and the cases that went from pass to fail against a baseline", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eval-base-"));
    const first = capture();
    await runEvalCli(["--category", "positioning", "--out", join(dir, "a")], first);
    const second = capture();
    const code = await runEvalCli(["--category", "positioning", "--out", join(dir, "b"), "--baseline", join(dir, "a", "report.json")], second, wrongAnswerer);
    expect(code).toBe(1);
    expect(second.out).toMatch(/\| keyFactRecall \| 1\.000 \| 0\.000 \| -1\.000 \|/u);
    expect(second.out).toMatch(/Cases that passed before and fail now: pos-/u);
  });

  it("rejects unknown options and an unavailable mode with a usage message", async () => {
    const io = capture();
    expect(await runEvalCli(["--frobnicate"], io)).toBe(2);
    expect(io.err).toMatch(/Unknown option '--frobnicate'/u);
    const llm = capture();
    expect(await runEvalCli(["--mode", "llm"], llm)).toBe(2);
    expect(llm.err).toMatch(/needs a model/u);
  });

  it("rejects thresholds it cannot check: an unknown metric name, a category or reason with no cases", () => {
    const summary = summarize([]);
    const thresholds = { overall: { min: { keyFactRecal: 0.9 } }, categories: { "safety-bypass": { min: { outcomeAccuracy: 1 } } }, refusalRecall: { safety_bypas: 1 } };
    const misses = checkGates(summary, {}, {}, thresholds);
    expect(misses).toContain('overall: unknown metric "keyFactRecal" in thresholds.json');
    expect(misses).toContain("category safety-bypass has bounds in thresholds.json but no cases in this run");
    expect(misses).toContain("refusal recall for safety_bypas: no case expects that reason in this run");
    // A run filtered to other categories is not expected to have them; a typo is still a typo.
    expect(checkGates(summary, {}, {}, thresholds, {}, { complete: false, categories: ["companies"] })).toEqual(['overall: unknown metric "keyFactRecal" in thresholds.json']);
  });
});
