/**
 * The closest known word to a typed one, without comparing it with every known word.
 *
 * A question's unknown words are corrected against the knowledge's vocabulary ("maintenence" ->
 * "maintenance"). Comparing each with every known word of a similar length cost a few ms per word
 * at ~5,000 chunks (30,000 words) and most of a question written in another language, whose every
 * word is unknown. Here the known words are kept sorted, so words that share a prefix are
 * neighbours and share the rows of the edit-distance table for it; and once every cell of a row
 * exceeds the allowed distance, no word with that prefix can come within it, so the whole run of
 * words that start with it is skipped. A word in another script is given up after a letter or two.
 *
 * The distance is the optimal string alignment distance (insertions, deletions, substitutions and
 * transpositions of adjacent letters, `editDistance` in text/normalize.ts), and the answer is the
 * one a scan in `order` would pick: the smallest distance, then the shorter word, then the word
 * that comes first in `order`.
 */
export class NearestWords {
  /** The words sorted by UTF-16 code units (prefixes together), with each one's place in `order`. */
  private readonly sorted: string[];
  private readonly rankOf: Map<string, number>;
  private rows: Int32Array[] = [];

  /** @param order the known words, each once, in the order that breaks ties between equally close ones */
  constructor(order: readonly string[]) {
    this.rankOf = new Map(order.map((w, i) => [w, i]));
    this.sorted = [...this.rankOf.keys()].sort();
  }

  /**
   * The known word closest to `term` within `max` edits, whose length is within `max` of the
   * term's; with `sameFirstLetter`, only words that start with the term's first code unit. Null
   * when there is none.
   */
  nearest(term: string, max: number, sameFirstLetter: boolean): string | null {
    const width = term.length;
    const maxDepth = width + max;
    const minLength = width - max;
    this.prepareRows(maxDepth, width);
    const rows = this.rows;
    const [start, end] = sameFirstLetter ? this.rangeStartingWith(term[0] ?? "") : [0, this.sorted.length];
    let i = start;
    let best: string | null = null;
    let bestDistance = max + 1;
    let bestLength = Infinity;
    let bestRank = Infinity;
    let previous = "";
    /** Rows 0..computed hold the table for the first `computed` letters of `previous`. */
    let computed = 0;
    while (i < end) {
      const word = this.sorted[i]!;
      let depth = Math.min(commonPrefix(word, previous), computed);
      const last = Math.min(word.length, maxDepth);
      let prunedAt = 0;
      while (depth < last) {
        depth++;
        if (fillRow(rows, depth, word, term) > max) {
          prunedAt = depth;
          break;
        }
      }
      previous = word;
      computed = depth;
      if (prunedAt > 0) {
        // No word that starts with these letters can come within `max`.
        i = this.endOfPrefix(word.slice(0, prunedAt), i, end);
        continue;
      }
      if (word.length > maxDepth) {
        // Too long, and so is every word that starts with its first maxDepth + 1 letters.
        i = this.endOfPrefix(word.slice(0, maxDepth + 1), i, end);
        continue;
      }
      if (word.length >= minLength) {
        const distance = rows[word.length]![width]!;
        if (distance <= max) {
          const rank = this.rankOf.get(word)!;
          if (distance < bestDistance || (distance === bestDistance && (word.length < bestLength || (word.length === bestLength && rank < bestRank)))) {
            best = word;
            bestDistance = distance;
            bestLength = word.length;
            bestRank = rank;
          }
        }
      }
      i++;
    }
    return best;
  }

  /** Row r holds the distances between the candidate's first r letters and each prefix of the term. */
  private prepareRows(depth: number, width: number): void {
    if (this.rows.length <= depth || (this.rows[0]?.length ?? 0) < width + 1) {
      this.rows = Array.from({ length: Math.max(depth + 1, this.rows.length) }, () => new Int32Array(Math.max(width + 1, this.rows[0]?.length ?? 0)));
    }
    const first = this.rows[0]!;
    for (let c = 0; c <= width; c++) first[c] = c;
  }

  /** The words that start with `letter`: [first index, index after the last). */
  private rangeStartingWith(letter: string): [number, number] {
    const start = lowerBound(this.sorted, letter, 0, this.sorted.length);
    return [start, this.endOfPrefix(letter, start, this.sorted.length)];
  }

  /** The first index from `from` whose word does not start with `prefix` (those that do are consecutive). */
  private endOfPrefix(prefix: string, from: number, end: number): number {
    let lo = from;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Fill row `r` (the candidate's first r letters) and return its smallest cell. */
function fillRow(rows: Int32Array[], r: number, word: string, term: string): number {
  const row = rows[r]!;
  const above = rows[r - 1]!;
  const twoAbove = r > 1 ? rows[r - 2]! : null;
  const letter = word.charCodeAt(r - 1);
  const letterBefore = r > 1 ? word.charCodeAt(r - 2) : -1;
  row[0] = r;
  let smallest = r;
  for (let c = 1; c <= term.length; c++) {
    const termLetter = term.charCodeAt(c - 1);
    let value = Math.min(above[c]! + 1, row[c - 1]! + 1, above[c - 1]! + (letter === termLetter ? 0 : 1));
    if (twoAbove && c > 1 && letter === term.charCodeAt(c - 2) && letterBefore === termLetter) value = Math.min(value, twoAbove[c - 2]! + 1);
    row[c] = value;
    if (value < smallest) smallest = value;
  }
  return smallest;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function lowerBound(sorted: readonly string[], value: string, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
