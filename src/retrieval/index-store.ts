import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import type { Chunk } from "../types.js";
import { IndexBuildFailedError, IndexCorruptError } from "../errors.js";
import { loadKnowledge, knowledgeHash } from "../knowledge/markdown.js";
import { HashingEmbedder, HASHING_EMBEDDER_ID, type HashingEmbedderState } from "./embedder.js";
import { Bm25Index, type Bm25State } from "./bm25.js";
import { ANALYZER_VERSION } from "../text/normalize.js";
import type { Logger } from "../logger.js";

export const INDEX_FORMAT = 1;
const DIMENSIONS = 1024;

export interface IndexManifest {
  format: number;
  contentHash: string;
  embedder: { id: string; dimensions: number };
  chunkCount: number;
  builtAt: string;
  /** sha256 of every other file in the index directory, checked before loading. */
  files: Record<string, string>;
}

export interface LoadedIndex {
  dir: string;
  manifest: IndexManifest;
  chunks: Chunk[];
  embedder: HashingEmbedder;
  vectors: HNSWLib;
  lexical: Bm25Index;
}

/** Text that represents a chunk to both indexes: its headings (twice: they name the topic) and body. */
export function indexTextOf(chunk: Chunk): string {
  const meta = Object.entries(chunk.metadata)
    .filter(([key]) => key !== "Kind")
    .map(([, value]) => value)
    .join(". ");
  return `${chunk.title}. ${chunk.headingPath.join(". ")}. ${meta}. ${chunk.text}`;
}

function indexRoot(dataDir: string): string {
  return join(dataDir, "index");
}

function expectedKey(contentHash: string): string {
  return createHash("sha256").update(`${contentHash}:${HASHING_EMBEDDER_ID}:${DIMENSIONS}:${INDEX_FORMAT}:${ANALYZER_VERSION}`).digest("hex").slice(0, 16);
}

/**
 * Build the index from knowledge/ into a temp dir and rename it into place, so a reader never
 * sees a half-written index. Older indexes are removed afterwards.
 */
export async function buildIndex(knowledgeDir: string, dataDir: string): Promise<LoadedIndex> {
  const contentHash = knowledgeHash(knowledgeDir, "");
  const chunks = loadKnowledge(knowledgeDir).flatMap((d) => d.chunks);
  const texts = chunks.map(indexTextOf);
  const root = indexRoot(dataDir);
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, ".tmp-"));
  try {
    const embedder = HashingEmbedder.fit(texts, DIMENSIONS);
    const vectors = new HNSWLib(embedder, { space: "cosine", numDimensions: DIMENSIONS });
    await vectors.addVectors(
      await embedder.embedDocuments(texts),
      chunks.map((c, i) => new Document({ pageContent: texts[i]!, metadata: { chunkId: c.id } })),
    );
    await vectors.save(tmp);
    const lexical = Bm25Index.build(texts);
    writeFileSync(join(tmp, "chunks.json"), JSON.stringify(chunks));
    writeFileSync(join(tmp, "embedder.json"), JSON.stringify(embedder.toState()));
    writeFileSync(join(tmp, "lexical.json"), JSON.stringify(lexical.toState()));
    const files: Record<string, string> = {};
    for (const name of readdirSync(tmp).sort()) files[name] = sha256File(join(tmp, name));
    const manifest: IndexManifest = {
      format: INDEX_FORMAT,
      contentHash,
      embedder: { id: embedder.id, dimensions: DIMENSIONS },
      chunkCount: chunks.length,
      builtAt: new Date().toISOString(),
      files,
    };
    // The manifest is written last: an index without one is never loaded.
    writeFileSync(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2));
    const finalDir = join(root, expectedKey(contentHash));
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmp, finalDir);
    for (const name of readdirSync(root)) {
      if (name !== expectedKey(contentHash) && !name.startsWith(".tmp-")) rmSync(join(root, name), { recursive: true, force: true });
    }
    return { dir: finalDir, manifest, chunks, embedder, vectors, lexical };
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw new IndexBuildFailedError(`Building the index in ${root} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Load the index that matches the current knowledge and embedder; throws IndexCorruptError otherwise. */
export async function loadBuiltIndex(knowledgeDir: string, dataDir: string): Promise<LoadedIndex> {
  const contentHash = knowledgeHash(knowledgeDir, "");
  const dir = join(indexRoot(dataDir), expectedKey(contentHash));
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) throw new IndexCorruptError(`No built index for the current knowledge in ${dir}`);
  let manifest: IndexManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as IndexManifest;
  } catch {
    throw new IndexCorruptError(`The index manifest ${manifestPath} is not valid JSON`);
  }
  if (
    manifest.format !== INDEX_FORMAT ||
    manifest.contentHash !== contentHash ||
    manifest.embedder?.id !== HASHING_EMBEDDER_ID ||
    manifest.embedder?.dimensions !== DIMENSIONS
  ) {
    throw new IndexCorruptError(`The index in ${dir} was built for other knowledge or another embedder`);
  }
  // Checksums first: the native HNSW reader must never see a truncated file.
  for (const [name, digest] of Object.entries(manifest.files ?? {})) {
    const path = join(dir, name);
    if (!existsSync(path) || sha256File(path) !== digest) throw new IndexCorruptError(`Index file ${path} is missing or damaged`);
  }
  try {
    const embedder = HashingEmbedder.fromState(JSON.parse(readFileSync(join(dir, "embedder.json"), "utf8")) as HashingEmbedderState);
    const chunks = JSON.parse(readFileSync(join(dir, "chunks.json"), "utf8")) as Chunk[];
    const lexical = Bm25Index.fromState(JSON.parse(readFileSync(join(dir, "lexical.json"), "utf8")) as Bm25State);
    const vectors = await HNSWLib.load(dir, embedder);
    if (chunks.length !== manifest.chunkCount || vectors.index.getCurrentCount() !== chunks.length) {
      throw new Error("chunk count does not match the manifest");
    }
    return { dir, manifest, chunks, embedder, vectors, lexical };
  } catch (error) {
    throw new IndexCorruptError(`The index in ${dir} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * What the answer path calls: load the built index, or rebuild it (with one log line saying why)
 * when it is missing, stale or damaged.
 */
export async function openIndex(knowledgeDir: string, dataDir: string, logger: Logger): Promise<LoadedIndex> {
  try {
    return await loadBuiltIndex(knowledgeDir, dataDir);
  } catch (error) {
    if (!(error instanceof IndexCorruptError)) throw error;
    logger.info({ code: error.code, cause: error.message }, "index missing, stale or damaged: rebuilding");
    return buildIndex(knowledgeDir, dataDir);
  }
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
