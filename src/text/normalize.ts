/** Bump whenever tokenising or stemming changes: built indexes depend on it and are rebuilt. */
export const ANALYZER_VERSION = "6";

/**
 * Text normalisation and tokenisation shared by the embedder, the lexical index, the composer and
 * the guardrails, so that every part agrees on what a "word" is.
 */

// Combining joiners and variation selectors are listed on purpose: they are what we strip.
// eslint-disable-next-line no-misleading-character-class
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/gu;

/** NFKC, no invisible or bidi control characters, unified quotes and dashes, collapsed spaces. */
export function normalizeText(input: string): string {
  return input
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .replace(/[\u2018\u2019\u201B\u2032]/gu, "'")
    .replace(/[\u201C\u201D\u201F\u2033]/gu, '"')
    .replace(/[\u2010-\u2015\u2212]/gu, "-")
    .replace(/\s+/gu, " ")
    .trim();
}

/** The most characters `words` reads. */
const MAX_WORDS_INPUT = 64_000;
// Anything but printable ASCII, tabs and line breaks sends a text down the Unicode path below.
const NON_ASCII = /[^\x20-\x7E\t\n\r]/u;

/** Lower-cased words and numbers; diacritics folded so "Vernová" matches "Vernova". */
export function words(raw: string): string[] {
  // Bounded before and after normalising: NFKC can expand one character into eighteen ("ﷺ"),
  // and nothing the coach reads as words (a question, a chunk of a document) is this long.
  const input = raw.length > MAX_WORDS_INPUT ? raw.slice(0, MAX_WORDS_INPUT) : raw;
  // Plain ASCII needs no Unicode normalisation, folding or replacement: the same words, found in
  // one pass (ingest tokenises every chunk of a large corpus).
  if (!NON_ASCII.test(input)) return input.toLowerCase().match(/[a-z0-9]+/gu) ?? [];
  const folded = normalizeText(input)
    .slice(0, 2 * MAX_WORDS_INPUT)
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{M}+/gu, "");
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

const STOPWORDS = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have how i if in into is it its " +
    "me my of on or our should so than that the their them then there these they this those to was we were what when where " +
    "which who whom why will with would you your yours about also any some such just more most very much many get got " +
    "tell say says said know need want like please help give show explain describe guide coach question questions " +
    "thing things someone something anyone anything am im ive id dont doesnt isnt arent whats hows whos lot lots kind " +
    "really actually maybe ok okay hi hello hey thanks thank us main key top important common typical typically usually " +
    "exactly basically example examples way ways good best better biggest big mean means going look looking find trying try " +
    "able currently right now kinds type types sort long"
  ).split(" "),
);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word) || (word.length === 1 && !/\d/u.test(word));
}

/** HTML tags a user may paste around a question ("<p>What is <i>PdM</i>?</p>"). */
export function stripTags(text: string): string {
  // [^<>]: a tag never contains "<", and "<a<a<a…" is then scanned once, not from every "<".
  return text.replace(/<\/?[a-z][^<>]*>/giu, " ");
}

/** Markup a user may paste around a question (HTML tags, Markdown emphasis, code ticks). */
export function stripMarkup(text: string): string {
  return stripTags(text).replace(/[`*_~]+/gu, " ");
}

/** "wich", "waht", "shoud": a misspelt filler word, not an unknown topic word. */
export function isMisspeltStopword(word: string): boolean {
  if (word.length < 3) return false;
  for (const s of STOPWORDS) {
    if (s.length < 4 || Math.abs(s.length - word.length) > 1 || (word.length === 3 && s[0] !== word[0])) continue;
    if (editDistance(word, s, 1) <= 1) return true;
  }
  return false;
}

/**
 * A light, deterministic suffix stripper: enough to match "companies"/"company",
 * "hiring"/"hire", "vendors"/"vendor" without a dictionary.
 */
const KEEP_AS_IS = new Set(["aws", "gps", "ios", "sas", "gas", "bus", "has", "was", "his", "its", "yes", "less", "process", "status", "analysis"]);

export function stem(word: string): string {
  if (KEEP_AS_IS.has(word) || /\d/u.test(word)) return word;
  // Plural acronyms: "PMs", "PLCs", "KPIs".
  if (word.length <= 5 && word.endsWith("s") && !/[aeiou]/u.test(word.slice(0, -1))) return word.slice(0, -1);
  if (word.length <= 3) return word;
  let w = word;
  if (w.endsWith("acy") && w.length > 5) w = `${w.slice(0, -3)}ate`;
  else if (w.endsWith("ency") && w.length > 6) w = w.slice(0, -1).replace(/nc$/u, "nt");
  if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) w = w.slice(0, -1);
  if (w.endsWith("ing") && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith("ed") && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith("ly") && w.length > 4) w = w.slice(0, -2);
  if (w.endsWith("e") && w.length > 3) w = w.slice(0, -1);
  return w;
}

/** Stems of one word family that the stemmer leaves apart ("stabl"/"stabil", "employ"/"employer"): they share nearly all of the shorter one. */
export function sameWordFamily(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = Math.min(a.length, b.length);
  if (shorter < 5) return false;
  let common = 0;
  while (common < shorter && a[common] === b[common]) common++;
  return common >= 4 && common >= 0.8 * shorter;
}

/** Content terms: stems of the non-stopword words. */
export function contentTerms(input: string): string[] {
  return contentTermsOf(words(input));
}

/** `contentTerms` of text already split by `words` (ingest tokenises each chunk once for every index). */
export function contentTermsOf(textWords: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of textWords) if (!isStopword(w)) out.push(stemRemembered(w));
  return out;
}

/** Stems remembered: a corpus repeats its words. Bounded: a huge vocabulary starts over. */
const stemmed = new Map<string, string>();
function stemRemembered(word: string): string {
  let s = stemmed.get(word);
  if (s === undefined) {
    s = stem(word);
    if (stemmed.size >= 100_000) stemmed.clear();
    stemmed.set(word, s);
  }
  return s;
}

const ABBREVIATIONS = /(?:\b(?:vs|sr|jr|dr|mr|ms|mrs|st|inc|ltd|co|etc|e\.g|i\.e|approx|no)\.)$/iu;

/** Split prose into sentences, keeping abbreviations ("vs.", "Sr.") and decimals ("$1.2") intact. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  const boundary = /[.!?](?=\s+["'(\p{Lu}\p{N}$])/gu;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    // Only the candidate's tail can end in an abbreviation; testing the whole candidate, which
    // grows while abbreviations are skipped ("vs. A vs. A …"), would take quadratic time.
    if (ABBREVIATIONS.test(text.slice(Math.max(start, m.index - 12), m.index + 1))) continue;
    sentences.push(text.slice(start, m.index + 1).trim());
    start = m.index + 1;
  }
  const rest = text.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences.filter((s) => s.length > 0);
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit ("factroy" is one edit
 * from "factory"), with an early exit once `max` is exceeded.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, beforePrevious[j - 2]! + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}
