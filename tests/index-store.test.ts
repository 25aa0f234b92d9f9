import { appendFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildIndex, loadBuiltIndex, openIndex } from "../src/retrieval/index-store.js";
import { IndexCorruptError } from "../src/errors.js";
import { recordingLogger, tempWorkspace } from "./helpers.js";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function workspace() {
  const ws = tempWorkspace({ index: false });
  cleanups.push(ws.cleanup);
  return ws;
}

describe("index store", () => {
  it("saves and loads the same index (round trip in a temp dir)", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    const loaded = await loadBuiltIndex(ws.knowledgeDir, ws.dataDir);
    expect(loaded.manifest).toEqual(built.manifest);
    expect(loaded.manifest.chunkCount).toBe(built.chunks.length);
    expect(loaded.manifest.embedder).toEqual({ id: "hashing-ngram-v1", dimensions: 1024 });
    const v = built.embedder.vectorize("edge inference on the line");
    const a = await built.vectors.similaritySearchVectorWithScore(v, 3);
    const b = await loaded.vectors.similaritySearchVectorWithScore(v, 3);
    expect(b.map(([d, s]) => [d.metadata.chunkId, s.toFixed(5)])).toEqual(a.map(([d, s]) => [d.metadata.chunkId, s.toFixed(5)]));
  });

  it("leaves no temp dir behind and writes the manifest with content hash and build time", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    expect(readdirSync(join(ws.dataDir, "index")).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(built.dir, "manifest.json"), "utf8"));
    expect(manifest.contentHash).toMatch(/^[0-9a-f]{64}$/u);
    expect(Date.parse(manifest.builtAt)).not.toBeNaN();
  });

  it("refuses a missing index and rebuilds it with one log line", async () => {
    const ws = workspace();
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toBeInstanceOf(IndexCorruptError);
    const { logger, lines } = recordingLogger();
    const index = await openIndex(ws.knowledgeDir, ws.dataDir, logger);
    expect(index.chunks.length).toBeGreaterThan(20);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/rebuilding/u);
  });

  it("rebuilds when the knowledge changes, and the new text is searchable", async () => {
    const ws = workspace();
    const first = await buildIndex(ws.knowledgeDir, ws.dataDir);
    appendFileSync(join(ws.knowledgeDir, "ai-pm-in-manufacturing.md"), "\n## Zymurgy stations\n\nZymurgy stations brew test batches.\n");
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/No built index/u);
    const { logger, lines } = recordingLogger();
    const second = await openIndex(ws.knowledgeDir, ws.dataDir, logger);
    expect(lines).toHaveLength(1);
    expect(second.manifest.contentHash).not.toBe(first.manifest.contentHash);
    expect(second.chunks.some((c) => c.title === "Zymurgy stations")).toBe(true);
    expect(existsSync(first.dir)).toBe(false); // the stale index is cleaned away
  });

  it("never loads a damaged index file: it rebuilds instead", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    truncateSync(join(built.dir, "hnswlib.index"), 100);
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/missing or damaged/u);
    const { logger, lines } = recordingLogger();
    const rebuilt = await openIndex(ws.knowledgeDir, ws.dataDir, logger);
    expect(lines).toHaveLength(1);
    expect(rebuilt.vectors.index.getCurrentCount()).toBe(built.chunks.length);
  });

  it("treats a manifest that is not JSON as corrupt", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    writeFileSync(join(built.dir, "manifest.json"), "{not json");
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/not valid JSON/u);
  });
});
