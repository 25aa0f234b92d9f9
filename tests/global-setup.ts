import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { buildIndex } from "../src/retrieval/index-store.js";
import { buildGuardModel } from "../src/guardrails/guard-model-store.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A DATA_DIR holding the index (and the rails' classifier) built once from knowledge/, as `npm run ingest` builds it. */
    builtDataDir: string;
  }
}

/**
 * Builds the index once for the whole run. Every test workspace starts from a copy of it, as a
 * deployed replica starts from the image's index, instead of rebuilding it (a few seconds) in
 * each file; tests about building and rebuilding ask for an empty data dir.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dataDir = mkdtempSync(join(tmpdir(), "coach-built-index-"));
  const knowledgeDir = resolve(import.meta.dirname, "..", "knowledge");
  const index = await buildIndex(knowledgeDir, dataDir);
  buildGuardModel(knowledgeDir, index.dir);
  project.provide("builtDataDir", dataDir);
  return () => rmSync(dataDir, { recursive: true, force: true });
}
