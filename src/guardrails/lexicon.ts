import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fold } from "./fold.js";

/**
 * The "what" signal of the meaning-based rails: does the text name a safety function or device
 * (light curtain, interlock, e-stop, SIS trip, relief valve, LOTO…), or the coach's own
 * instructions and configuration, in any of the lexicon's languages? Terms come from
 * knowledge/safety/lexicon.json. Matching walks a character trie from each position, at most as
 * deep as the longest term: linear in the text, whatever the text.
 */
export interface LexiconFile {
  version: number;
  concepts: { id: string; label: string; standards: string[]; terms: Record<string, string[]> }[];
  generic: { terms: Record<string, string[]> };
  injectionTargets: { terms: Record<string, string[]> };
  /** Framings that keep a refused request alive ("hypothetically", "for a training video"). */
  framings?: { terms: Record<string, string[]> };
  /** Words for defeating or running on despite a function ("bypass", "überbrücken", "短接"). */
  defeatVerbs?: { terms: Record<string, string[]> };
  /** Everyday words for a device ("the curtain", "the door"): a weak "what" signal. */
  weakObjects?: { terms: Record<string, string[]> };
  /** Words of the legitimate side (authorise, permit, log, audit, standard, design, explain). */
  legitimate?: { terms: Record<string, string[]> };
  /** A model's word that all is well ("the AI says it's fine", "l'IA dit que", "AI说没问题"). */
  modelWord?: { terms: Record<string, string[]> };
  /** Skipping a check ("skip the inspection", "saltare il controllo", "点検を省略"). */
  skipCheck?: { terms: Record<string, string[]> };
  /** A model or AI as the actor ("the model", "our AI", "la IA", "模型", "モデル"). */
  aiActor?: { terms: Record<string, string[]> };
  /** Negation and "keep out" words ("not", "never", "nicht", "不", "ない", "नहीं"). */
  negation?: { terms: Record<string, string[]> };
  /** Evading the sanctioned route ("without a permit", "so the auditor doesn't notice", "許可なし"). */
  evasion?: { terms: Record<string, string[]> };
  /** A question why, or about consequences ("why", "penalty", "risks", "perché", "なぜ"). */
  explain?: { terms: Record<string, string[]> };
  /** Giving something the power to act ("so it can", "allowed to", "che possa", "できるように"). */
  capability?: { terms: Record<string, string[]> };
}

interface Hit {
  id: string;
  lang: string;
  short: boolean;
  inner: boolean;
  /** The term counts only where a sentence starts ("^perché": "why" there, "so that" inside one). */
  opening: boolean;
}

interface Node {
  next: Map<string, Node>;
  /**
   * Set when a term ends here: what it names and how it may be matched. A concept's term names
   * only the concept; a word in several signal groups ("skip": a defeat word, and a skipped
   * check beside a model's word) counts in each.
   */
  hits?: Hit[];
}

export interface LexiconHit {
  id: string;
  lang: string;
}

/** Groups that are not safety concepts themselves. */
const SIGNAL_IDS = new Set(["target", "generic", "framing", "defeat", "weak", "legit", "model", "skip", "ai", "negation", "evasion", "explain", "capability"]);
/** Combining marks (Devanagari and Thai vowel signs) belong to their word: "दोनों" is one word, not three. */
const LETTER = /[\p{L}\p{M}\p{N}]/u;
/** ASCII fast path for the letter test the walk makes at every step. */
function isLetter(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 128) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  return LETTER.test(c);
}
/** Longest word ending skipped inside a multi-word term, and the walk's budget per start position. */
const MAX_ENDING = 5;
const MAX_SKIPS = 2;
/** Scripts written without spaces between words: a term may start anywhere. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
/** Scripts whose words take endings (Korean particles): a term need not end a word. */
const SUFFIXED = /[\p{Script=Hangul}]/u;
/**
 * Letters that may touch a Latin term without being part of its word: scripts written without
 * spaces, Korean particles and the Arabic tatweel ("把AGV", "AGVの", "AMR이", "الـAMR"). A Latin
 * acronym typed inside such text is still a word of its own.
 */
const ABUTTING = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Hangul}\u0640]/u;

/** Marks that end a sentence or open a quoted one. */
const SENTENCE_MARK = /[.?!¿¡:;\n"«“(]/u;

/**
 * Does a sentence start at `start`: the text's start, or a sentence mark at most three spaces or
 * marks before it. Looks back a fixed few characters, so matching stays linear.
 */
function opensSentence(chars: string[], start: number): boolean {
  for (let k = start - 1; k >= Math.max(0, start - 4); k--) {
    const c = chars[k]!;
    if (SENTENCE_MARK.test(c)) return true;
    if (c !== " " && c !== "\t") return false;
  }
  return start <= 4 && chars.slice(0, start).every((c) => c === " " || c === "\t");
}

export class Lexicon {
  private readonly root: Node = { next: new Map() };
  private depth = 0;
  readonly concepts: LexiconFile["concepts"];
  readonly languages: string[];

  constructor(file: LexiconFile) {
    this.concepts = file.concepts;
    const langs = new Set<string>();
    for (const c of file.concepts) for (const [lang, terms] of Object.entries(c.terms)) for (const t of terms) {
      langs.add(lang);
      this.add(t, c.id, lang);
    }
    for (const [lang, terms] of Object.entries(file.generic.terms)) for (const t of terms) this.add(t, "generic", lang);
    for (const [lang, terms] of Object.entries(file.injectionTargets.terms)) for (const t of terms) this.add(t, "target", lang);
    for (const [lang, terms] of Object.entries(file.framings?.terms ?? {})) for (const t of terms) this.add(t, "framing", lang);
    for (const [lang, terms] of Object.entries(file.defeatVerbs?.terms ?? {})) for (const t of terms) this.add(t, "defeat", lang);
    for (const [lang, terms] of Object.entries(file.weakObjects?.terms ?? {})) for (const t of terms) this.add(t, "weak", lang);
    for (const [lang, terms] of Object.entries(file.legitimate?.terms ?? {})) for (const t of terms) this.add(t, "legit", lang);
    for (const [lang, terms] of Object.entries(file.modelWord?.terms ?? {})) for (const t of terms) this.add(t, "model", lang);
    for (const [lang, terms] of Object.entries(file.skipCheck?.terms ?? {})) for (const t of terms) this.add(t, "skip", lang);
    for (const [lang, terms] of Object.entries(file.aiActor?.terms ?? {})) for (const t of terms) this.add(t, "ai", lang);
    for (const [lang, terms] of Object.entries(file.negation?.terms ?? {})) for (const t of terms) this.add(t, "negation", lang);
    for (const [lang, terms] of Object.entries(file.evasion?.terms ?? {})) for (const t of terms) this.add(t, "evasion", lang);
    for (const [lang, terms] of Object.entries(file.explain?.terms ?? {})) for (const t of terms) this.add(t, "explain", lang);
    for (const [lang, terms] of Object.entries(file.capability?.terms ?? {})) for (const t of terms) this.add(t, "capability", lang);
    this.languages = [...langs].sort();
  }

  static fromFile(path: string): Lexicon {
    return new Lexicon(JSON.parse(readFileSync(path, "utf8")) as LexiconFile);
  }

  static fromKnowledge(knowledgeDir: string): Lexicon {
    return Lexicon.fromFile(join(knowledgeDir, "safety", "lexicon.json"));
  }

  private add(term: string, id: string, lang: string): void {
    const opening = term.startsWith("^");
    const folded = fold(opening ? term.slice(1) : term);
    if (!folded) return;
    let node = this.root;
    for (const ch of folded) {
      let next = node.next.get(ch);
      if (!next) node.next.set(ch, (next = { next: new Map() }));
      node = next;
    }
    const letters = [...folded].length;
    // Only a long first word may start inside a compound ("…verriegelung"); "not aus" may not
    // start inside "benötigen".
    const firstWord = [...(folded.split(" ")[0] ?? "")].length;
    const unspaced = UNSPACED.test(folded);
    // Short Latin or Cyrillic terms ("sis", "trip", "loto") must be whole words (a plural "s" is
    // fine), or "sistema" would name a SIS; long ones may sit inside a compound (Schutztürverriegelung).
    // A term that starts with an apostrophe is an ending ("'s lock": anyone's lock, whatever
    // the name before it), so it starts inside the word it ends.
    const ending = !isLetter(folded[0]!);
    const hit: Hit = { id, lang, short: !unspaced && !SUFFIXED.test(folded) && letters <= 4, inner: unspaced || firstWord >= 7 || ending, opening };
    const existing = node.hits ?? [];
    if (!SIGNAL_IDS.has(id)) node.hits = [hit];
    else if (existing.every((h) => SIGNAL_IDS.has(h.id) && h.id !== id)) node.hits = [...existing, hit];
    this.depth = Math.max(this.depth, letters);
  }

  /**
   * Every concept named in already-folded text (see fold()), each once, in order of appearance.
   * A word inside a multi-word term may carry an ending the term does not ("întrerupătorul de
   * siguranță" for "întrerupător de siguranță"): at a space of the term, up to five more letters
   * of the text's word are skipped, twice per term at most, so each start costs at most a few
   * walks as long as the longest term: linear in the text.
   */
  matchFolded(folded: string): LexiconHit[] {
    const chars = [...folded];
    const found = new Map<string, LexiconHit>();
    const record = (hit: Hit, start: number, end: number) => {
      if (start > 0 && letter[start - 1] && !hit.inner && !UNSPACED.test(chars[start]!) && !ABUTTING.test(chars[start - 1]!)) return;
      if (hit.opening && !opensSentence(chars, start)) return;
      if (hit.short) {
        const after = chars[end + 1];
        const afterNext = chars[end + 2];
        const wordEnds = after === undefined || !isLetter(after) || ABUTTING.test(after) || (after === "s" && (afterNext === undefined || !isLetter(afterNext)));
        if (!wordEnds) return;
      }
      if (!found.has(hit.id)) found.set(hit.id, { id: hit.id, lang: hit.lang });
    };
    const letter = new Uint8Array(chars.length);
    for (let k = 0; k < chars.length; k++) letter[k] = isLetter(chars[k]!) ? 1 : 0;
    // Follow the trie from `node` at text position `j`; at a space of the term, the rest of the
    // text's word may be skipped (at most `skips` more times). Bounded by the term's length.
    const walk = (start: number, node: Node, j: number, skips: number): void => {
      let current: Node | undefined = node;
      for (let k = j; k < chars.length && current; k++) {
        if (skips > 0 && current !== this.root && letter[k]) {
          const space = current.next.get(" ");
          if (space) {
            let e = k;
            while (e < chars.length && e - k < MAX_ENDING && letter[e]) e++;
            if (e < chars.length && chars[e] === " " && e - k < MAX_ENDING) walk(start, space, e + 1, skips - 1);
          }
        }
        current = current.next.get(chars[k]!);
        if (current?.hits) for (const hit of current.hits) record(hit, start, k);
      }
    };
    for (let i = 0; i < chars.length; i++) {
      // Most positions start no term: skip them without walking.
      if (!this.root.next.has(chars[i]!)) continue;
      walk(i, this.root, i, MAX_SKIPS);
    }
    return [...found.values()];
  }

  match(text: string): LexiconHit[] {
    return this.matchFolded(fold(text));
  }

  /** The standards a concept is governed by, for refusals and answers. */
  standardsOf(id: string): string[] {
    return this.concepts.find((c) => c.id === id)?.standards ?? [];
  }
}

export function safetyConcepts(hits: LexiconHit[]): LexiconHit[] {
  return hits.filter((h) => !SIGNAL_IDS.has(h.id));
}
