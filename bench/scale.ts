/**
 * `npm run bench:scale`: the guide alone, then the guide next to ~500, ~5,000 and ~50,000 chunks of
 * unrelated generated documents (bench/corpus.ts, in a temp dir, never committed). For each: ingest
 * time and peak RSS, index size, cold start (compiled, in `npm start`'s heap), answer latency and key-fact
 * recall over the project's eval set, and how many questions that must not be answered were.
 * Each step runs in its own process, as in production. Prints figures; asserts nothing.
 *
 *   npm run bench:scale -- [--sizes 500,5000,50000 | --sizes none] [--cold-runs 3] [--keep]
 *
 * `--sizes none` measures the guide alone. Cold start is the median of `--cold-runs` fresh
 * processes (default 3): one start on a shared machine varies by a third.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCorpus } from "./corpus.js";
import type { EvalReport } from "../evals/harness.js";
import { parseArgs } from "node:util";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The heap `npm start` runs in (package.json); a corpus that needs more is reported as such. */
const START_HEAP_MB = 384;

const { values: args } = parseArgs({ options: { sizes: { type: "string" }, keep: { type: "boolean" }, "cold-runs": { type: "string" } } });
const sizes =
  args.sizes === "none"
    ? []
    : (args.sizes ?? "500,5000,50000")
        .split(",")
        .map((s) => Number(s.trim()))
        .filter((n) => Number.isInteger(n) && n > 0);
const coldRuns = Math.min(15, Math.max(1, Number(args["cold-runs"] ?? 3) || 3));
const keep = args.keep === true;

interface Run {
  ms: number;
  rssMb: number | null;
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Run a script of this repository in a fresh Node process with the workspace's environment. */
function run(script: string, args: string[], env: Record<string, string>, nodeFlags: string[] = []): Run {
  const rssFile = join(env.DATA_DIR!, `.rss-${process.pid}-${Date.now()}`);
  const started = performance.now();
  const child = spawnSync(process.execPath, [...nodeFlags, "--import", "tsx", "--import", join(repo, "bench/rss-probe.ts"), join(repo, script), ...args], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, ...env, RSS_PROBE_OUT: rssFile, LOG_LEVEL: "warn" },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 60 * 60_000,
  });
  const ms = performance.now() - started;
  const rssMb = existsSync(rssFile) ? Math.round(Number(readFileSync(rssFile, "utf8")) / 1024) : null;
  rmSync(rssFile, { force: true });
  return { ms, rssMb, ok: child.status === 0, stdout: child.stdout ?? "", stderr: child.stderr ?? "" };
}

/** Run a plain JavaScript file (the compiled code in dist/, no TypeScript loader) in a fresh Node process. */
function runCompiled(script: string, env: Record<string, string>, nodeFlags: string[] = []): Run {
  const started = performance.now();
  const child = spawnSync(process.execPath, [...nodeFlags, join(repo, script)], { cwd: repo, encoding: "utf8", env: { ...process.env, ...env, LOG_LEVEL: "warn" }, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
  return { ms: performance.now() - started, rssMb: null, ok: child.status === 0, stdout: child.stdout ?? "", stderr: child.stderr ?? "" };
}

function sizeOf(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

interface Row {
  label: string;
  chunks: number;
  ingestS: number | null;
  ingestRssMb: number | null;
  indexMb: number;
  coldS: number | null;
  coldNote: string;
  p50: number | null;
  p95: number | null;
  keyFacts: number | null;
  leadFacts: number | null;
  hitAt3: number | null;
  falseNoAnswer: number | null;
  mustNotAnswer: string;
}

function measure(label: string, extraChunks: number): Row {
  const root = mkdtempSync(join(tmpdir(), "coach-scale-"));
  const knowledgeDir = join(root, "knowledge");
  const dataDir = join(root, "data");
  cpSync(join(repo, "knowledge"), knowledgeDir, { recursive: true });
  const corpus = extraChunks > 0 ? generateCorpus(join(knowledgeDir, "organisation"), extraChunks) : { chunks: 0, documents: 0 };
  process.stderr.write(`[${label}] ${corpus.documents} generated documents, ${corpus.chunks} sections, in ${root}\n`);
  const env = { KNOWLEDGE_DIR: knowledgeDir, DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: "0" };
  mkdirSync(dataDir, { recursive: true });
  const row: Row = { label, chunks: 0, ingestS: null, ingestRssMb: null, indexMb: 0, coldS: null, coldNote: "", p50: null, p95: null, keyFacts: null, leadFacts: null, hitAt3: null, falseNoAnswer: null, mustNotAnswer: "–" };
  try {
    const ingest = run("adapters/cli/ingest.ts", [], env);
    row.chunks = Number(/Indexed (\d+) chunks/u.exec(ingest.stdout)?.[1] ?? 0);
    if (!ingest.ok) {
      process.stderr.write(`[${label}] ingest failed: ${ingest.stderr.slice(0, 400)}\n`);
      return row;
    }
    row.ingestS = ingest.ms / 1000;
    row.ingestRssMb = ingest.rssMb;
    row.indexMb = sizeOf(join(dataDir, "index")) / 1024 / 1024;
    process.stderr.write(`[${label}] ingest ${row.ingestS.toFixed(1)} s\n`);

    // Cold start as `npm start` runs: compiled (dist/), the same heap limit; if that is not
    // enough, say so and time it unbounded. The median of a few fresh processes.
    const heap = [`--max-old-space-size=${START_HEAP_MB}`];
    const colds: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      let cold = runCompiled("bench/cold-start-dist.mjs", env, row.coldNote ? [] : heap);
      if (!cold.ok && !row.coldNote) {
        row.coldNote = ` (needs > ${START_HEAP_MB} MB heap)`;
        cold = runCompiled("bench/cold-start-dist.mjs", env);
      }
      const coldMs = (JSON.parse(cold.stdout || "{}") as { coldStartMs?: number }).coldStartMs;
      if (cold.ok && coldMs !== undefined) colds.push(coldMs / 1000);
    }
    colds.sort((a, b) => a - b);
    row.coldS = colds.length ? colds[Math.floor((colds.length - 1) / 2)]! : null;
    process.stderr.write(`[${label}] cold start ${row.coldS ?? "failed"} s (median of ${colds.length}: ${colds.map((x) => x.toFixed(2)).join(", ")})${row.coldNote}\n`);

    const evalOut = join(root, "eval");
    const evaluation = run("evals/run.ts", ["--out", evalOut], env);
    const reportPath = join(evalOut, "report.json");
    if (!existsSync(reportPath)) {
      process.stderr.write(`[${label}] eval failed: ${evaluation.stderr.slice(0, 400)}\n`);
      return row;
    }
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as EvalReport;
    row.p50 = report.overall.latencyP50;
    row.p95 = report.overall.latencyP95;
    row.keyFacts = report.overall.keyFactRecall?.value ?? null;
    row.leadFacts = report.overall.leadFactRecall?.value ?? null;
    row.hitAt3 = report.overall.hitAt3?.value ?? null;
    row.falseNoAnswer = report.overall.falseNoAnswerRate?.value ?? null;
    // Questions that must be refused or left unanswered (out of scope, not in the guide, bypasses,
    // injections, held-out sets included) but were answered: what unrelated documents must never cause.
    const mustNot = report.cases.filter((c) => !c.expect.outcome.includes("answered"));
    const answered = mustNot.filter((c) => c.answer.outcome === "answered");
    row.mustNotAnswer = `${answered.length}/${mustNot.length}`;
    if (answered.length) process.stderr.write(`[${label}] answered though they must not be: ${answered.map((c) => c.id).join(", ")}\n`);
    return row;
  } finally {
    if (keep) process.stderr.write(`[${label}] kept ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  }
}

// Cold start is measured as `npm start` runs: compiled, so compile first when dist/ is stale.
spawnSync(process.execPath, [join(repo, "scripts/build-if-stale.mjs")], { cwd: repo, stdio: "inherit" });
const fmt = (x: number | null, digits: number) => (x === null ? "–" : x.toFixed(digits));
// Each row is printed as soon as it is measured: a long run that is stopped keeps what it found.
process.stdout.write(
  "| corpus | chunks | ingest | ingest peak RSS | index | cold start | p50 / p95 per question | p95 vs guide | key facts | lead facts | hit@3 | false no-answer | answered though must not |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
);
let guide: Row | null = null;
for (const [label, size] of [["guide alone", 0], ...sizes.map((n) => [`+ ~${n.toLocaleString("en")}`, n])] as [string, number][]) {
  const r = measure(label, size);
  guide ??= r;
  process.stdout.write(
    `| ${r.label} | ${r.chunks.toLocaleString("en")} | ${fmt(r.ingestS, 1)} s | ${r.ingestRssMb ?? "–"} MB | ${fmt(r.indexMb, 1)} MB | ${fmt(r.coldS, 2)} s${r.coldNote} | ${fmt(r.p50, 1)} / ${fmt(r.p95, 1)} ms | ${r.p95 !== null && guide.p95 ? `${(r.p95 / guide.p95).toFixed(1)}×` : "–"} | ${fmt(r.keyFacts, 3)} | ${fmt(r.leadFacts, 3)} | ${fmt(r.hitAt3, 3)} | ${fmt(r.falseNoAnswer, 3)} | ${r.mustNotAnswer} |\n`,
  );
}
