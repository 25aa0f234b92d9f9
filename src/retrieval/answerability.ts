import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../paths.js";

/** The retrieval evidence the answer/no-answer decision rests on. */
export interface Evidence {
  /** Share of the question's weight the guide knows: known-term IDF vs unknown words by rarity. */
  coverage: number;
  /** Share of the known-term IDF found in the best chunk. */
  topShare: number;
  /** Best BM25 score divided by the question's total term IDF. */
  lexicalTop: number;
  /** Best cosine similarity from the HNSW index. */
  denseTop: number;
  /** Rarity in everyday English of the rarest word the guide does not know (0 when none). */
  maxUnknownRarity: number;
  /** Best BM25 score divided by the IDF of the known terms only. */
  lexicalKnown: number;
  /** Share of the question's words the guide knows, each word counted once whatever its weight. */
  knownWordShare: number;
  /** Number of content terms in the question. */
  termCount: number;
  /** 1 when the question names something the guide names (a company, product, standard, section). */
  named: number;
  /** Share of the question's content words that belong to the guide's world (its names, headings, rare terms). */
  worldShare: number;
  /** How close the question is to a way people ask for a guide sentence (knowledge/questions.json), 0 when none. */
  asked?: number;
}

export const FEATURE_NAMES = ["coverage", "topShare", "lexicalTop", "denseTop", "maxUnknownRarity", "lexicalKnown", "knownWordShare", "named", "worldShare", "asked"] as const;

export interface AnswerabilityModel {
  weights: number[];
  bias: number;
  threshold: number;
  trainedOn: string;
  trainedAt: string;
}

export function featuresOf(e: Evidence): number[] {
  return FEATURE_NAMES.map((name) => e[name] ?? 0);
}

export function probabilityAnswerable(model: AnswerabilityModel, e: Evidence): number {
  const z = model.bias + featuresOf(e).reduce((sum, x, i) => sum + x * (model.weights[i] ?? 0), 0);
  return 1 / (1 + Math.exp(-z));
}

export function isAnswerable(model: AnswerabilityModel, e: Evidence): boolean {
  return e.termCount > 0 && probabilityAnswerable(model, e) >= model.threshold;
}

export const MODEL_PATH = join(PROJECT_ROOT, "src", "retrieval", "answerability-model.json");

/**
 * Logistic regression fitted by `npm run calibrate` on evals/calibration/answerability.jsonl, a
 * set of questions kept apart from the eval datasets.
 */
export function loadAnswerabilityModel(path = MODEL_PATH): AnswerabilityModel {
  return JSON.parse(readFileSync(path, "utf8")) as AnswerabilityModel;
}

/** Plain batch gradient descent with L2; the data set is small, so this is exact enough and fast. */
export function fitLogistic(xs: number[][], ys: number[], { epochs = 4000, rate = 0.5, l2 = 0.001 } = {}): { weights: number[]; bias: number } {
  const d = xs[0]?.length ?? 0;
  const weights = new Array<number>(d).fill(0);
  let bias = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    xs.forEach((x, i) => {
      const p = 1 / (1 + Math.exp(-(bias + x.reduce((s, v, j) => s + v * weights[j]!, 0))));
      const err = p - ys[i]!;
      x.forEach((v, j) => (gw[j] = gw[j]! + err * v));
      gb += err;
    });
    for (let j = 0; j < d; j++) weights[j] = weights[j]! - rate * (gw[j]! / xs.length + l2 * weights[j]!);
    bias -= (rate * gb) / xs.length;
  }
  return { weights: weights.map(round), bias: round(bias) };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
