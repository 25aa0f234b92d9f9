import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IntentModel, type IntentModelFile } from "./intent-model.js";
import { loadTrainingExamples, trainingHash } from "./train-data.js";
import { Lexicon } from "./lexicon.js";
import { fold } from "./fold.js";
import { ADDRESSED, lexiconSignals } from "./signals.js";

/**
 * Where the intent classifier lives: `guard-model.json` in the built index directory, recorded
 * in the index manifest (`guard`: file, sha256, training hash, example count), so the classifier
 * is versioned with the index it ships with. `npm run ingest` builds it; a coach that finds it
 * missing, damaged or trained on other data retrains it (several seconds) and says so.
 */
export const GUARD_MODEL_FILE = "guard-model.json";

export interface GuardManifestEntry {
  file: string;
  sha256: string;
  trainingHash: string;
  features: string;
  examples: number;
  languages: number;
  trainedAt: string;
}

export interface TrainedGuard {
  model: IntentModel;
  entry: GuardManifestEntry;
  /** How the model was obtained, for the log line. */
  origin: "loaded" | "trained" | "cached";
}

// One model per training hash per process (tests build many coaches over the same knowledge).
const cache = new Map<string, { model: IntentModel; entry: GuardManifestEntry }>();

export function trainGuard(knowledgeDir: string): { model: IntentModel; file: IntentModelFile; entry: GuardManifestEntry } {
  const hash = trainingHash(knowledgeDir);
  const examples = loadTrainingExamples(knowledgeDir);
  // Each example with what the lexicon finds in it, as the guard will see it when scoring.
  const lexicon = Lexicon.fromKnowledge(knowledgeDir);
  const withSignals = examples.map((e) => {
    const folded = fold(e.text);
    return { ...e, signals: lexiconSignals(lexicon.matchFolded(folded), ADDRESSED.test(folded)) };
  });
  const model = IntentModel.train(withSignals, hash);
  const file = model.toFile(examples.length);
  const text = JSON.stringify(file);
  const entry: GuardManifestEntry = {
    file: GUARD_MODEL_FILE,
    sha256: createHash("sha256").update(text).digest("hex"),
    trainingHash: hash,
    features: file.features,
    examples: examples.length,
    languages: new Set(examples.map((e) => e.lang)).size,
    trainedAt: file.trainedAt,
  };
  return { model, file, entry };
}

/** Train the classifier and store it beside the index, recording it in the index manifest. */
export function buildGuardModel(knowledgeDir: string, indexDir: string): GuardManifestEntry {
  const { model, file, entry } = trainGuard(knowledgeDir);
  writeAtomically(join(indexDir, GUARD_MODEL_FILE), JSON.stringify(file));
  recordInManifest(indexDir, entry);
  remember(entry.trainingHash, model, entry);
  return entry;
}

function remember(hash: string, model: IntentModel, entry: GuardManifestEntry): void {
  cache.delete(hash);
  cache.set(hash, { model, entry });
  while (cache.size > 2) cache.delete(cache.keys().next().value!);
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function recordInManifest(indexDir: string, entry: GuardManifestEntry): void {
  const path = join(indexDir, "manifest.json");
  if (!existsSync(path)) return;
  const manifest = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  manifest.guard = entry;
  writeAtomically(path, JSON.stringify(manifest, null, 2));
}

/**
 * The classifier for the current training data: from the index directory when its manifest
 * entry matches, otherwise trained now (and stored when the directory is writable).
 */
export function loadGuardModel(knowledgeDir: string, indexDir: string | null, onNote: (note: string) => void = () => undefined): TrainedGuard {
  const hash = trainingHash(knowledgeDir);
  const cached = cache.get(hash);
  if (cached) return { ...cached, origin: "cached" };
  if (indexDir) {
    try {
      const manifest = JSON.parse(readFileSync(join(indexDir, "manifest.json"), "utf8")) as { guard?: GuardManifestEntry };
      const entry = manifest.guard;
      if (entry && entry.trainingHash === hash) {
        const text = readFileSync(join(indexDir, entry.file), "utf8");
        if (createHash("sha256").update(text).digest("hex") === entry.sha256) {
          const model = IntentModel.fromFile(JSON.parse(text) as IntentModelFile);
          remember(hash, model, entry);
          return { model, entry, origin: "loaded" };
        }
        onNote("guard model checksum mismatch: retraining");
      } else onNote(entry ? "guard model trained on other data: retraining" : "no guard model beside the index: training it");
    } catch (error) {
      onNote(`guard model unreadable (${(error as Error).message.slice(0, 80)}): retraining`);
    }
  }
  if (indexDir) {
    try {
      const entry = buildGuardModel(knowledgeDir, indexDir);
      return { ...cache.get(hash)!, entry, origin: "trained" };
    } catch (error) {
      onNote(`guard model not stored (${(error as Error).message.slice(0, 80)}): kept in memory`);
    }
  }
  const { model, entry } = trainGuard(knowledgeDir);
  remember(hash, model, entry);
  return { model, entry, origin: "trained" };
}
