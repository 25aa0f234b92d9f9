import { fold } from "./fold.js";

/**
 * The "why" signal of the meaning-based rails: a small multinomial logistic regression over
 * hashed character n-grams (2–5, across word boundaries, so it reads any script and survives
 * inflection and typos) and word uni- and bigrams. Classes: `none` (questions, including the hard
 * negatives that use the same words: authorising a bypass, designing a light curtain, audits),
 * `bypass` (defeat, circumvent, fake or auto-reset a safety function) and `injection` (reveal or
 * override the coach's instructions, switch its role, obey embedded text).
 *
 * Trained at build time (`npm run ingest`) on knowledge/safety/train*.jsonl, with no download;
 * deterministic for the same data. Scoring is linear in the text: long texts are read in
 * overlapping windows and the most suspicious window counts. Besides the text, the classifier
 * reads what the lexicon found in it (see signals.ts), so what it learns about "a defeat word
 * with a named safety function" carries across languages.
 */
export const INTENT_FEATURES_VERSION = "char2-5+word1-2+lexicon/h17/v4";
export const CLASSES = ["none", "bypass", "injection"] as const;
export type IntentClass = (typeof CLASSES)[number];

const BITS = 17;
const DIM = 1 << BITS;
const MASK = DIM - 1;
const K = CLASSES.length;
const WINDOW = 480;
const STEP = 400;
/** A lexicon signal weighs as much as a few n-grams before normalisation. */
const SIGNAL_VALUE = 1;

/**
 * How the classifier is fitted (part of the training hash, so a change retrains). Twenty-four
 * passes rather than six: at six, and still at sixteen, the fit had not settled, so the visiting
 * order (the seed, or only the order of lines in a training file) decided which borderline texts
 * crossed a threshold, and held-out figures moved by a case or two on every retrain. At 24 passes
 * seeds 7 and 13, 24 and 40 passes, and a reordered training file give the same dev and held-out
 * figures. A larger step size or L2 and bagged fits were tried too: cross-validation on the
 * written training sentences did not favour them.
 */
export const TRAINING = { epochs: 24, rate: 0.5, l2: 1e-6, seeds: [13] as number[] };

export interface TrainingExample {
  text: string;
  label: IntentClass;
  /** Lexicon signals of the text (see signals.ts). */
  signals?: readonly string[];
}

function hashSignal(name: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) & MASK;
}

export interface IntentModelFile {
  format: 1;
  features: string;
  classes: readonly string[];
  /** sha256 of the training files and lexicon the model was fitted on. */
  trainingHash: string;
  examples: number;
  trainedAt: string;
  bias: number[];
  /** Float32 weights, DIM × classes, little-endian, base64. */
  weights: string;
}

/** Indices and values of the L2-normalised feature vector of already-folded text and its lexicon signals. */
function features(folded: string, signals: readonly string[] = []): { idx: Int32Array; val: Float32Array } {
  const text = ` ${folded.replace(/\s+/gu, " ")} `;
  const n = text.length;
  // At most 4 character n-grams per position and 2 word features per word.
  const raw = new Int32Array(n * 4 + n + 2);
  let count = 0;
  // Character n-grams, 2..5 (UTF-16 units), hashed incrementally (FNV-1a, one seed per n).
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let k = 1; k <= 5 && i + k <= n; k++) {
      h ^= text.charCodeAt(i + k - 1);
      h = Math.imul(h, 0x01000193);
      if (k >= 2) raw[count++] = ((h ^ Math.imul(k, 0x9e3779b1)) >>> 0) & MASK;
    }
  }
  // Words and word pairs (letters and digits; everything else separates).
  let previous = 0;
  let h = 0x2545f491;
  let inWord = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    const letter = c >= 0x30 && (c > 0x7f || (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a));
    if (letter) {
      h ^= c;
      h = Math.imul(h, 0x01000193);
      inWord = true;
    } else if (inWord) {
      raw[count++] = (h >>> 0) & MASK;
      if (previous) raw[count++] = ((Math.imul(previous, 31) ^ h ^ 0x5bd1e995) >>> 0) & MASK;
      previous = h || 1;
      h = 0x2545f491;
      inWord = false;
    }
  }
  const sorted = raw.subarray(0, count).sort();
  const idx = new Int32Array(count + signals.length);
  const val = new Float32Array(count + signals.length);
  let m = 0;
  let norm = 0;
  for (const s of signals) {
    idx[m] = hashSignal(s);
    val[m++] = SIGNAL_VALUE;
    norm += SIGNAL_VALUE * SIGNAL_VALUE;
  }
  for (let i = 0; i < count; ) {
    let j = i;
    while (j < count && sorted[j] === sorted[i]) j++;
    const v = 1 + Math.log(j - i);
    idx[m] = sorted[i]!;
    val[m++] = v;
    norm += v * v;
    i = j;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < m; i++) val[i] = val[i]! / norm;
  return { idx: idx.subarray(0, m), val: val.subarray(0, m) };
}

function softmax(z: number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** One fit in one seeded order (see IntentModel.train). */
function fitOnce(
  data: { idx: Int32Array; val: Float32Array; y: number }[],
  classWeight: number[],
  { epochs, rate, l2, seed }: { epochs: number; rate: number; l2: number; seed: number },
): { w: Float32Array; b: number[] } {
  const w = new Float32Array(DIM * K);
  const g2 = new Float32Array(DIM * K).fill(1e-2);
  const b = new Array<number>(K).fill(0);
  const bg2 = new Array<number>(K).fill(1e-2);
  let state = seed;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const order = data.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const n of order) {
      const { idx, val, y } = data[n]!;
      const z = b.slice();
      for (let f = 0; f < idx.length; f++) for (let k = 0; k < K; k++) z[k]! += w[idx[f]! * K + k]! * val[f]!;
      const p = softmax(z);
      const cw = classWeight[y]!;
      for (let k = 0; k < K; k++) {
        const g = (p[k]! - (k === y ? 1 : 0)) * cw;
        bg2[k]! += g * g;
        b[k]! -= (rate / Math.sqrt(bg2[k]!)) * g;
        for (let f = 0; f < idx.length; f++) {
          const at = idx[f]! * K + k;
          const grad = g * val[f]! + l2 * w[at]!;
          g2[at]! += grad * grad;
          w[at]! -= (rate / Math.sqrt(g2[at]!)) * grad;
        }
      }
    }
  }
  return { w, b };
}

export class IntentModel {
  private constructor(
    private readonly w: Float32Array,
    private readonly b: number[],
    readonly trainingHash: string,
  ) {}

  static fromFile(file: IntentModelFile): IntentModel {
    if (file.format !== 1 || file.features !== INTENT_FEATURES_VERSION || file.classes.join() !== CLASSES.join()) throw new Error("intent model was built by another version");
    const bytes = Buffer.from(file.weights, "base64");
    const w = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    if (w.length !== DIM * K) throw new Error("intent model has the wrong size");
    return new IntentModel(w, file.bias, file.trainingHash);
  }

  /**
   * Multinomial logistic regression by stochastic gradient descent with AdaGrad step sizes and
   * L2, classes weighted by inverse frequency; examples visited in a seeded order. With several
   * seeds the model is the average of one fit per seed (three seeds cost three times the
   * training and moved no dev or held-out figure, so the default is one).
   */
  static train(examples: TrainingExample[], trainingHash: string, { epochs = TRAINING.epochs, rate = TRAINING.rate, l2 = TRAINING.l2, seeds = TRAINING.seeds } = {}): IntentModel {
    const data = examples.map((e) => ({ ...features(fold(e.text), e.signals), y: CLASSES.indexOf(e.label) }));
    const counts = CLASSES.map((_, k) => data.filter((d) => d.y === k).length || 1);
    const classWeight = counts.map((c) => data.length / (K * c));
    const w = new Float32Array(DIM * K);
    const b = new Array<number>(K).fill(0);
    for (const seed of seeds) {
      const fit = fitOnce(data, classWeight, { epochs, rate, l2, seed });
      for (let i = 0; i < w.length; i++) w[i]! += fit.w[i]! / seeds.length;
      for (let k = 0; k < K; k++) b[k]! += fit.b[k]! / seeds.length;
    }
    return new IntentModel(w, b, trainingHash);
  }

  toFile(examples: number): IntentModelFile {
    return {
      format: 1,
      features: INTENT_FEATURES_VERSION,
      classes: CLASSES,
      trainingHash: this.trainingHash,
      examples,
      trainedAt: new Date().toISOString(),
      bias: this.b.map((x) => Math.round(x * 1e6) / 1e6),
      weights: Buffer.from(this.w.buffer, this.w.byteOffset, this.w.byteLength).toString("base64"),
    };
  }

  /** Class probabilities of already-folded text (one window). */
  private scoreWindow(folded: string, signals: readonly string[]): number[] {
    const { idx, val } = features(folded, signals);
    const w = this.w;
    let z0 = this.b[0]!;
    let z1 = this.b[1]!;
    let z2 = this.b[2]!;
    for (let f = 0; f < idx.length; f++) {
      const at = idx[f]! * K;
      const v = val[f]!;
      z0 += w[at]! * v;
      z1 += w[at + 1]! * v;
      z2 += w[at + 2]! * v;
    }
    return softmax([z0, z1, z2]);
  }

  /**
   * Probability of each class for already-folded text; a long text is read in overlapping
   * windows and each class keeps its highest probability across windows.
   */
  scoreFolded(folded: string, signals: readonly string[] = []): Record<IntentClass, number> {
    const out = { none: 0, bypass: 0, injection: 0 };
    const chars = [...folded];
    const windows: string[] = [];
    if (chars.length <= WINDOW) windows.push(folded);
    else for (let i = 0; i < chars.length; i += STEP) {
      windows.push(chars.slice(i, i + WINDOW).join(""));
      if (i + WINDOW >= chars.length) break;
    }
    for (const win of windows) {
      const p = this.scoreWindow(win, signals);
      CLASSES.forEach((c, k) => (out[c] = Math.max(out[c], p[k]!)));
    }
    return out;
  }

  score(text: string, signals: readonly string[] = []): Record<IntentClass, number> {
    return this.scoreFolded(fold(text), signals);
  }
}
