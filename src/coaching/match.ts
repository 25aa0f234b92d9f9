import { editDistance, stem, words } from "../text/normalize.js";

/**
 * How a candidate's free-text answer is matched against a key point. A key point lists terms a
 * candidate may use; any one term matches. A term is a word sequence ("class imbalance"), parts
 * joined by " & " must all occur ("scada & dcs"), and a trailing "*" on a word matches any ending
 * ("synchroni*"). Words match by stem and tolerate one typo in longer words, because people type
 * answers quickly ("programable", "histrorian").
 */
export interface Term {
  parts: TermWord[][];
}

interface TermWord {
  word: string;
  prefix: boolean;
}

export function compileTerm(source: string): Term {
  const parts = source.split(/\s+&\s+/u).map((part) =>
    part
      .split(/\s+/u)
      .flatMap((raw) => {
        const tokens = words(raw);
        return tokens.map((word, i) => ({ word, prefix: raw.endsWith("*") && i === tokens.length - 1 }));
      }),
  );
  return { parts: parts.filter((p) => p.length > 0) };
}

function wordMatches(want: TermWord, got: string): boolean {
  if (want.word === got) return true;
  if (want.prefix) return got.startsWith(want.word) || (want.word.length >= 6 && fuzzyPrefix(want.word, got));
  if (stem(want.word) === stem(got)) return true;
  return want.word.length >= 6 && got.length >= 5 && editDistance(want.word, got, 1) <= 1;
}

/** "controlers" starts with a one-typo "controller": compare against prefixes one letter either way. */
function fuzzyPrefix(want: string, got: string): boolean {
  for (const k of [want.length - 1, want.length, want.length + 1]) if (k <= got.length && editDistance(got.slice(0, k), want, 1) <= 1) return true;
  return false;
}

function sequenceAt(tokens: readonly string[], sequence: readonly TermWord[]): boolean {
  outer: for (let i = 0; i + sequence.length <= tokens.length; i++) {
    for (let j = 0; j < sequence.length; j++) if (!wordMatches(sequence[j]!, tokens[i + j]!)) continue outer;
    return true;
  }
  return false;
}

/** True when the answer's words contain the term. */
export function termMatches(answerWords: readonly string[], term: Term): boolean {
  return term.parts.length > 0 && term.parts.every((part) => sequenceAt(answerWords, part));
}
