import { readdirSync, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import type { Chunk } from "../types.js";
import { KnowledgeInvalidError, KnowledgeMissingError } from "../errors.js";

export interface KnowledgeDocument {
  source: string;
  frontMatter: Record<string, string>;
  title: string;
  chunks: Chunk[];
}

export const SECTION_SEPARATOR = " › ";
/** Bump when chunking changes, so every built index is rebuilt. */
export const CHUNKER_VERSION = "md-headings-3";

const METADATA_LINE = /^([A-Z][A-Za-z]{1,20}): (.+)$/u;

/**
 * Split one Markdown document into one chunk per heading that has its own text. Sections in the
 * guide are short (under 150 words), so a heading's text is the natural retrieval unit and every
 * chunk carries the heading path a reader would use to find it.
 */
export function parseMarkdown(markdown: string, source: string, namespace = documentKey(source)): KnowledgeDocument {
  const { frontMatter, body } = splitFrontMatter(markdown, source);
  const lines = body.replace(/<!--[\s\S]*?-->/gu, "").split(/\r?\n/u);
  const chunks: Chunk[] = [];
  // Ids are namespaced by document: the same heading in two documents is two sections, and a
  // subsection's parent is always in its own document.
  const ids = new Set<string>();
  const stack: { level: number; title: string; id: string; slug: string }[] = [];
  let title = frontMatter.title ?? "";
  let firstHeading = "";
  let current: { level: number; title: string; id: string; lines: string[] } | null = null;

  const flush = () => {
    if (!current) return;
    const paragraphs = toParagraphs(current.lines);
    if (paragraphs.length === 0) return;
    const metadata: Record<string, string> = {};
    for (const p of paragraphs) {
      const m = METADATA_LINE.exec(p);
      if (m && !p.includes("\n")) metadata[m[1]!] = m[2]!;
    }
    const path = stack.map((s) => s.title);
    chunks.push({
      id: current.id,
      title: current.title,
      section: path.join(SECTION_SEPARATOR),
      headingPath: path,
      text: paragraphs.join("\n\n"),
      metadata,
      source,
      document: "",
      order: chunks.length,
      parentSection: stack.length > 1 ? stack[stack.length - 2]!.id : "",
    });
  };

  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.+?)\s*#*$/u.exec(line);
    if (!heading) {
      current?.lines.push(line);
      continue;
    }
    flush();
    const level = heading[1]!.length;
    const text = heading[2]!.trim();
    firstHeading ||= text;
    if (level === 1) {
      // Front matter names the document first; else its first "# " heading.
      title ||= text;
      stack.length = 0;
      current = null;
      continue;
    }
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    // A heading repeated under the same parent in one document ("Overview" twice) gets a suffix.
    const base = slugify(text) || "section";
    let slug = base;
    for (let n = 2; ids.has(idOf(namespace, stack, slug)); n++) slug = `${base}-${n}`;
    const id = idOf(namespace, stack, slug);
    ids.add(id);
    stack.push({ level, title: text, id, slug });
    current = { level, title: text, id, lines: [] };
  }
  flush();

  // A document without front matter or a "# " heading is named by its first heading, else its file.
  if (!title) title = firstHeading || source.replace(/^.*\//u, "").replace(/\.md$/iu, "").replace(/[-_]+/gu, " ");
  for (const chunk of chunks) chunk.document = title;
  return { source, frontMatter, title, chunks };
}

/** A document's part of its chunks' ids: its path under the knowledge directory, without ".md". */
export function documentKey(source: string): string {
  return source
    .replace(/\\/gu, "/")
    .replace(/\.md$/iu, "")
    .split("/")
    .map((part) => slugify(part) || "doc")
    .join("/");
}

function idOf(namespace: string, stack: readonly { slug: string }[], slug: string): string {
  return `${namespace}#${[...stack.map((s) => s.slug), slug].join("/")}`;
}

function splitFrontMatter(markdown: string, source: string): { frontMatter: Record<string, string>; body: string } {
  if (!markdown.startsWith("---")) return { frontMatter: {}, body: markdown };
  const end = markdown.indexOf("\n---", 3);
  if (end < 0) throw new KnowledgeInvalidError(`${source}: front matter opened with --- is never closed`);
  const frontMatter: Record<string, string> = {};
  for (const line of markdown.slice(3, end).split(/\r?\n/u)) {
    const m = /^([A-Za-z_][\w-]*):\s*(.*)$/u.exec(line.trim());
    if (m) frontMatter[m[1]!] = m[2]!.replace(/^"(.*)"$/u, "$1");
  }
  return { frontMatter, body: markdown.slice(end + 4) };
}

/** Paragraphs as single lines; Markdown tables without rows carry no content and are dropped. */
function toParagraphs(lines: string[]): string[] {
  const paragraphs: string[] = [];
  let buffer: string[] = [];
  const push = () => {
    const kept = buffer.filter((l) => !/^\s*\|.*\|\s*$/u.test(l));
    const text = kept.join(" ").replace(/\s+/gu, " ").trim();
    if (text) paragraphs.push(text);
    buffer = [];
  };
  for (const line of lines) {
    if (line.trim() === "") push();
    else buffer.push(line);
  }
  push();
  return paragraphs;
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^a-z0-9]+/gu, "-")
    .replace(/^-+|-+$/gu, "");
}

/** One knowledge file as read from disk, before parsing. */
export interface KnowledgeFile {
  /** Path relative to the knowledge directory. */
  source: string;
  /** The document's part of its chunks' ids (unique among the files read together). */
  key: string;
  bytes: Buffer;
  /** sha256 of the file's bytes: an incremental ingest re-chunks only files whose hash changed. */
  sha256: string;
}

/** Every `*.md` under `dir`, read and hashed, in a stable order. */
export function readKnowledgeFiles(dir: string): KnowledgeFile[] {
  let files: string[];
  try {
    files = listMarkdown(dir);
  } catch (error) {
    throw new KnowledgeMissingError(`Cannot read the knowledge directory ${dir}: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new KnowledgeMissingError(`No Markdown files in ${dir}: add the guide as knowledge/*.md`);
  // Two files whose names slug alike ("a b.md", "a-b.md") still get ids of their own.
  const keys = new Set<string>();
  return files.map((file) => {
    const source = relative(dir, file);
    let key = documentKey(source);
    for (let n = 2; keys.has(key); n++) key = `${documentKey(source)}-${n}`;
    keys.add(key);
    const bytes = readFileSync(file);
    return { source, key, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
  });
}

/** One file's document. */
export function parseKnowledgeFile(file: KnowledgeFile): KnowledgeDocument {
  return parseMarkdown(file.bytes.toString("utf8"), file.source, file.key);
}

/** Every `*.md` under `dir`, parsed, in a stable order. */
export function loadKnowledge(dir: string): KnowledgeDocument[] {
  return readKnowledgeFiles(dir).map(parseKnowledgeFile);
}

function listMarkdown(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listMarkdown(full));
    else if (name.endsWith(".md") && name.toLowerCase() !== "readme.md") out.push(full);
  }
  return out;
}

/** Hash of everything that shapes the index: knowledge files, glossary and chunker version. */
export function knowledgeHash(dir: string, extra: string): string {
  return knowledgeHashOf(
    listMarkdown(dir).map((file) => ({ source: relative(dir, file), bytes: readFileSync(file) })),
    extra,
  );
}

/** `knowledgeHash` of files already read (ingest reads each file once). */
export function knowledgeHashOf(files: readonly { source: string; bytes: Buffer }[], extra: string): string {
  const hash = createHash("sha256");
  hash.update(CHUNKER_VERSION);
  for (const file of files) {
    hash.update(file.source);
    hash.update(file.bytes);
  }
  hash.update(extra);
  return hash.digest("hex");
}
