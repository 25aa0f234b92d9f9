import type { AnswerPart, Chunk, Citation } from "../types.js";
import { contentTerms, splitSentences } from "../text/normalize.js";
import { redactPersonalData } from "./privacy.js";
import { checkSafety } from "./safety.js";

/**
 * Output hygiene and grounding, applied to every answer before it leaves the core.
 *
 * - Slack control sequences and mass mentions (<!channel>, <!here>, <@U123>, <url|label>) are
 *   neutralised, HTML is made inert, and links must point at hosts the knowledge itself links to.
 * - Every sentence must be supported by a cited chunk, and every capitalised name in it must occur
 *   in the knowledge (an allowlist derived from the chunks), so no company is invented.
 */
export function neutralizeControlSequences(text: string): string {
  return text
    .replace(/<!(channel|here|everyone|subteam\^[^<>]*)(\|[^<>]*)?>/giu, (_, what: string) => `@\u200B${what.split("^")[0]}`)
    .replace(/@(channel|here|everyone)\b/giu, "@\u200B$1")
    // [^<>] rather than [^>]: markup never nests "<", and a run of "<@<@<@…" with no ">" is then
    // scanned once instead of from every "<" (quadratic time on long input).
    .replace(/<[@#!][^<>]*>/gu, "[mention removed]")
    .replace(/<((?:https?|mailto|slack):[^|<>]*)\|([^<>]*)>/giu, "$2 ($1)")
    .replace(/<\/?[a-z][^<>]*>/giu, "")
    .replace(/[<>]/gu, (c) => (c === "<" ? "‹" : "›"));
}

export function allowedLinkHosts(chunks: readonly Chunk[]): Set<string> {
  const hosts = new Set<string>();
  for (const c of chunks) for (const m of c.text.matchAll(/https?:\/\/([^/\s)>\]]+)/giu)) hosts.add(m[1]!.toLowerCase());
  return hosts;
}

export function stripDisallowedLinks(text: string, allowedHosts: ReadonlySet<string>): string {
  return text.replace(/https?:\/\/([^/\s)>\]]+)[^\s)>\]]*/giu, (url, host: string) => (allowedHosts.has(host.toLowerCase()) ? url : "[link removed]"));
}

/**
 * Capitalised words and acronyms in a text, the unit names are checked in ("GE", "C3.ai",
 * "SparkCognition"). `afterSpace` skips a sentence's first word, which is capitalised anyway.
 */
function capitalisedWords(text: string, afterSpace = false): string[] {
  const pattern = afterSpace ? /(?<=\s)\p{Lu}[\p{L}\p{N}.&'-]*/gu : /\p{Lu}[\p{L}\p{N}.&'-]*/gu;
  return [...text.matchAll(pattern)].map((m) => m[0].replace(/[.'-]+$/u, ""));
}

/** Capitalised words and acronyms that appear in the knowledge: the names an answer may use. */
export function nameAllowlist(chunks: readonly Chunk[]): Set<string> {
  const names = new Set<string>();
  for (const c of chunks) for (const name of capitalisedWords(`${c.section} ${c.text}`)) names.add(name);
  return names;
}

/**
 * Bump when `nameAllowlist`, `allowedLinkHosts` or `capitalisedWords` change what they find: the
 * index saves both lists at ingest (reading every chunk at each start took ~1.35 s at 50,000
 * chunks), and an index saved by another version is rebuilt rather than trusted.
 */
export const OUTPUT_ALLOWLISTS_VERSION = 1;

/** What the index saves for the output rail, in the knowledge's order. */
export interface OutputAllowlists {
  version: number;
  names: string[];
  linkHosts: string[];
}

export function outputAllowlistsOf(chunks: readonly Chunk[]): OutputAllowlists {
  return { version: OUTPUT_ALLOWLISTS_VERSION, names: [...nameAllowlist(chunks)], linkHosts: [...allowedLinkHosts(chunks)] };
}

export interface GroundingProblem {
  sentence: string;
  problem: "unsupported" | "unknown_name" | "unsafe" | "foreign_reference" | "markup";
  detail?: string;
}

/**
 * Check an answer's parts against the passages they cite: every sentence of a part must be
 * supported by them (the passages' headings count: "Digital twins is scaling." is read from the
 * heading and its Status line), and every capitalised name in its text must be one the knowledge
 * uses (labels are the coach's own words: a heading, a verdict, a practice point's name). With `everyClaimCites` (answers from the guide), a lead, point or item that cites
 * nothing is itself a problem; otherwise (coaching prompts) an uncited part is not a claim.
 */
export function checkPartsGrounding(parts: readonly AnswerPart[], citations: readonly Citation[], names: ReadonlySet<string>, { everyClaimCites = false } = {}): GroundingProblem[] {
  const problems: GroundingProblem[] = [];
  for (const part of parts) {
    if (part.cites.length === 0) {
      // In an answer from the guide, the lead, points and items are claims and must cite; a note may not.
      if (everyClaimCites && part.kind !== "note") problems.push({ sentence: part.text, problem: "unsupported", detail: "cites no passage" });
      continue;
    }
    const sources = part.cites.map((i) => citations[i]);
    if (sources.some((c) => !c)) {
      problems.push({ sentence: part.text, problem: "unsupported", detail: "cites a passage the answer does not list" });
      continue;
    }
    const sourceText = sources.map((c) => `${c!.path.join(". ")}. ${c!.text}`).join("\n");
    for (const sentence of splitSentences(part.text)) {
      // A quote is checked as it is; only a composed statement ("Digital twins is scaling.") is
      // checked without its connecting words.
      if (!supports(sourceText, sentence) && !supports(sourceText, withoutGlue(sentence))) problems.push({ sentence, problem: "unsupported" });
    }
    // Labels are the coach's own words (a heading, a verdict, a practice point's name), not claims.
    for (const name of capitalisedWords(part.text)) if (!names.has(name) && !VERDICTS.has(name)) problems.push({ sentence: part.text, problem: "unknown_name", detail: name });
  }
  return problems;
}

/** A composed statement ("Digital twins is scaling.") may join the guide's words with these. */
function withoutGlue(sentence: string): string {
  return sentence.replace(/\b(is|are|and|the|a|an|of|in)\b/giu, " ").replace(/\s+/gu, " ").trim();
}

/** Words a composed part may add to the guide's: a verdict, and the status groups' labels. */
const VERDICTS = new Set(["Yes", "No", "Not yet", "Not", "In production", "In", "Scaling", "Emerging"]);

/** A sentence is supported when the chunk contains it, or nearly all of its words. */
function supports(chunkText: string, sentence: string): boolean {
  if (chunkText.includes(sentence)) return true;
  const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}$%]+/gu) ?? [];
  const chunkWords = new Set(words(chunkText));
  const sentenceWords = words(sentence);
  if (sentenceWords.length === 0) return true;
  const covered = sentenceWords.filter((w) => chunkWords.has(w)).length;
  return covered / sentenceWords.length >= 0.9;
}

/**
 * Grounding for model-written text, which paraphrases: every sentence must carry a [n] marker
 * (short ones too: "Just jumper the safety relay." is four words); the cited passages must contain
 * most of its content words and every number it states; every capitalised name must be one the
 * knowledge uses; it must pass the safety rail; and it may carry no link, domain, email, phone or
 * id, and no markup, that the guide itself does not contain (`guideText`, lower-cased).
 */
export function checkLlmGrounding(text: string, citations: readonly Citation[], names: ReadonlySet<string>, guideText = ""): GroundingProblem[] {
  const problems: GroundingProblem[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/^\s*[-*•]\s*/u, "").trim();
    if (!line) continue;
    for (const sentence of splitSentences(line)) {
      const markers = [...sentence.matchAll(/\[(\d+)\]/gu)].map((m) => citations[Number(m[1]) - 1]);
      const plain = sentence.replace(/\s*\[\d+\]/gu, "").replace(/\*\*/gu, "").trim();
      const wordsOf = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}$%.-]+/gu)?.map((w) => w.replace(/[.-]+$/u, "")) ?? [];
      const sentenceWords = wordsOf(plain);
      if (/<\/?[a-z!][^<>]*>|javascript:|&lt;|&#/iu.test(plain)) problems.push({ sentence: plain, problem: "markup" });
      for (const ref of plain.match(/\bhttps?:\/\/[^\s)>\]]+|\bwww\.[^\s)>\]]+|\b[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,8}\.[a-z]{2,24}\b/giu) ?? []) {
        if (!guideText.includes(ref.toLowerCase().replace(/[.,;:]+$/u, ""))) problems.push({ sentence: plain, problem: "foreign_reference", detail: "link or domain" });
      }
      if (redactPersonalData(plain) !== plain && !guideText.includes(plain.toLowerCase())) problems.push({ sentence: plain, problem: "foreign_reference", detail: "contact details or an id" });
      if (checkSafety(plain, []).kind === "refuse") problems.push({ sentence: plain, problem: "unsafe" });
      if (markers.length === 0) {
        if (sentenceWords.length > 0) problems.push({ sentence: plain, problem: "unsupported", detail: "no citation" });
      } else {
        // A passage's headings are part of what it says ("**Digital twins**: …").
        const sourceText = markers.map((c) => (c ? `${c.section} ${c.text}` : "")).join(" ");
        const sourceTerms = new Set(contentTerms(sourceText));
        const terms = contentTerms(plain);
        const covered = terms.filter((t) => sourceTerms.has(t)).length;
        if (terms.length > 0 && covered / terms.length < 0.5) problems.push({ sentence: plain, problem: "unsupported", detail: `${covered}/${terms.length} words in the cited passage` });
        const sourceLower = sourceText.toLowerCase();
        for (const number of plain.match(/\$?\d[\d,.]*(?:[kmbt%+]|\s?(?:million|billion|trillion))?/giu) ?? []) {
          if (!sourceLower.includes(number.toLowerCase().replace(/[.,]$/u, ""))) problems.push({ sentence: plain, problem: "unsupported", detail: `number ${number}` });
        }
      }
      // Sentence-initial words are capitalised anyway; names are checked everywhere else.
      for (const name of capitalisedWords(plain, true)) if (!names.has(name)) problems.push({ sentence: plain, problem: "unknown_name", detail: name });
    }
  }
  return problems;
}

const guideTexts = new WeakMap<readonly Chunk[], string>();

/** The whole guide, lower-cased, for "does the guide contain this link/address" checks (built once per chunk list). */
export function guideTextOf(chunks: readonly Chunk[]): string {
  let text = guideTexts.get(chunks);
  if (text === undefined) {
    text = chunks.map((c) => `${c.section}\n${c.text}`).join("\n").toLowerCase();
    guideTexts.set(chunks, text);
  }
  return text;
}
