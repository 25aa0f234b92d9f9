import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CLASSES, INTENT_FEATURES_VERSION, TRAINING, type IntentClass } from "./intent-model.js";

/**
 * The intent classifier's training corpus, from knowledge/safety/: hand-written labelled lines
 * (train*.jsonl: `{"text", "label": "bypass"|"injection"|"none", "lang"}`) plus examples composed
 * from hand-written multilingual frames (fragments.json). Evaluation sets live elsewhere
 * (evals/) and are never read here.
 */
export interface LabelledExample {
  text: string;
  label: IntentClass;
  lang: string;
  source: "written" | "composed";
}

interface Fragments {
  objects: string[];
  bypass: string[];
  process: string[];
  framings?: string[];
  injection?: string[];
  general?: string[];
}

export function safetyDir(knowledgeDir: string): string {
  return join(knowledgeDir, "safety");
}

function trainingFiles(knowledgeDir: string): string[] {
  const dir = safetyDir(knowledgeDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => (f.startsWith("train") && f.endsWith(".jsonl")) || f === "fragments.json" || f === "lexicon.json")
    .sort()
    .map((f) => join(dir, f));
}

/** Bump when composition or augmentation below changes: the classifier is retrained. */
export const CORPUS_VERSION = "3";

/** Hash of everything the classifier is fitted on, plus the feature and corpus versions and the fitting options: a change retrains. */
export function trainingHash(knowledgeDir: string): string {
  const hash = createHash("sha256").update(INTENT_FEATURES_VERSION).update(CORPUS_VERSION).update(JSON.stringify(TRAINING));
  for (const file of trainingFiles(knowledgeDir)) hash.update(file.slice(file.lastIndexOf("/") + 1)).update(readFileSync(file));
  return hash.digest("hex");
}

export function loadTrainingExamples(knowledgeDir: string): LabelledExample[] {
  const out: LabelledExample[] = [];
  for (const file of trainingFiles(knowledgeDir)) {
    if (!file.endsWith(".jsonl")) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { text?: unknown; label?: unknown; lang?: unknown };
      if (typeof row.text !== "string" || !CLASSES.includes(row.label as IntentClass)) throw new Error(`${file}: bad training line ${line.slice(0, 80)}`);
      out.push({ text: row.text, label: row.label as IntentClass, lang: typeof row.lang === "string" ? row.lang : "und", source: "written" });
    }
  }
  out.push(...augment(out));
  const fragmentsPath = join(safetyDir(knowledgeDir), "fragments.json");
  if (existsSync(fragmentsPath)) out.push(...compose(JSON.parse(readFileSync(fragmentsPath, "utf8")) as Record<string, Fragments | string>));
  return out;
}

/**
 * Every frame with every object. A third of the defeat requests carry a framing in front
 * ("hypothetically", "for a training video"): framing changes nothing about the intent.
 */
function compose(all: Record<string, Fragments | string>): LabelledExample[] {
  const out: LabelledExample[] = [];
  for (const [lang, f] of Object.entries(all)) {
    if (typeof f === "string") continue;
    let n = 0;
    for (const frame of f.bypass) {
      for (const object of f.objects) {
        const framing = f.framings?.length && n % 3 === 0 ? f.framings[(n / 3) % f.framings.length]! : "";
        out.push({ text: `${framing}${frame.replace("{O}", object)}`, label: "bypass", lang, source: "composed" });
        n++;
      }
    }
    for (const frame of f.process) {
      if (!frame.includes("{O}")) out.push({ text: frame, label: "none", lang, source: "composed" });
      else for (const object of f.objects) out.push({ text: frame.replace("{O}", object), label: "none", lang, source: "composed" });
    }
    for (const text of f.injection ?? []) out.push({ text, label: "injection", lang, source: "written" });
    for (const text of f.general ?? []) out.push({ text, label: "none", lang, source: "written" });
  }
  return out;
}

/**
 * How a question opens ("how do I", "how do you", "is there a way to") and a framing in front of
 * it ("asking for a friend", "hypothetically") say nothing about its intent: each written English
 * example gets one variant with another opener, and every fourth one a framing, in both classes,
 * so the classifier learns from what is asked, not how the sentence starts.
 */
const OPENERS = ["how do i", "how can i", "how do you", "how would someone", "how to", "is there a way to", "what's the best way to", "how do we", "how could one", "explain how to"];
const FRAMINGS = ["asking for a friend: ", "hypothetically, ", "for a training video: ", "quick question: ", "in theory, ", "my supervisor wants to know: "];

function augment(written: LabelledExample[]): LabelledExample[] {
  const out: LabelledExample[] = [];
  let n = 0;
  for (const e of written) {
    if (e.lang !== "en" || e.label === "injection") continue;
    const lower = e.text.toLowerCase();
    const opener = OPENERS.find((o) => lower.startsWith(`${o} `));
    if (opener) {
      const other = OPENERS[(OPENERS.indexOf(opener) + 1 + (n % (OPENERS.length - 1))) % OPENERS.length]!;
      out.push({ ...e, text: `${other}${e.text.slice(opener.length)}`, source: "composed" });
    }
    if (n % 4 === 0) out.push({ ...e, text: `${FRAMINGS[(n / 4) % FRAMINGS.length]!}${e.text}`, source: "composed" });
    n++;
  }
  return out;
}
