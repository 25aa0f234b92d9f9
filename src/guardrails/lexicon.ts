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
}

interface Node {
  next: Map<string, Node>;
  /** Set when a term ends here: what it names and how it may be matched. */
  hit?: { id: string; lang: string; short: boolean; inner: boolean };
}

export interface LexiconHit {
  id: string;
  lang: string;
}

/** Groups that are not safety concepts themselves. */
const SIGNAL_IDS = new Set(["target", "generic", "framing", "defeat", "weak", "legit"]);
const LETTER = /[\p{L}\p{N}]/u;
/** Scripts written without spaces between words: a term may start anywhere. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
/** Scripts whose words take endings (Korean particles): a term need not end a word. */
const SUFFIXED = /[\p{Script=Hangul}]/u;

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
    this.languages = [...langs].sort();
  }

  static fromFile(path: string): Lexicon {
    return new Lexicon(JSON.parse(readFileSync(path, "utf8")) as LexiconFile);
  }

  static fromKnowledge(knowledgeDir: string): Lexicon {
    return Lexicon.fromFile(join(knowledgeDir, "safety", "lexicon.json"));
  }

  private add(term: string, id: string, lang: string): void {
    const folded = fold(term);
    if (!folded) return;
    let node = this.root;
    for (const ch of folded) {
      let next = node.next.get(ch);
      if (!next) node.next.set(ch, (next = { next: new Map() }));
      node = next;
    }
    const letters = [...folded].length;
    const unspaced = UNSPACED.test(folded);
    // Short Latin or Cyrillic terms ("sis", "trip", "loto") must be whole words (a plural "s" is
    // fine), or "sistema" would name a SIS; long ones may sit inside a compound (Schutztürverriegelung).
    const existing = node.hit;
    if (!existing || SIGNAL_IDS.has(existing.id)) node.hit = { id, lang, short: !unspaced && !SUFFIXED.test(folded) && letters <= 4, inner: unspaced || letters >= 7 };
    this.depth = Math.max(this.depth, letters);
  }

  /** Every concept named in already-folded text (see fold()), each once, in order of appearance. */
  matchFolded(folded: string): LexiconHit[] {
    const chars = [...folded];
    const found = new Map<string, LexiconHit>();
    for (let i = 0; i < chars.length; i++) {
      const atWordStart = i === 0 || !LETTER.test(chars[i - 1]!);
      let node: Node | undefined = this.root;
      for (let j = i; j < chars.length && j - i < this.depth; j++) {
        node = node.next.get(chars[j]!);
        if (!node) break;
        const hit = node.hit;
        if (!hit) continue;
        if (!atWordStart && !hit.inner && !UNSPACED.test(chars[i]!)) continue;
        if (hit.short) {
          const after = chars[j + 1];
          const afterNext = chars[j + 2];
          const wordEnds = after === undefined || !LETTER.test(after) || (after === "s" && (afterNext === undefined || !LETTER.test(afterNext)));
          if (!wordEnds) continue;
        }
        const key = hit.id;
        if (!found.has(key)) found.set(key, { id: hit.id, lang: hit.lang });
      }
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
