import { normalizeText } from "../text/normalize.js";

/**
 * Undo the disguises people use to slip instructions past filters, so detectors see the plain
 * words: homoglyphs (Cyrillic "о" for Latin "o"), leetspeak, letter spacing ("i g n o r e"),
 * diacritics, and base64-encoded payloads. Returns every reading worth scanning.
 */
const HOMOGLYPHS: Record<string, string> = {
  а: "a", в: "b", е: "e", ё: "e", к: "k", м: "m", н: "h", о: "o", р: "p", с: "c", т: "t", у: "y", х: "x", і: "i", ї: "i", ј: "j", ѕ: "s", ԁ: "d", ɡ: "g", һ: "h", ԛ: "q", ԝ: "w",
  α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ω: "w", ѵ: "v",
  "ı": "i", "ℓ": "l",
};
const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s", "!": "i", "|": "l" };

export function foldHomoglyphs(text: string): string {
  let out = "";
  for (const ch of text) out += HOMOGLYPHS[ch] ?? HOMOGLYPHS[ch.toLowerCase()] ?? ch;
  return out;
}

function foldDiacritics(text: string): string {
  return text.normalize("NFD").replace(/\p{M}+/gu, "");
}

/** "i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e" -> "ignore" (runs of 3+ single letters). */
export function joinSpacedLetters(text: string): string {
  // Two or more spaces inside a run separate words: "i g n o r e   a l l" -> "ignore all".
  return text.replace(/(?:\b\p{L}[\s.\-_*]+){2,}\p{L}\b/gu, (run) =>
    run
      .split(/\s{2,}/u)
      .map((word) => word.replace(/[\s.\-_*]+/gu, ""))
      .join(" "),
  );
}

function unleet(text: string): string {
  // Only inside words that mix letters and leet digits, so "40-60 hours" stays as it is. Each run
  // of word characters is matched once and then inspected: a pattern that requires a letter inside
  // the run would rescan a long letterless run ("1-1-1-…") from every position, in quadratic time.
  return text.replace(/[\p{L}0-9@$!|-]+/gu, (word) => (/\p{L}/u.test(word) && /[0-9@$!|]/u.test(word) ? [...word].map((c) => LEET[c] ?? c).join("") : word));
}

/** Decoded base64 runs that turn out to be readable text. */
export function decodeBase64Runs(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/gu)) {
    const decoded = Buffer.from(match[0], "base64").toString("utf8");
    const printable = decoded.replace(/[^\x20-\x7E\n]/gu, "");
    if (decoded.length >= 8 && printable.length / decoded.length > 0.9 && /[a-z]{3,}\s/iu.test(decoded)) found.push(decoded);
  }
  return found;
}

/**
 * Detectors read at most this many characters (after normalisation) of one text. The pipeline
 * never hands them more (MAX_INPUT_CHARS is at most 32,000 and history turns are cut to 2,000);
 * the bound keeps a direct caller's cost bounded too, since NFKC can make one character 18.
 */
export const SCAN_LIMIT = 40_000;

/** Every reading of the text a detector should scan, lower-cased. */
export function readingsOf(text: string): string[] {
  const normalized = normalizeText(text.slice(0, SCAN_LIMIT * 2)).slice(0, SCAN_LIMIT);
  const base = foldDiacritics(foldHomoglyphs(normalized)).toLowerCase();
  // The unfolded text too: homoglyph folding would turn real Cyrillic words into nonsense.
  const plain = normalized.toLowerCase();
  const readings = new Set([plain, base, joinSpacedLetters(base), unleet(base), unleet(joinSpacedLetters(base))]);
  for (const decoded of decodeBase64Runs(normalized)) readings.add(foldDiacritics(decoded).toLowerCase());
  return [...readings];
}
