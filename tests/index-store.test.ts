import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildIndex, loadBuiltIndex, openIndex } from "../src/retrieval/index-store.js";
import { IndexCorruptError } from "../src/errors.js";
import { EXACT_SEARCH_MAX_CHUNKS, VectorIndex } from "../src/retrieval/vector-index.js";
import { createCoach } from "../src/coach.js";
import { silentLogger } from "../src/logger.js";
import { allowedLinkHosts, nameAllowlist } from "../src/guardrails/output.js";
import { recordingLogger, tempWorkspace, turn } from "./helpers.js";

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
    expect(loaded.manifest.embedder).toMatchObject({ id: "hashing-ngram-v1", dimensions: 1024 });
    const v = built.embedder.vectorize("edge inference on the line");
    const a = built.vectors.nearest(v, 3).map((h) => [built.chunks[h.position]!.id, h.similarity.toFixed(5)]);
    const b = loaded.vectors.nearest(v, 3).map((h) => [loaded.chunks[h.position]!.id, h.similarity.toFixed(5)]);
    expect(b).toEqual(a);
    expect(a[0]![0]).toMatch(/edge/u);
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
    truncateSync(join(built.dir, "vectors.f32"), 100);
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/missing or damaged/u);
    const { logger, lines } = recordingLogger();
    const rebuilt = await openIndex(ws.knowledgeDir, ws.dataDir, logger);
    expect(lines).toHaveLength(1);
    expect(rebuilt.vectors.size).toBe(built.chunks.length);
  });

  it("refuses a file that grew or shrank, or a manifest edited after it was written, without hashing at start", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    const chunksPath = join(built.dir, "chunks.json");
    const original = readFileSync(chunksPath);
    appendFileSync(chunksPath, " ");
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/chunks\.json is missing or damaged/u);
    writeFileSync(chunksPath, original);
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).resolves.toBeDefined();
    // Recording a new size for a damaged file in the manifest does not make it acceptable.
    const manifestPath = join(built.dir, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest.files["chunks.json"].bytes += 1;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/checksum/u);
  });

  it("starts from the output rail's names and link hosts saved at ingest, not from every chunk", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    expect(built.manifest.files["allowlists.json"]).toBeDefined();
    const loaded = await loadBuiltIndex(ws.knowledgeDir, ws.dataDir);
    expect([...loaded.names].sort()).toEqual([...nameAllowlist(loaded.chunks)].sort());
    expect([...loaded.linkHosts].sort()).toEqual([...allowedLinkHosts(loaded.chunks)].sort());
    expect(loaded.names.has("Augury")).toBe(true);
    // What a start reads is the saved list: a name changed in it (same size) is what the rail knows.
    const path = join(built.dir, "allowlists.json");
    writeFileSync(path, readFileSync(path, "utf8").replace('"Augury"', '"Xugury"'));
    const edited = await loadBuiltIndex(ws.knowledgeDir, ws.dataDir);
    expect(edited.names.has("Augury")).toBe(false);
    expect(edited.names.has("Xugury")).toBe(true);
  });

  it("refuses allowlists saved by another version of the output rail, saying so, and rebuilds them", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    const path = join(built.dir, "allowlists.json");
    const saved = readFileSync(path, "utf8");
    expect(saved).toMatch(/^\{"version":1,/u);
    writeFileSync(path, saved.replace('{"version":1,', '{"version":0,'));
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/allowlists\.json was made by version 0 of the output rail's allowlists, this code makes version 1/u);
    const { logger, lines } = recordingLogger();
    const rebuilt = await openIndex(ws.knowledgeDir, ws.dataDir, logger);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/rebuilding/u);
    expect(String(lines[0]!.cause)).toMatch(/version 0/u);
    expect(rebuilt.names.has("Augury")).toBe(true);
    expect(readFileSync(join(rebuilt.dir, "allowlists.json"), "utf8")).toMatch(/^\{"version":1,/u);
  });

  it("re-chunks and re-embeds only the document that changed, and answers from its new text", async () => {
    const ws = workspace();
    const plant = (site: string, fact: string) => `# ${site} plant notes\n\n## Predictive maintenance\n\nThe ${site} press line 4 pilot streams spindle vibration from the ${site} historian into a model that ${fact}\n\n## Paint shop pilot\n\nThe ${site} paint shop photographs every panel for orange-peel defects.\n`;
    writeFileSync(join(ws.knowledgeDir, "leeds-plant.md"), plant("Leeds", "flags worn die bearings two shifts ahead."));
    writeFileSync(join(ws.knowledgeDir, "derby-plant.md"), plant("Derby", "flags cracked punches one shift ahead."));
    const first = await buildIndex(ws.knowledgeDir, ws.dataDir);
    expect(first.ingest!.embeddedDocuments.sort()).toEqual(["ai-pm-in-manufacturing.md", "derby-plant.md", "leeds-plant.md", "safety/functional-safety.md"].sort());

    writeFileSync(join(ws.knowledgeDir, "leeds-plant.md"), plant("Leeds", "flags overheating spindle motors three shifts ahead."));
    const second = await buildIndex(ws.knowledgeDir, ws.dataDir);
    expect(second.ingest!.chunkedDocuments).toEqual(["leeds-plant.md"]);
    expect(second.ingest!.embeddedDocuments).toEqual(["leeds-plant.md"]);
    expect(second.ingest!.embeddedChunks).toBe(2);
    expect(second.ingest!.reusedChunks).toBe(first.chunks.length - 2);
    expect(second.manifest.documents.find((d) => d.source === "leeds-plant.md")!.sha256).not.toBe(first.manifest.documents.find((d) => d.source === "leeds-plant.md")!.sha256);
    expect(existsSync(first.dir)).toBe(false);

    // The reused vectors are the ones a full build computes: the same nearest chunks either way.
    const query = second.embedder.vectorize("Derby press line punches");
    const reused = second.vectors.nearest(query, 3).map((h) => [second.chunks[h.position]!.id, h.similarity.toFixed(5)]);
    rmSync(join(ws.dataDir, "index"), { recursive: true, force: true });
    const full = await buildIndex(ws.knowledgeDir, ws.dataDir);
    expect(full.ingest!.reusedChunks).toBe(0);
    expect(full.vectors.nearest(query, 3).map((h) => [full.chunks[h.position]!.id, h.similarity.toFixed(5)])).toEqual(reused);

    const coach = await createCoach(ws.config, silentLogger);
    const answer = await coach.ask(turn("What does the Leeds press line 4 predictive maintenance pilot flag?"));
    expect(answer.outcome).toBe("answered");
    expect(answer.text).toMatch(/overheating spindle motors/u);
    expect(answer.text).not.toMatch(/die bearings/u);
  });

  it("treats a manifest that is not JSON as corrupt", async () => {
    const ws = workspace();
    const built = await buildIndex(ws.knowledgeDir, ws.dataDir);
    writeFileSync(join(built.dir, "manifest.json"), "{not json");
    await expect(loadBuiltIndex(ws.knowledgeDir, ws.dataDir)).rejects.toThrow(/not valid JSON/u);
  });
});

describe("vector index above the exact-search size", () => {
  it("builds a graph, finds a stored vector's own chunk first, and loads to the same answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "coach-vectors-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dimensions = 64;
    const count = EXACT_SEARCH_MAX_CHUNKS + 500;
    let seed = 7;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) - 0.5;
    const rows = Float32Array.from({ length: count * dimensions }, next);
    const probe = (position: number) => Array.from(rows.subarray(position * dimensions, (position + 1) * dimensions));
    const queries = [0, 1_234, count - 1].map(probe);
    const { index: built, files } = await VectorIndex.build(rows, dimensions, dir);
    expect(built.params.kind).toBe("hnsw");
    expect(files.sort()).toEqual(["sketch.hnsw", "vectors.f32"]);
    const loaded = await VectorIndex.load(dir, built.params, dimensions, count);
    for (const [i, query] of queries.entries()) {
      const hits = loaded.nearest(query, 5);
      expect(hits[0]!.position).toBe([0, 1_234, count - 1][i]);
      expect(hits[0]!.similarity).toBeCloseTo(1, 5);
      expect(hits).toEqual(built.nearest(query, 5));
    }
    await expect(VectorIndex.load(dir, built.params, dimensions, count + 1)).rejects.toThrow(/manifest says/u);
  });
});

describe("vector similarities", () => {
  it("are exactly the dot products summed dimension by dimension, for sparse and dense queries", async () => {
    const dir = mkdtempSync(join(tmpdir(), "coach-vectors-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dimensions = 96;
    const count = 39; // not a multiple of the four candidates summed side by side
    let seed = 11;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) - 0.5;
    const { index } = await VectorIndex.build(Float32Array.from({ length: count * dimensions }, next), dimensions, dir);
    const dense = Array.from({ length: dimensions }, next);
    // A hashing-embedder question: most dimensions exactly zero.
    const sparse = dense.map((x, j) => (j % 7 === 0 ? x : 0));
    for (const query of [dense, sparse]) {
      let norm = 0;
      for (const x of query) norm += x * x;
      norm = Math.sqrt(norm);
      const expected = Array.from({ length: count }, (_, position) => {
        const row = index.vector(position);
        let sum = 0;
        for (let j = 0; j < dimensions; j++) sum += row[j]! * query[j]!;
        return { position, similarity: sum / norm };
      }).sort((a, b) => b.similarity - a.similarity || a.position - b.position);
      expect(index.nearest(query, count)).toEqual(expected);
    }
  });
});
