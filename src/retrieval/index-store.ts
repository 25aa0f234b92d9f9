import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import type { OpenAIEmbeddings } from "@langchain/openai";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import type { Chunk } from "../types.js";
import { IndexBuildFailedError, IndexCorruptError, KnowledgeInvalidError } from "../errors.js";
import { CHUNKER_VERSION, knowledgeHash, knowledgeHashOf, parseKnowledgeFile, readKnowledgeFiles } from "../knowledge/markdown.js";
import { HashingEmbedder, HASHING_EMBEDDER_ID, type HashingEmbedderState } from "./embedder.js";
import { Bm25Index, type Bm25State } from "./bm25.js";
import { ANALYZER_VERSION, contentTermsOf, words as wordsOf } from "../text/normalize.js";
import { knowledgeWordsOf } from "./analyzer.js";
import { VectorIndex, type VectorIndexParams } from "./vector-index.js";
import type { Logger } from "../logger.js";
import { OUTPUT_ALLOWLISTS_VERSION, outputAllowlistsOf, type OutputAllowlists } from "../guardrails/output.js";

/**
 * Bump when the saved files change shape, so every built index is rebuilt. 2: no text in the
 * vector store. 3: vectors as float32 rows plus a sketch graph for large corpora, per-document
 * hashes, file sizes and a manifest checksum. 4: the output rail's allowlists (allowlists.json).
 */
export const INDEX_FORMAT = 4;
/** The output rail's names and link hosts, read from every chunk once, at ingest. */
const ALLOWLISTS_FILE = "allowlists.json";
const DIMENSIONS = 1024;

/** A file of the index as written: checked by size at every start, by hash when reused. */
export interface IndexFile {
  bytes: number;
  sha256: string;
}

/** One knowledge document in the index: its chunks are `chunks` consecutive entries of chunks.json. */
export interface IndexedDocument {
  source: string;
  key: string;
  /** sha256 of the file's bytes when it was chunked. */
  sha256: string;
  chunks: number;
}

export interface IndexManifest {
  format: number;
  contentHash: string;
  chunker: string;
  analyzer: string;
  /** `stateHash` names what produced the vectors: the same one means a document's vectors can be reused. */
  embedder: { id: string; dimensions: number; stateHash: string };
  chunkCount: number;
  builtAt: string;
  vectors: VectorIndexParams;
  documents: IndexedDocument[];
  /** Every other file in the index directory, written before this manifest. */
  files: Record<string, IndexFile>;
  /**
   * sha256 of the fields above (not of `guard`, which the rails' classifier adds afterwards): at
   * start the manifest is checked by this and every file by its size, so a start does not hash
   * hundreds of MB, yet a truncated, grown or missing file, or an edited manifest, is refused.
   */
  checksum: string;
}

/** What one ingest did: which documents it chunked and embedded, which it took from the previous index. */
export interface IngestReport {
  documents: number;
  /** Documents parsed into chunks in this run (new or changed), by source. */
  chunkedDocuments: string[];
  /** Documents whose vectors were computed in this run, by source (all of them when the embedder changed). */
  embeddedDocuments: string[];
  embeddedChunks: number;
  reusedChunks: number;
  /** The index directory unchanged documents were taken from, when there was one. */
  reusedFrom: string | null;
  /** Wall-clock time of each phase, in ms. */
  phasesMs: Record<string, number>;
}

export interface LoadedIndex {
  dir: string;
  manifest: IndexManifest;
  chunks: Chunk[];
  /** The offline embedder; always built, since its IDF table also serves typo-tolerant queries. */
  embedder: HashingEmbedder;
  /** Dense query vector from whichever embedder built the index. */
  embedQuery(text: string, extraTerms: string[]): Promise<number[]>;
  vectors: VectorIndex;
  lexical: Bm25Index;
  /** BM25 over the chunks' headings alone, saved at ingest (building it at start cost ~0.4 s at 50,000 chunks). */
  headings: Bm25Index;
  /** The words typos are corrected against (analyzer.ts `knowledgeWords`), saved at ingest. */
  words?: string[];
  /** Capitalised names and link hosts the knowledge uses: what an answer may name and link to (output rail), saved at ingest. */
  names: ReadonlySet<string>;
  linkHosts: ReadonlySet<string>;
  /**
   * Sources of the documents the coach was written for (knowledge/coach.json "guides"; every
   * document when it names none). Its world, the off-topic test and the answer/no-answer evidence
   * are read from these; other documents are searched and cited, but never widen what the coach
   * answers.
   */
  guides: ReadonlySet<string>;
  /** Set when this process built the index. */
  ingest?: IngestReport;
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
  return `${chunk.title}. ${chunk.headingPath.join(". ")}. ${metadataTextOf(chunk)}. ${chunk.text}`;
}

function metadataTextOf(chunk: Chunk): string {
  return Object.entries(chunk.metadata)
    .filter(([key]) => key !== "Kind")
    .map(([, value]) => value)
    .join(". ");
}

function indexRoot(dataDir: string): string {
  return join(dataDir, "index");
}

function expectedKey(contentHash: string, spec: EmbedderSpec): string {
  return createHash("sha256").update(`${contentHash}:${embedderId(spec)}:${DIMENSIONS}:${INDEX_FORMAT}:${ANALYZER_VERSION}:${OUTPUT_ALLOWLISTS_VERSION}`).digest("hex").slice(0, 16);
}

/**
 * Build the index from knowledge/ into a temp dir and rename it into place, so a reader never
 * sees a half-written index. Older indexes are removed afterwards. Documents whose bytes are
 * unchanged since the previous index are not parsed or embedded again: their chunks and vectors
 * are copied from it (when it was built by the same chunker, analyzer and embedder state).
 */
export async function buildIndex(knowledgeDir: string, dataDir: string, spec: EmbedderSpec = LOCAL_EMBEDDER): Promise<LoadedIndex> {
  const phasesMs: Record<string, number> = {};
  let phaseStarted = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phasesMs[name] = Math.round(now - phaseStarted);
    phaseStarted = now;
  };
  const files = readKnowledgeFiles(knowledgeDir);
  const contentHash = knowledgeHashOf(files, "");
  const root = indexRoot(dataDir);
  mkdirSync(root, { recursive: true });
  const previous = previousIndex(root, spec);
  phase("read");

  // Chunks: an unchanged document's come from the previous index, in the same order.
  const previousChunks = previous ? (JSON.parse(readFileSync(join(previous.dir, "chunks.json"), "utf8")) as Chunk[]) : [];
  const previousAt = new Map<string, { start: number; doc: IndexedDocument }>();
  let offset = 0;
  for (const doc of previous?.manifest.documents ?? []) {
    previousAt.set(doc.source, { start: offset, doc });
    offset += doc.chunks;
  }
  const reusable = (file: { source: string; key: string; sha256: string }) => {
    const at = previousAt.get(file.source);
    return at && at.doc.key === file.key && at.doc.sha256 === file.sha256 ? at : null;
  };
  const chunkedDocuments: string[] = [];
  const perDocument = files.map((file) => {
    const at = reusable(file);
    if (at) return { file, chunks: previousChunks.slice(at.start, at.start + at.doc.chunks), previousStart: at.start };
    chunkedDocuments.push(file.source);
    return { file, chunks: parseKnowledgeFile(file).chunks, previousStart: -1 };
  });
  const chunks = perDocument.flatMap((d) => d.chunks);
  const guides = guideSources(knowledgeDir, chunks);
  const texts = chunks.map(indexTextOf);
  // Each chunk is tokenised once, part by part, for the embedder, the lexical index and the typo
  // vocabulary alike: `indexTextOf` joins the parts with ". ", so its words are theirs in order.
  const partWords = chunks.map((c) => ({ heading: wordsOf(c.title), path: wordsOf(c.headingPath.join(". ")), meta: wordsOf(metadataTextOf(c)), text: wordsOf(c.text) }));
  const tokens = partWords.map((p) => [...p.heading, ...p.path, ...p.meta, ...p.text]);
  const terms = tokens.map(contentTermsOf);
  phase("chunk");

  const tmp = mkdtempSync(join(root, ".tmp-"));
  try {
    // The embedder's word weights come from the guides: other documents are embedded with them,
    // so the guides' vectors are the same whatever is indexed next to them.
    const embedder = HashingEmbedder.fit(texts.filter((_, i) => guides.has(chunks[i]!.source)), DIMENSIONS);
    const embedderState = JSON.stringify(embedder.toState());
    const stateHash = spec.kind === "local" ? sha256(embedderState) : sha256(embedderId(spec));
    const model = spec.kind === "openai" ? await modelEmbeddings(spec) : undefined;
    const vectorsReusable = previous !== null && previous.manifest.embedder.stateHash === stateHash;
    const previousRows = vectorsReusable && perDocument.some((d) => d.previousStart >= 0) ? VectorIndex.readRows(previous.dir) : null;
    const dimensions = previousRows ? previous!.manifest.embedder.dimensions : spec.kind === "local" ? DIMENSIONS : 0;

    // Which chunks need a vector: those of documents not taken from the previous index.
    const toEmbed: number[] = [];
    const embeddedDocuments: string[] = [];
    let position = 0;
    for (const d of perDocument) {
      if (!(previousRows && d.previousStart >= 0)) {
        if (d.chunks.length > 0) embeddedDocuments.push(d.file.source);
        for (let i = 0; i < d.chunks.length; i++) toEmbed.push(position + i);
      }
      position += d.chunks.length;
    }
    const modelVectors = model && toEmbed.length ? await model.embedDocuments(toEmbed.map((i) => texts[i]!)) : [];
    const width = dimensions || modelVectors[0]?.length || DIMENSIONS;
    const rows = new Float32Array(chunks.length * width);
    position = 0;
    for (const d of perDocument) {
      if (previousRows && d.previousStart >= 0) rows.set(previousRows.subarray(d.previousStart * width, (d.previousStart + d.chunks.length) * width), position * width);
      position += d.chunks.length;
    }
    toEmbed.forEach((at, i) => {
      if (model) {
        const v = modelVectors[i];
        if (v?.length !== width) throw new Error(`the embeddings model returned ${v?.length ?? 0} dimensions for chunk ${chunks[at]!.id}, expected ${width}`);
        rows.set(v, at * width);
      } else {
        embedder.vectorizeWords(tokens[at]!, terms[at]!, rows, at * width);
      }
    });
    phase("embed");

    const { index: vectors, files: vectorFiles } = await VectorIndex.build(rows, width, tmp);
    phase("vectors");
    const lexical = Bm25Index.buildFromTerms(terms);
    const headings = Bm25Index.buildFromTerms(partWords.map((p) => contentTermsOf(p.heading)));
    const words = knowledgeWordsOf(partWords.map((p) => [...p.path, ...p.text]));
    phase("lexical");
    const allowlists = outputAllowlistsOf(chunks);
    phase("allowlists");

    const written: Record<string, IndexFile> = {};
    const write = (name: string, text: string) => {
      const bytes = Buffer.from(text);
      writeFileSync(join(tmp, name), bytes);
      written[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
    };
    write("chunks.json", JSON.stringify(chunks));
    write("embedder.json", embedderState);
    write("lexical.json", JSON.stringify(lexical.toState()));
    write("headings.json", JSON.stringify(headings.toState()));
    write("words.json", JSON.stringify(words));
    write(ALLOWLISTS_FILE, JSON.stringify(allowlists));
    for (const name of vectorFiles) written[name] = fileEntry(join(tmp, name));
    const fileEntries: Record<string, IndexFile> = {};
    for (const name of Object.keys(written).sort()) fileEntries[name] = written[name]!;
    const manifest = sealed({
      format: INDEX_FORMAT,
      contentHash,
      chunker: CHUNKER_VERSION,
      analyzer: ANALYZER_VERSION,
      embedder: { id: embedderId(spec), dimensions: width, stateHash },
      chunkCount: chunks.length,
      builtAt: new Date().toISOString(),
      vectors: vectors.params,
      documents: perDocument.map((d) => ({ source: d.file.source, key: d.file.key, sha256: d.file.sha256, chunks: d.chunks.length })),
      files: fileEntries,
    });
    // The manifest is written last: an index without one is never loaded.
    writeFileSync(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2));
    const finalDir = join(root, expectedKey(contentHash, spec));
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmp, finalDir);
    for (const name of readdirSync(root)) {
      if (name !== expectedKey(contentHash, spec) && !name.startsWith(".tmp-")) rmSync(join(root, name), { recursive: true, force: true });
    }
    phase("write");
    const ingest: IngestReport = {
      documents: files.length,
      chunkedDocuments,
      embeddedDocuments,
      embeddedChunks: toEmbed.length,
      reusedChunks: chunks.length - toEmbed.length,
      reusedFrom: previous && previousRows ? previous.dir : null,
      phasesMs,
    };
    return { dir: finalDir, manifest, chunks, embedder, embedQuery: queryEmbedder(spec, embedder, model), vectors, lexical, headings, words, ...allowlistSets(allowlists), guides, ingest };
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw new IndexBuildFailedError(`Building the index in ${root} failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The most recent intact index built by the same chunker, analyzer and embedder, whose unchanged
 * documents the next build can take over; null when there is none.
 */
function previousIndex(root: string, spec: EmbedderSpec): { dir: string; manifest: IndexManifest } | null {
  let best: { dir: string; manifest: IndexManifest } | null = null;
  for (const name of readdirSync(root)) {
    if (name.startsWith(".tmp-")) continue;
    const dir = join(root, name);
    try {
      const manifest = readManifest(dir);
      if (manifest.format !== INDEX_FORMAT || manifest.chunker !== CHUNKER_VERSION || manifest.analyzer !== ANALYZER_VERSION || manifest.embedder.id !== embedderId(spec)) continue;
      if (!Array.isArray(manifest.documents)) continue;
      // What is copied into the new index must be what was written: hashed here, once per ingest.
      for (const file of ["chunks.json", "vectors.f32"]) {
        const entry = manifest.files[file];
        if (!entry || sha256(readFileSync(join(dir, file))) !== entry.sha256) throw new Error(`${file} is damaged`);
      }
      if (!best || manifest.builtAt > best.manifest.builtAt) best = { dir, manifest };
    } catch {
      // Damaged or foreign: built from scratch instead.
    }
  }
  return best;
}

/** The manifest of `dir`, its checksum and every file's size checked; throws IndexCorruptError. */
function readManifest(dir: string): IndexManifest {
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) throw new IndexCorruptError(`No built index for the current knowledge in ${dir}`);
  let manifest: IndexManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as IndexManifest;
  } catch {
    throw new IndexCorruptError(`The index manifest ${manifestPath} is not valid JSON`);
  }
  if (typeof manifest !== "object" || manifest === null || manifest.checksum !== checksumOf(manifest)) {
    throw new IndexCorruptError(`The index manifest ${manifestPath} was changed after it was written (checksum mismatch)`);
  }
  // Sizes, not hashes: the native reader must never see a truncated file, and a start must not
  // read hundreds of MB twice. Content was hashed when it was written (manifest.files).
  for (const [name, entry] of Object.entries(manifest.files ?? {})) {
    const path = join(dir, name);
    let bytes = -1;
    try {
      bytes = statSync(path).size;
    } catch {
      // missing: reported below
    }
    if (bytes !== entry.bytes) throw new IndexCorruptError(`Index file ${path} is missing or damaged (${bytes < 0 ? "missing" : `${bytes} bytes, ${entry.bytes} written`})`);
  }
  return manifest;
}

/** Load the index that matches the current knowledge and embedder; throws IndexCorruptError otherwise. */
export async function loadBuiltIndex(knowledgeDir: string, dataDir: string, spec: EmbedderSpec = LOCAL_EMBEDDER): Promise<LoadedIndex> {
  const contentHash = knowledgeHash(knowledgeDir, "");
  const dir = join(indexRoot(dataDir), expectedKey(contentHash, spec));
  const manifest = readManifest(dir);
  if (
    manifest.format !== INDEX_FORMAT ||
    manifest.contentHash !== contentHash ||
    manifest.embedder?.id !== embedderId(spec) ||
    !Number.isInteger(manifest.embedder?.dimensions)
  ) {
    throw new IndexCorruptError(`The index in ${dir} was built for other knowledge or another embedder`);
  }
  let loaded: Omit<LoadedIndex, "guides">;
  try {
    const embedder = HashingEmbedder.fromState(JSON.parse(readFileSync(join(dir, "embedder.json"), "utf8")) as HashingEmbedderState);
    const chunks = JSON.parse(readFileSync(join(dir, "chunks.json"), "utf8")) as Chunk[];
    const lexical = Bm25Index.fromState(JSON.parse(readFileSync(join(dir, "lexical.json"), "utf8")) as Bm25State);
    const headings = Bm25Index.fromState(JSON.parse(readFileSync(join(dir, "headings.json"), "utf8")) as Bm25State);
    const words = JSON.parse(readFileSync(join(dir, "words.json"), "utf8")) as string[];
    if (!Array.isArray(words)) throw new Error("words.json is not a list");
    const allowlists = readAllowlists(join(dir, ALLOWLISTS_FILE));
    if (chunks.length !== manifest.chunkCount || lexical.size !== chunks.length || headings.size !== chunks.length) throw new Error("chunk count does not match the manifest");
    const model = spec.kind === "openai" ? await modelEmbeddings(spec) : undefined;
    const vectors = await VectorIndex.load(dir, manifest.vectors, manifest.embedder.dimensions, chunks.length);
    loaded = { dir, manifest, chunks, embedder, embedQuery: queryEmbedder(spec, embedder, model), vectors, lexical, headings, words, ...allowlistSets(allowlists) };
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

/**
 * The saved allowlists, refused (so the index is rebuilt) when missing, malformed or derived by
 * another version of the output rail: a stale list could let an invented name through.
 */
function readAllowlists(path: string): OutputAllowlists {
  if (!existsSync(path)) throw new Error(`${ALLOWLISTS_FILE} is missing`);
  const saved = JSON.parse(readFileSync(path, "utf8")) as Partial<OutputAllowlists> | null;
  if (saved?.version !== OUTPUT_ALLOWLISTS_VERSION) {
    throw new Error(`${ALLOWLISTS_FILE} was made by version ${String(saved?.version)} of the output rail's allowlists, this code makes version ${OUTPUT_ALLOWLISTS_VERSION}`);
  }
  if (!Array.isArray(saved.names) || !Array.isArray(saved.linkHosts) || ![...saved.names, ...saved.linkHosts].every((x) => typeof x === "string")) throw new Error(`${ALLOWLISTS_FILE} is not in the expected shape`);
  return saved as OutputAllowlists;
}

function allowlistSets(allowlists: OutputAllowlists): { names: ReadonlySet<string>; linkHosts: ReadonlySet<string> } {
  return { names: new Set(allowlists.names), linkHosts: new Set(allowlists.linkHosts) };
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function fileEntry(path: string): IndexFile {
  const bytes = readFileSync(path);
  return { bytes: bytes.byteLength, sha256: sha256(bytes) };
}

/** The manifest's own checksum: over every field but `checksum` and `guard`, in a fixed order. */
function checksumOf(manifest: Omit<IndexManifest, "checksum">): string {
  const { format, contentHash, chunker, analyzer, embedder, chunkCount, builtAt, vectors, documents, files } = manifest;
  return sha256(JSON.stringify({ format, contentHash, chunker, analyzer, embedder, chunkCount, builtAt, vectors, documents, files }));
}

function sealed(manifest: Omit<IndexManifest, "checksum">): IndexManifest {
  return { ...manifest, checksum: checksumOf(manifest) };
}
