import type { LexiconHit } from "./lexicon.js";

/**
 * What the lexicon found, as features the intent classifier can weigh: "a safety function is
 * named", "a defeat word", "a word of the sanctioned route", "the coach is addressed", and the
 * pairs that matter ("a defeat word with a named function", "a process word with a named
 * function"). They are the same in every language, so a defeat request in a language with few
 * training sentences borrows what the classifier learned from the others.
 */

/** Second-person words in the lexicon's languages: an injection speaks to the coach. */
export const ADDRESSED =
  /(^|[^\p{L}])(you|your|yours|yourself|u|du|dich|dir|dein|deine|deinen|ihr|tu|toi|ton|ta|tes|vous|votre|vos|te|tus|usted|voce|seu|sua|tuo|tua|tue|tuoi|jij|je|jouw|ty|twoj|twoja|twoje|ci|tebe|tvuj|tvoje|din|dina|ditt|sen|senin|sana|ты|тебя|тебе|твой|твои|твою|вы|ваш|ваши|ти|твій|твої|ban|kamu|anda|mu)([^\p{L}]|$)|你|您|あなた|君|너|당신|네가|คุณ|तुम|आप|أنت|انت/u;

const GROUP: Record<string, string> = { generic: "g", target: "t", framing: "f", defeat: "d", weak: "w", legit: "l", model: "m", skip: "k", ai: "i", negation: "n", evasion: "e", explain: "x", capability: "p" };

/** Feature names for one text's lexicon hits (each once; order does not matter). */
export function lexiconSignals(hits: readonly LexiconHit[], addressed: boolean): string[] {
  const on = new Set<string>();
  for (const h of hits) on.add(GROUP[h.id] ?? "c");
  if (addressed) on.add("a");
  const out = [...on].map((s) => `lex:${s}`);
  const pair = (x: string, y: string) => on.has(x) && on.has(y) && out.push(`lex:${x}+${y}`);
  pair("c", "d");
  pair("w", "d");
  pair("g", "d");
  pair("c", "l");
  pair("d", "l");
  pair("c", "f");
  pair("t", "a");
  pair("m", "k");
  pair("i", "d");
  pair("e", "d");
  pair("e", "c");
  pair("x", "d");
  pair("i", "c");
  if (on.has("i") && on.has("d") && !on.has("n")) out.push("lex:i+d-n");
  if (on.has("i") && on.has("d") && on.has("p") && !on.has("n")) out.push("lex:i+d+p-n");
  if (!on.has("c") && !on.has("g") && !on.has("w")) out.push("lex:no-device");
  return out;
}
