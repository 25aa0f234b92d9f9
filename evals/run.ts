/**
 * `npm run eval [-- --dataset FILE ...] [--category NAME]`: run eval datasets through the same
 * coach the server uses, print metrics by category, and exit non-zero when a threshold is missed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { createCoach } from "../src/coach.js";
import { readDataset, type EvalCase } from "./dataset.js";
import { scoreCase, summarize, type CaseResult, type Summary } from "./metrics.js";

const here = dirname(fileURLToPath(import.meta.url));

interface Thresholds {
  min: Partial<Record<keyof Summary, number>>;
  max: Partial<Record<keyof Summary, number>>;
}

function parseArgs(argv: string[]): { datasets: string[]; categories: string[] } {
  const datasets: string[] = [];
  const categories: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = argv[i + 1];
    if ((a === "--dataset" || a === "--category") && value) {
      (a === "--dataset" ? datasets : categories).push(value);
      i++;
    } else throw new Error(`Unknown argument ${a}. Usage: npm run eval -- [--dataset FILE]... [--category NAME]...`);
  }
  return { datasets, categories };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const files = args.datasets.length
    ? args.datasets
    : readdirSync(join(here, "datasets"))
        .filter((f) => f.endsWith(".jsonl"))
        .sort()
        .map((f) => join(here, "datasets", f));
  let cases: EvalCase[] = [];
  let problems = 0;
  for (const file of files) {
    const parsed = readDataset(file);
    for (const p of parsed.problems) process.stderr.write(`${p.file}:${p.line}: ${p.message}\n`);
    problems += parsed.problems.length;
    cases.push(...parsed.cases);
  }
  if (args.categories.length) cases = cases.filter((c) => args.categories.includes(c.category));

  const config = { ...loadConfig(), rateLimitPerMinute: 0 };
  const coach = await createCoach(config, createLogger(process.env.LOG_LEVEL ? config.logLevel : "warn"));
  const results: CaseResult[] = [];
  for (const c of cases) {
    const answer = await coach.ask({ text: c.question, history: c.history, user: { id: "eval", platform: "eval" }, conversationId: `eval-${c.id}` });
    results.push(scoreCase(c, answer));
  }

  const categories = [...new Set(results.map((r) => r.category))].sort();
  const rows = categories.map((cat) => [cat, summarize(results.filter((r) => r.category === cat))] as const);
  const overall = summarize(results);
  const fmt = (x: number | null) => (x === null ? "  -  " : x.toFixed(3));
  const out: string[] = [];
  out.push(`${"category".padEnd(16)} ${"cases".padStart(5)} ${"pass".padStart(5)}  outcome  hit@1  hit@3   MRR   facts`);
  for (const [cat, s] of [...rows, ["ALL", overall] as const]) {
    out.push(`${cat.padEnd(16)} ${String(s.cases).padStart(5)} ${String(s.passed).padStart(5)}  ${fmt(s.outcomeAccuracy)}   ${fmt(s.hitAt1)}  ${fmt(s.hitAt3)}  ${fmt(s.mrr)}  ${fmt(s.keyFactRecall)}`);
  }
  out.push(`latency p50 ${overall.latencyP50} ms, p95 ${overall.latencyP95} ms; forbidden leaks: ${overall.forbiddenLeaks}`);
  const failed = results.filter((r) => !r.passed);
  if (failed.length) {
    out.push("", "Failed cases:");
    for (const r of failed) {
      const why = [
        !r.outcomeOk ? `outcome ${r.answer.outcome}/${r.answer.reason ?? "-"}` : "",
        r.expectsSections && r.answer.outcome === "answered" && (r.hitRank === null || r.hitRank > 3) ? `section not in top 3 (got ${r.answer.citations.map((c) => c.title).join(" | ")})` : "",
        r.missingFacts.length ? `missing ${r.missingFacts.map((f) => f.join("/")).join(", ")}` : "",
        r.leaks.length ? `leaked ${r.leaks.join(", ")}` : "",
      ].filter(Boolean);
      out.push(`  ✗ ${r.id}: ${r.question.slice(0, 90)} — ${why.join("; ")}`);
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);

  const thresholds = JSON.parse(readFileSync(join(here, "thresholds.json"), "utf8")) as Thresholds;
  const misses: string[] = [];
  for (const [metric, min] of Object.entries(thresholds.min)) {
    const value = overall[metric as keyof Summary];
    if (typeof value === "number" && value < min) misses.push(`${metric} ${value} < ${min}`);
  }
  for (const [metric, max] of Object.entries(thresholds.max)) {
    const value = overall[metric as keyof Summary];
    if (typeof value === "number" && value > max) misses.push(`${metric} ${value} > ${max}`);
  }
  if (problems > 0) misses.push(`${problems} malformed dataset line(s)`);
  if (misses.length) {
    process.stdout.write(`\nEval gate FAILED: ${misses.join("; ")}\n`);
    return 1;
  }
  process.stdout.write(`\nEval gate passed (${overall.passed}/${overall.cases} cases).\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
