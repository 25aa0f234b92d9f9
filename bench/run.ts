/**
 * `npm run bench`: speed, memory and retrieval quality in one run, with a plain BM25 baseline
 * (Orama, a well-known search library) on the same chunks and the same eval questions.
 * Prints figures; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { create, insertMultiple, search } from "@orama/orama";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/logger.js";
import { createCoach } from "../src/coach.js";
import { buildIndex, indexTextOf } from "../src/retrieval/index-store.js";
import { readDataset, type EvalCase } from "../evals/dataset.js";
import { percentile } from "../evals/metrics.js";
import { Glossary } from "../src/knowledge/glossary.js";
import { HybridRetriever } from "../src/retrieval/retriever.js";
import { Guard } from "../src/guardrails/guard.js";
import { buildGuardModel } from "../src/guardrails/guard-model-store.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const config = { ...loadConfig(), rateLimitPerMinute: 0 };
const out = (label: string, value: string) => process.stdout.write(`${label.padEnd(34)} ${value}\n`);

// 1. Ingest
let t = performance.now();
const index = await buildIndex(config.knowledgeDir, config.dataDir);
out("ingest", `${(performance.now() - t).toFixed(0)} ms (${index.manifest.chunkCount} chunks, ${index.manifest.embedder.dimensions} dims)`);
// As `npm run ingest` does: the rails' intent classifier is trained with the index.
t = performance.now();
const guardEntry = buildGuardModel(config.knowledgeDir, index.dir);
out("train the rails' classifier", `${(performance.now() - t).toFixed(0)} ms (${guardEntry.examples} examples, ${guardEntry.languages} languages)`);

// 2. Cold start in a fresh process: load the built index and answer one question, from the
// TypeScript sources under tsx (npm run ask, the tests) and compiled in dist/ (npm start, Docker).
// Each is started three times, alternately, and the median kept: the machine may be shared.
spawnSync(process.execPath, [join(repo, "scripts/build-if-stale.mjs")], { cwd: repo, stdio: "inherit" });
const coldStarts = { tsx: [] as number[], dist: [] as number[] };
for (let round = 0; round < 3; round++) {
  for (const [kind, args] of [
    ["tsx", ["--import", "tsx", join(repo, "bench/cold-start.ts")]],
    ["dist", [join(repo, "bench/cold-start-dist.mjs")]],
  ] as const) {
    const cold = spawnSync(process.execPath, args, { cwd: repo, encoding: "utf8", env: process.env });
    const ms = (JSON.parse(cold.stdout || "{}") as { coldStartMs?: number }).coldStartMs;
    if (ms === undefined) process.stderr.write(`cold start (${kind}) failed: ${cold.stderr.slice(0, 300)}\n`);
    else coldStarts[kind].push(ms);
  }
}
const median = (xs: number[]) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const [coldTsx, coldDist] = [median(coldStarts.tsx), median(coldStarts.dist)];
out("cold start, tsx (process → answer)", `${coldTsx} ms (median of ${coldStarts.tsx.join(", ")})`);
out("cold start, dist/ (npm start)", `${coldDist} ms (median of ${coldStarts.dist.join(", ")}); ${(coldDist / coldTsx).toFixed(2)}× tsx`);

// 3. Latency over ≥ 200 questions
const datasetDir = join(repo, "evals/datasets");
const cases: EvalCase[] = readdirSync(datasetDir)
  .filter((f) => f.endsWith(".jsonl"))
  .flatMap((f) => readDataset(join(datasetDir, f)).cases);
const calibration = readFileSync(join(repo, "evals/calibration/answerability.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { question: string }).question);
const misspell = (q: string) => q.replace(/([a-z])([a-z])([a-z]{3,})/gu, (_, a: string, b: string, rest: string) => `${b}${a}${rest}`);
const questions = [...cases.map((c) => c.question), ...calibration, ...cases.map((c) => misspell(c.question)), ...calibration.map((q) => q.toUpperCase())];
const coach = await createCoach(config, silentLogger);
for (const q of questions.slice(0, 20)) await coach.ask({ text: q, history: [], user: { id: "b", platform: "cli" }, conversationId: "b" }); // warm-up
const latencies: number[] = [];
for (const [i, q] of questions.entries()) {
  t = performance.now();
  // One conversation per question: a question that starts a practice session must not turn the
  // next one into a practice answer.
  await coach.ask({ text: q, history: [], user: { id: "b", platform: "cli" }, conversationId: `b-${i}` });
  latencies.push(performance.now() - t);
}
latencies.sort((a, b) => a - b);
out("answer latency", `p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p95 ${percentile(latencies, 0.95).toFixed(2)} ms over ${latencies.length} questions`);

// 3a. What the safety and injection rails add per question (lexicon + intent classifier + phrase
// patterns over the turn and its history), on a guard with an empty cache, each question once.
const guard = Guard.fromKnowledge(config.knowledgeDir, index.dir);
for (const q of questions.slice(0, 20)) guard.injection(`${q} (warm-up)`, []);
const railLatency: number[] = [];
for (const c of cases) {
  t = performance.now();
  if (!guard.safety(c.question, c.history)) guard.injection(c.question, c.history);
  railLatency.push(performance.now() - t);
}
for (const q of calibration) {
  t = performance.now();
  if (!guard.safety(q, [])) guard.injection(q, []);
  railLatency.push(performance.now() - t);
}
railLatency.sort((a, b) => a - b);
out("safety + injection rails", `p50 ${percentile(railLatency, 0.5).toFixed(2)} ms, p95 ${percentile(railLatency, 0.95).toFixed(2)} ms over ${railLatency.length} questions (classifier: ${guard.modelInfo?.examples ?? "?"} examples, ${guard.modelInfo?.languages ?? "?"} languages)`);

// 3b. Coaching steps: whole practice sessions, checklists and plans, timed per message
const coachingLatency: number[] = [];
const practiceAnswer = "We'd integrate with the historian and sensor network, run inference at the edge because the plant is air-gapped, and track leading indicators through a 12-24 month pilot.";
for (let session = 0; session < 40; session++) {
  const say = async (text: string) => {
    const started = performance.now();
    const answer = await coach.ask({ text, history: [], user: { id: `bench-${session}`, platform: "cli" }, conversationId: `bench-${session}` });
    coachingLatency.push(performance.now() - started);
    return answer;
  };
  let step = await say("quiz me");
  while (step.coaching?.stage === "question") step = await say(practiceAnswer);
  step = await say("Run a readiness check on me");
  while (step.coaching?.stage === "question") step = await say(session % 2 ? "partly" : "not yet");
  await say(`study plan: data scientist at a car plant, no OT background, ${3 + (session % 8)} hours a week`);
}
coachingLatency.sort((a, b) => a - b);
out("coaching step latency", `p50 ${percentile(coachingLatency, 0.5).toFixed(2)} ms, p95 ${percentile(coachingLatency, 0.95).toFixed(2)} ms over ${coachingLatency.length} steps (40 practice sessions, checklists, plans)`);

// 4. Retrieval quality: ours vs plain BM25 on the same chunks and questions
// Questions to the guide only: practice answers and plan requests are not retrieval queries.
const retrievalCases = cases.filter((c) => c.expect.sections.length > 0 && c.expect.outcome.includes("answered") && c.question.trim() && !c.setup && !c.expect.coaching);
const hit = (titles: string[], c: EvalCase) => titles.slice(0, 3).some((title) => c.expect.sections.some((s) => s.toLowerCase() === title.toLowerCase()));

const retriever = new HybridRetriever(index, Glossary.fromFile(join(config.knowledgeDir, "glossary.json")));
let oursHits = 0;
const oursLatency: number[] = [];
for (const c of retrievalCases) {
  t = performance.now();
  const r = await retriever.retrieve(c.question, c.history, 3);
  oursLatency.push(performance.now() - t);
  if (hit(r.results.map((x) => x.chunk.title), c)) oursHits++;
}

const orama = create({ schema: { title: "string", body: "string" } as const });
await insertMultiple(orama, index.chunks.map((c) => ({ id: c.id, title: c.title, body: indexTextOf(c) })));
const titleOf = new Map(index.chunks.map((c) => [c.id, c.title]));
let baseHits = 0;
const baseLatency: number[] = [];
for (const c of retrievalCases) {
  // A plain search box sees the conversation as one query, as most bots do.
  const term = [...c.history.filter((m) => m.role === "user").map((m) => m.content), c.question].join(" ");
  t = performance.now();
  const res = await search(orama, { term, limit: 3 });
  baseLatency.push(performance.now() - t);
  if (hit(res.hits.map((h) => titleOf.get(h.id) ?? ""), c)) baseHits++;
}
oursLatency.sort((a, b) => a - b);
baseLatency.sort((a, b) => a - b);
process.stdout.write(`\nRetrieval on ${retrievalCases.length} eval questions with expected sections (same chunks):\n`);
out("  ours (dense + BM25 + headings, fused)", `hit@3 ${(oursHits / retrievalCases.length).toFixed(3)}, p50 ${percentile(oursLatency, 0.5).toFixed(2)} ms, p95 ${percentile(oursLatency, 0.95).toFixed(2)} ms`);
out("  baseline: Orama BM25", `hit@3 ${(baseHits / retrievalCases.length).toFixed(3)}, p50 ${percentile(baseLatency, 0.5).toFixed(2)} ms, p95 ${percentile(baseLatency, 0.95).toFixed(2)} ms`);

// 5. Memory
out("\npeak RSS", `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
