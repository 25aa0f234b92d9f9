import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import type { OpenAIEmbeddings } from "@langchain/openai";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { Document } from "@langchain/core/documents";
import type { Chunk } from "../types.js";
import { IndexBuildFailedError, IndexCorruptError, KnowledgeInvalidError } from "../errors.js";
import { loadKnowledge, knowledgeHash } from "../knowledge/markdown.js";
import { HashingEmbedder, HASHING_EMBEDDER_ID, type HashingEmbedderState } from "./embedder.js";
import { Bm25Index, type Bm25State } from "./bm25.js";
import { ANALYZER_VERSION } from "../text/normalize.js";
import { knowledgeWords } from "./analyzer.js";
import type { Logger } from "../logger.js";

/** Bump when the saved files change shape, so every built index is rebuilt. 2: no text in the vector store. */
export const INDEX_FORMAT = 2;
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
  /** The offline embedder; always built, since its IDF table also serves typo-tolerant queries. */
  embedder: HashingEmbedder;
  /** Dense query vector from whichever embedder built the index. */
  embedQuery(text: string, extraTerms: string[]): Promise<number[]>;
  vectors: HNSWLib;
  lexical: Bm25Index;
  /** The words typos are corrected against (analyzer.ts `knowledgeWords`), saved at ingest. */
  words?: string[];
  /**
   * Sources of the documents the coach was written for (knowledge/coach.json "guides"; every
   * document when it names none). Its world, the off-topic test and the answer/no-answer evidence
   * are read from these; other documents are searched and cited, but never widen what the coach
   * answers.
   */
  guides: ReadonlySet<string>;
}

/** The guide documents coach.json names, as sources relative to the knowledge directory. */
export function guideSources(knowledgeDir: string, chunks: readonly Chunk[]): ReadonlySet<string> {
  const all = new Set(chunks.map((c) => c.source));
  let named: unknown;
  try {
    named = (JSON.parse(readFileSync(join(knowledgeDir, "coach.json"), "utf8")) as { guides?: unknown }).guides;
  } catch {
    return all;
  }
  if (!Array.isArray(named) || named.length === 0) return all;
  const wanted = named.filter((x): x is string => typeof x === "string").map((x) => x.replace(/\\/gu, "/"));
  const found = new Set([...all].filter((source) => wanted.includes(source.replace(/\\/gu, "/"))));
  if (found.size === 0) throw new KnowledgeInvalidError(`${join(knowledgeDir, "coach.json")}: "guides" names ${wanted.join(", ")}, none of which is a Markdown file under ${knowledgeDir}`);
  return found;
}

/** Which embedder builds the dense index: the offline default, or an OpenAI-compatible model. */
export type EmbedderSpec = { kind: "local" } | { kind: "openai"; model: string; baseUrl: string | null; apiKey: string | null };

export const LOCAL_EMBEDDER: EmbedderSpec = { kind: "local" };

function embedderId(spec: EmbedderSpec): string {
  return spec.kind === "local" ? HASHING_EMBEDDER_ID : `openai:${spec.model}`;
}

/** Loaded only when model embeddings are configured: the client costs ~0.4 s of start-up offline. */
async function modelEmbeddings(spec: Extract<EmbedderSpec, { kind: "openai" }>): Promise<OpenAIEmbeddings> {
  const { OpenAIEmbeddings } = await import("@langchain/openai");
  return new OpenAIEmbeddings({ model: spec.model, apiKey: spec.apiKey ?? "not-needed", configuration: spec.baseUrl ? { baseURL: spec.baseUrl } : {}, maxRetries: 2, timeout: 30_000 });
}

function queryEmbedder(spec: EmbedderSpec, hashing: HashingEmbedder, model?: EmbeddingsInterface): LoadedIndex["embedQuery"] {
  if (spec.kind === "local" || !model) return (text, extra) => Promise.resolve(hashing.vectorize(text, extra));
  // Expansions are plain words: appended, they steer the model's vector the same way.
  return (text, extra) => model.embedQuery(extra.length ? `${text} (${extra.join(" ")})` : text);
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

function expectedKey(contentHash: string, spec: EmbedderSpec): string {
  return createHash("sha256").update(`${contentHash}:${embedderId(spec)}:${DIMENSIONS}:${INDEX_FORMAT}:${ANALYZER_VERSION}`).digest("hex").slice(0, 16);
}

/**
 * Build the index from knowledge/ into a temp dir and rename it into place, so a reader never
 * sees a half-written index. Older indexes are removed afterwards.
 */
export async function buildIndex(knowledgeDir: string, dataDir: string, spec: EmbedderSpec = LOCAL_EMBEDDER): Promise<LoadedIndex> {
  const contentHash = knowledgeHash(knowledgeDir, "");
  const chunks = loadKnowledge(knowledgeDir).flatMap((d) => d.chunks);
  const guides = guideSources(knowledgeDir, chunks);
  const texts = chunks.map(indexTextOf);
  const root = indexRoot(dataDir);
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, ".tmp-"));
  try {
    // The embedder's word weights come from the guides: other documents are embedded with them,
    // so the guides' vectors are the same whatever is indexed next to them.
    const embedder = HashingEmbedder.fit(texts.filter((_, i) => guides.has(chunks[i]!.source)), DIMENSIONS);
    const model = spec.kind === "openai" ? await modelEmbeddings(spec) : undefined;
    const documentVectors = model ? await model.embedDocuments(texts) : await embedder.embedDocuments(texts);
    const dimensions = documentVectors[0]?.length ?? DIMENSIONS;
    const vectors = new HNSWLib(model ?? embedder, { space: "cosine", numDimensions: dimensions });
    await vectors.addVectors(
      documentVectors,
      // The vector store keeps only each chunk's id: the text is stored once, in chunks.json.
      chunks.map((c) => new Document({ pageContent: "", metadata: { chunkId: c.id } })),
    );
    await vectors.save(tmp);
    const lexical = Bm25Index.build(texts);
    writeFileSync(join(tmp, "chunks.json"), JSON.stringify(chunks));
    writeFileSync(join(tmp, "embedder.json"), JSON.stringify(embedder.toState()));
    writeFileSync(join(tmp, "lexical.json"), JSON.stringify(lexical.toState()));
    const words = knowledgeWords(chunks);
    writeFileSync(join(tmp, "words.json"), JSON.stringify(words));
    const files: Record<string, string> = {};
    for (const name of readdirSync(tmp).sort()) files[name] = sha256File(join(tmp, name));
    const manifest: IndexManifest = {
      format: INDEX_FORMAT,
      contentHash,
      embedder: { id: embedderId(spec), dimensions },
      chunkCount: chunks.length,
      builtAt: new Date().toISOString(),
      files,
    };
    // The manifest is written last: an index without one is never loaded.
    writeFileSync(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2));
    const finalDir = join(root, expectedKey(contentHash, spec));
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmp, finalDir);
    for (const name of readdirSync(root)) {
      if (name !== expectedKey(contentHash, spec) && !name.startsWith(".tmp-")) rmSync(join(root, name), { recursive: true, force: true });
    }
    return { dir: finalDir, manifest, chunks, embedder, embedQuery: queryEmbedder(spec, embedder, model), vectors, lexical, words, guides };
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw new IndexBuildFailedError(`Building the index in ${root} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Load the index that matches the current knowledge and embedder; throws IndexCorruptError otherwise. */
export async function loadBuiltIndex(knowledgeDir: string, dataDir: string, spec: EmbedderSpec = LOCAL_EMBEDDER): Promise<LoadedIndex> {
  const contentHash = knowledgeHash(knowledgeDir, "");
  const dir = join(indexRoot(dataDir), expectedKey(contentHash, spec));
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
    manifest.embedder?.id !== embedderId(spec) ||
    !Number.isInteger(manifest.embedder?.dimensions)
  ) {
    throw new IndexCorruptError(`The index in ${dir} was built for other knowledge or another embedder`);
  }
  // Checksums first: the native HNSW reader must never see a truncated file.
  for (const [name, digest] of Object.entries(manifest.files ?? {})) {
    const path = join(dir, name);
    if (!existsSync(path) || sha256File(path) !== digest) throw new IndexCorruptError(`Index file ${path} is missing or damaged`);
  }
  let loaded: Omit<LoadedIndex, "guides">;
  try {
    const embedder = HashingEmbedder.fromState(JSON.parse(readFileSync(join(dir, "embedder.json"), "utf8")) as HashingEmbedderState);
    const chunks = JSON.parse(readFileSync(join(dir, "chunks.json"), "utf8")) as Chunk[];
    const lexical = Bm25Index.fromState(JSON.parse(readFileSync(join(dir, "lexical.json"), "utf8")) as Bm25State);
    const words = JSON.parse(readFileSync(join(dir, "words.json"), "utf8")) as string[];
    if (!Array.isArray(words)) throw new Error("words.json is not a list");
    const model = spec.kind === "openai" ? await modelEmbeddings(spec) : undefined;
    const vectors = await HNSWLib.load(dir, model ?? embedder);
    if (chunks.length !== manifest.chunkCount || vectors.index.getCurrentCount() !== chunks.length) {
      throw new Error("chunk count does not match the manifest");
    }
    loaded = { dir, manifest, chunks, embedder, embedQuery: queryEmbedder(spec, embedder, model), vectors, lexical, words };
  } catch (error) {
    throw new IndexCorruptError(`The index in ${dir} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  return { ...loaded, guides: guideSources(knowledgeDir, loaded.chunks) };
}

/**
 * What the answer path calls: load the built index, or rebuild it (with one log line saying why)
 * when it is missing, stale or damaged.
 */
export async function openIndex(knowledgeDir: string, dataDir: string, logger: Logger, spec: EmbedderSpec = LOCAL_EMBEDDER): Promise<LoadedIndex> {
  try {
    return await loadBuiltIndex(knowledgeDir, dataDir, spec);
  } catch (error) {
    if (!(error instanceof IndexCorruptError)) throw error;
    logger.info({ code: error.code, cause: error.message, embedder: embedderId(spec) }, "index missing, stale or damaged: rebuilding");
    return buildIndex(knowledgeDir, dataDir, spec);
  }
}

export function embedderSpecOf(config: { embeddings: string; llm: { apiKey: string | null; baseUrl: string | null; embeddingsModel: string } }): EmbedderSpec {
  return config.embeddings === "openai" ? { kind: "openai", model: config.llm.embeddingsModel, baseUrl: config.llm.baseUrl, apiKey: config.llm.apiKey } : LOCAL_EMBEDDER;
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
