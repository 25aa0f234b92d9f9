import { normalizeText } from "../text/normalize.js";

/**
 * Shared text preparation for the meaning-based rails: bounded first (no regex or normalisation
 * ever sees more than MAX_SCAN characters), then folded so the lexicon and the intent classifier
 * see one spelling whatever the keyboard: NFKC, lower case, no diacritics (Hangul recomposed;
 * Devanagari and Thai keep their vowel signs).
 */
export const MAX_SCAN = 8_000;

export function bound(text: string, max = MAX_SCAN): string {
  return typeof text === "string" ? (text.length > max ? text.slice(0, max) : text) : "";
}

export function fold(text: string): string {
  return (
    normalizeText(withoutTags(text))
      .toLowerCase()
      .replace(/ı/gu, "i")
      .normalize("NFD")
      // Accents go; Devanagari and Thai vowel signs stay: they are letters there, and without
      // them "क्या" (what) and "क्यों" (why) fold to the same word.
      .replace(/([^\u0900-\u097F\u0E00-\u0E7F\p{M}])\p{M}+/gu, "$1")
      .normalize("NFC")
  );
}

/**
 * Unicode tag characters (U+E0020–U+E007E) mirror printable ASCII and render as nothing: text
 * written in them is invisible to the reader but not to a model. Returns the hidden ASCII text
 * (empty when there is none). Emoji subdivision flags use a few tag letters; callers decide how
 * much hidden text is too much.
 */
export function hiddenTagText(text: string): string {
  const input = bound(text);
  let hidden = "";
  for (let i = 0; i < input.length; i++) {
    const hi = input.charCodeAt(i);
    // Tag characters are the surrogate pair DB40 DC20–DC7E.
    if (hi === 0xdb40 && i + 1 < input.length) {
      const lo = input.charCodeAt(i + 1);
      if (lo >= 0xdc20 && lo <= 0xdc7e) hidden += String.fromCharCode(lo - 0xdc00);
      i++;
    }
  }
  return hidden;
}

/** The text without tag characters (and so without anything hidden in them). */
export function withoutTags(text: string): string {
  return bound(text).replace(/[\u{E0000}-\u{E007F}]/gu, "");
}

/** Which writing system dominates: decides how the lexicon matches and which language to answer in. */
export type Script = "latin" | "cyrillic" | "han" | "kana" | "hangul" | "thai" | "arabic" | "devanagari" | "greek" | "other";

export function dominantScript(text: string): Script {
  const counts: Record<Script, number> = { latin: 0, cyrillic: 0, han: 0, kana: 0, hangul: 0, thai: 0, arabic: 0, devanagari: 0, greek: 0, other: 0 };
  const input = bound(text, 2_000);
  for (const ch of input) {
    const c = ch.codePointAt(0)!;
    if (c < 0x41) continue;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c <= 0x24f) || (c >= 0x1e00 && c <= 0x1eff)) counts.latin++;
    else if (c >= 0x400 && c <= 0x4ff) counts.cyrillic++;
    else if (c >= 0x370 && c <= 0x3ff) counts.greek++;
    else if (c >= 0x3040 && c <= 0x30ff) counts.kana += 3; // kana marks Japanese even among many kanji
    else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) counts.han++;
    else if ((c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff)) counts.hangul++;
    else if (c >= 0xe00 && c <= 0xe7f) counts.thai++;
    else if (c >= 0x600 && c <= 0x6ff) counts.arabic++;
    else if (c >= 0x900 && c <= 0x97f) counts.devanagari++;
  }
  let best: Script = "other";
  let max = 0;
  for (const [script, n] of Object.entries(counts) as [Script, number][]) {
    if (n > max) {
      best = script;
      max = n;
    }
  }
  if (best === "han" && counts.kana > 0) return "kana";
  return best;
}
