/**
 * `npm run calibrate`: fit the answer/no-answer model on evals/calibration/answerability.jsonl
 * (questions kept apart from the eval datasets) and write src/retrieval/answerability-model.json.
 * Re-run it after large edits to knowledge/.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/logger.js";
import { openIndex } from "../src/retrieval/index-store.js";
import { HybridRetriever } from "../src/retrieval/retriever.js";
import { Glossary } from "../src/knowledge/glossary.js";
import { featuresOf, fitLogistic, MODEL_PATH, type AnswerabilityModel } from "../src/retrieval/answerability.js";
import { join } from "node:path";
import type { HistoryMessage } from "../src/types.js";
import { AnsweredQuestions, termWeightIn } from "../src/knowledge/questions.js";
import { shapeOf } from "../src/compose/question.js";

const DATA = "evals/calibration/answerability.jsonl";
const config = loadConfig();
const index = await openIndex(config.knowledgeDir, config.dataDir, silentLogger);
const retriever = new HybridRetriever(index, Glossary.fromFile(join(config.knowledgeDir, "glossary.json")));
// The coach matches the question (not its history) against the ways people ask for each sentence.
const answered = AnsweredQuestions.fromFile(join(config.knowledgeDir, "questions.json"), retriever.guideChunks, (q) => shapeOf(q).numberKind);
const termWeight = termWeightIn({ has: (t) => retriever.knows(t), idf: (t) => retriever.idf(t) });
const rows = readFileSync(DATA, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { question: string; answerable: boolean; history?: HistoryMessage[] });
const xs: number[][] = [];
const ys: number[] = [];
for (const row of rows) {
  const r = await retriever.retrieve(row.question, row.history ?? []);
  xs.push(featuresOf({ ...r.evidence, asked: answered.match(row.question, termWeight, 0.5, shapeOf(row.question).numberKind)[0]?.score ?? 0 }));
  ys.push(row.answerable ? 1 : 0);
}
const { weights, bias } = fitLogistic(xs, ys);
const prob = (x: number[]) => 1 / (1 + Math.exp(-(bias + x.reduce((s, v, j) => s + v * weights[j]!, 0))));
// A wrong "the guide doesn't cover that" on an honest question costs the user as much as a
// loosely related answer with its sources shown (which they can judge), so errors count equally.
let best = { threshold: 0.5, cost: Infinity };
for (let t = 0.3; t <= 0.7; t += 0.01) {
  let cost = 0;
  xs.forEach((x, i) => {
    const answer = prob(x) >= t;
    if (answer && ys[i] === 0) cost += 1;
    if (!answer && ys[i] === 1) cost += 1;
  });
  if (cost < best.cost) best = { threshold: Math.round(t * 100) / 100, cost };
}
const model: AnswerabilityModel = { weights, bias, threshold: best.threshold, trainedOn: DATA, trainedAt: new Date().toISOString() };
writeFileSync(MODEL_PATH, `${JSON.stringify(model, null, 2)}\n`);
const correct = xs.filter((x, i) => (prob(x) >= best.threshold ? 1 : 0) === ys[i]).length;
process.stdout.write(`Fitted on ${rows.length} questions: training accuracy ${(correct / rows.length).toFixed(3)}, threshold ${best.threshold}\n`);
rows.forEach((row, i) => {
  const answer = prob(xs[i]!) >= best.threshold;
  if (answer !== row.answerable) process.stdout.write(`  misjudged (${prob(xs[i]!).toFixed(2)}): ${row.question}  ${JSON.stringify(xs[i])}\n`);
});
