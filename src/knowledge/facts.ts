import type { Chunk } from "../types.js";
import { contentTerms, isStopword, normalizeText, splitSentences, words } from "../text/normalize.js";
import { englishRarity } from "../text/english.js";

/**
 * Structured facts read from the knowledge's own Markdown conventions, so a new guide in the same
 * format gets the same answers: "Status: Production" lines, "Companies: A, B, C" lists, headings
 * with subsections (an enumeration in the guide's order), the names the guide uses and its summary
 * sections. What a sentence's numbers measure (money, duration, percent) is read where it is scored.
 */

export type NumberKind = "money" | "duration" | "percent" | "count";

export interface NamedThing {
  /** As the guide writes it ("Rockwell Automation"). */
  name: string;
  /** "IT", "CE": an acronym that is also an everyday word matches only in capitals. */
  caseSensitive: boolean;
  /** "AI PMs", "manufacturing": words the whole guide uses, which say nothing about a topic. */
  generic: boolean;
  /** Chunks whose "Key: a, b" list names it. */
  listedIn: string[];
  /** Chunks whose text or heading mentions it. */
  mentionedIn: string[];
}

export interface KnowledgeFacts {
  /** Sections with a Status line, in guide order. */
  statuses: { chunkId: string; title: string; status: string }[];
  /** Parent chunk id -> its subsections' ids, in guide order. */
  children: Map<string, string[]>;
  /** Lower-cased alias ("rockwell", "ge", "c3.ai") -> the thing it names. */
  names: Map<string, NamedThing>;
  /** Longest alias in words, to bound the name scan. */
  maxNameWords: number;
  /** The first word of every alias: a scan tries longer aliases only from these. */
  firstNameWords: Set<string>;
  /** Words that place a question in the guide's world: its names, headings and rare words. */
  worldWords: Set<string>;
  /** Sections that summarise others (a TL;DR naming three or more other sections' topics). */
  summaries: Set<string>;
}

const LIST_LINE = /^([A-Z][A-Za-z]{1,20}): (.+)$/u;
const NON_LIST_KEYS = new Set(["Status", "Kind"]);

const MONEY = /\$\s?\d|\d\s?(?:k|m|bn|billion|million|trillion)\b|\d\s?(?:usd|eur|dollars?)\b/iu;
const DURATION = /\d[\d\s.,–-]*\s?(?:hours?|hrs?|days?|weeks?|months?|years?|quarters?)\b|\b\d{1,2}-(?:hour|day|week|month|year)\b/iu;
const PERCENT = /\d\s?%|\bpercent\b/iu;
const COUNT = /\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|dozens?)\b/iu;

/** A stated span of time: "12-24 months", "30-90 days", "the 18-month mark" (the upper bound counts). */
const STATED_SPAN = /\b(\d{1,4})(?:\s?[-–]\s?(\d{1,4}))?[\s-]?(hour|day|week|month|year)s?\b/gu;
const DAYS_PER: Record<string, number> = { hour: 1 / 24, day: 1, week: 7, month: 30, year: 365 };

/** The longest span of time a sentence states, in days (0 if it states none). One linear pass. */
export function longestSpanInDays(sentence: string): number {
  let days = 0;
  for (const m of sentence.matchAll(STATED_SPAN)) days = Math.max(days, Number(m[2] ?? m[1]) * DAYS_PER[m[3]!]!);
  return days;
}

export function numberKinds(sentence: string): NumberKind[] {
  const kinds: NumberKind[] = [];
  if (MONEY.test(sentence)) kinds.push("money");
  if (DURATION.test(sentence)) kinds.push("duration");
  if (PERCENT.test(sentence)) kinds.push("percent");
  if (kinds.length === 0 && COUNT.test(sentence)) kinds.push("count");
  return kinds;
}

/** "Microsoft (Azure IoT / Connected Factory), AWS (…)" split at top-level commas only. */
export function splitListValue(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of value) {
    if (ch === "(") depth++;
    if (ch === ")") depth = Math.max(0, depth - 1);
    if (ch === "," && depth === 0) {
      if (current.trim()) items.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  if (current.trim()) items.push(current.trim());
  return items;
}

/** A "Key: value" line that is not a sentence ("Status: Production", "Companies: A, B"). */
export function isKeyLine(paragraph: string): boolean {
  return LIST_LINE.test(paragraph) && !/[.!?]$/u.test(paragraph);
}

/** A list line's value as it reads ("C3.ai, Sight Machine, …"), or null for a sentence. */
export function listValue(paragraph: string): { key: string; value: string } | null {
  const m = LIST_LINE.exec(paragraph);
  if (!m || NON_LIST_KEYS.has(m[1]!) || /[.!?]$/u.test(paragraph) || !m[2]!.includes(",")) return null;
  return { key: m[1]!, value: m[2]! };
}

/**
 * What a list item can be called: "GE Vernova / GE Digital" is also "GE Digital" and "GE";
 * "Microsoft (Azure IoT / Connected Factory)" is also "Azure IoT"; "Siemens Digital Industries" is
 * also "Siemens". A first word is an alias only when it is not an everyday word ("Sight").
 */
function aliasesOf(item: string, isDistinctive: (word: string) => boolean): string[] {
  const outer = item.replace(/\s*\([^)]*\)/gu, "").trim();
  // A product in parentheses ("Azure IoT") names its company; a description ("manufacturing data
  // cloud") does not: only parts with a word the guide rarely uses become aliases.
  const inner = [...item.matchAll(/\(([^)]*)\)/gu)].flatMap((m) => m[1]!.split(/\s*[/,]\s*/u)).filter((part) => words(part).some(isDistinctive));
  const names = [outer, ...outer.split(/\s*\/\s*/u), ...inner].map((s) => s.trim()).filter((s) => s.length >= 2);
  const out = new Set(names);
  for (const name of [outer, ...outer.split(/\s*\/\s*/u)]) {
    const first = name.split(/\s+/u)[0]!;
    if (first !== name && /^\p{Lu}/u.test(first) && (first.length <= 3 || englishRarity(first) >= 0.6)) out.add(first);
  }
  return [...out];
}

/** Capitalised names in running text (not a sentence's first word), joined when adjacent. */
function namesInText(sentence: string): string[] {
  const tokens = sentence.split(/\s+/u);
  const names: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length > 0) names.push(run.join(" "));
    run = [];
  };
  tokens.forEach((raw, i) => {
    if (raw.startsWith("(")) flush();
    const token = raw.replace(/^[("'“]+|[)"'”,;:.!?]+$/gu, "");
    const capitalised = /^\p{Lu}[\p{L}\p{N}.&-]*$/u.test(token) && i > 0;
    const isName = capitalised && (/^\p{Lu}[\p{Lu}\p{N}&.-]+$/u.test(token) || englishRarity(token) >= 0.5 || run.length > 0);
    if (isName) run.push(token);
    else flush();
    if (/[,;:.!?)]$/u.test(raw)) flush();
  });
  flush();
  return names;
}

export function extractFacts(chunks: readonly Chunk[], extraWorldWords: readonly string[] = []): KnowledgeFacts {
  const statuses: KnowledgeFacts["statuses"] = [];
  const children = new Map<string, string[]>();
  const names = new Map<string, NamedThing>();
  const world = new Set<string>();

  // How many sections use a word: a word in one or two is distinctive ("Greengrass"), one in many is not.
  const sectionCount = new Map<string, number>();
  for (const chunk of chunks) for (const w of new Set(words(`${chunk.title} ${chunk.text}`))) sectionCount.set(w, (sectionCount.get(w) ?? 0) + 1);
  const isDistinctive = (w: string) => (sectionCount.get(w) ?? 0) <= 2;
  const stemCount = new Map<string, number>();
  for (const chunk of chunks) for (const t of new Set(contentTerms(`${chunk.title} ${chunk.text}`))) stemCount.set(t, (stemCount.get(t) ?? 0) + 1);

  const named = (alias: string, name: string): NamedThing => {
    const key = normalizeText(alias).toLowerCase();
    let thing = names.get(key);
    if (!thing) {
      const caseSensitive = /^[\p{Lu}\p{N}]+$/u.test(alias) && englishRarity(key) < 0.5;
      const stems = contentTerms(alias);
      const generic = stems.length === 0 || stems.every((t) => (stemCount.get(t) ?? 0) > 4);
      thing = { name, caseSensitive, generic, listedIn: [], mentionedIn: [] };
      names.set(key, thing);
    }
    return thing;
  };
  const addOnce = (list: string[], id: string) => {
    if (!list.includes(id)) list.push(id);
  };

  for (const chunk of chunks) {
    if (chunk.metadata.Kind === "promotion") continue;
    if (chunk.parentSection) {
      const list = children.get(chunk.parentSection) ?? [];
      list.push(chunk.id);
      children.set(chunk.parentSection, list);
    }
    if (chunk.metadata.Status) statuses.push({ chunkId: chunk.id, title: chunk.title, status: chunk.metadata.Status });
    for (const w of contentTerms(chunk.title)) world.add(w);
    addOnce(named(chunk.title, chunk.title).mentionedIn, chunk.id);
    // "a digital twin" names the "Digital twins" section too.
    if (/[^s]s$/iu.test(chunk.title) && chunk.title.split(/\s+/u).length <= 4) addOnce(named(chunk.title.slice(0, -1), chunk.title).mentionedIn, chunk.id);

    for (const paragraph of chunk.text.split("\n\n")) {
      const list = listValue(paragraph);
      if (list) {
        for (const item of splitListValue(list.value)) {
          for (const alias of aliasesOf(item, isDistinctive)) addOnce(named(alias, item.replace(/\s*\([^)]*\)/gu, "")).listedIn, chunk.id);
        }
        continue;
      }
      if (isKeyLine(paragraph)) continue; // "Status: Production"
      for (const sentence of splitSentences(paragraph)) {
        for (const name of namesInText(sentence)) {
          addOnce(named(name, name).mentionedIn, chunk.id);
          // "Siemens Xcelerator" is also "Siemens".
          const first = name.split(" ")[0]!;
          if (first !== name && (first.length <= 3 || englishRarity(first) >= 0.6)) addOnce(named(first, first).mentionedIn, chunk.id);
        }
      }
    }
    for (const w of words(chunk.text)) if (w.length >= 4 && englishRarity(w) >= 0.75) world.add(w);
  }
  for (const [alias] of names) for (const w of words(alias)) if (!isStopword(w) && englishRarity(w) >= 0.55) world.add(w);
  for (const w of extraWorldWords) for (const x of words(w)) world.add(x);
  const maxNameWords = Math.max(1, ...[...names.keys()].map((k) => k.split(" ").length));
  const firstNameWords = new Set([...names.keys()].map((k) => k.split(" ")[0]!));
  const summaries = new Set<string>();
  for (const chunk of chunks) {
    const text = chunk.text.toLowerCase();
    const named = chunks.filter((other) => other.id !== chunk.id && other.parentSection !== chunk.id && other.title.length >= 8 && text.includes(other.title.toLowerCase())).length;
    if (named >= 3) summaries.add(chunk.id);
  }
  return { statuses, children, names, maxNameWords, firstNameWords, worldWords: world, summaries };
}

/**
 * The guide's names in a question, longest first ("GE Digital" before "GE"), each once. Linear in
 * the question's length: it looks up word n-grams up to the longest name.
 */
export function namesIn(text: string, facts: KnowledgeFacts): { alias: string; thing: NamedThing }[] {
  const original = normalizeText(text.length > 4_000 ? text.slice(0, 4_000) : text)
    .split(/[\s,;:!?()"]+/u)
    .map((t) => t.replace(/^['“]+|['”.?]+$/gu, "").replace(/'s$/u, ""))
    .filter(Boolean);
  const tokens = original.map((t) => t.toLowerCase());
  const found: { alias: string; thing: NamedThing }[] = [];
  const taken = new Set<number>();
  for (let n = facts.maxNameWords; n >= 1; n--) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // Every alias of two words or more starts with one of these (singular forms only change the end).
      if (n > 1 && !facts.firstNameWords.has(tokens[i]!)) continue;
      if (anyTaken(taken, i, n)) continue;
      const alias = tokens.slice(i, i + n).join(" ");
      const singular = alias.endsWith("s") ? alias.slice(0, -1) : alias;
      const thing = facts.names.get(alias) ?? facts.names.get(singular);
      if (!thing || found.some((f) => f.thing === thing)) continue;
      if (thing.caseSensitive && original.slice(i, i + n).join(" ").toLowerCase() === alias && !/\p{Lu}/u.test(original.slice(i, i + n).join(""))) continue;
      found.push({ alias, thing });
      for (let j = i; j < i + n; j++) taken.add(j);
    }
  }
  return found;
}

function anyTaken(taken: ReadonlySet<number>, from: number, count: number): boolean {
  for (let k = from; k < from + count; k++) if (taken.has(k)) return true;
  return false;
}

/** The question mentions something of the guide's world (a name, a heading word, a rare term). */
export function inGuideWorld(text: string, facts: KnowledgeFacts): boolean {
  return words(text).some((w) => facts.worldWords.has(w)) || contentTerms(text).some((t) => facts.worldWords.has(t));
}
