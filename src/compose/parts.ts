import type { AnswerPart, Chunk, Citation } from "../types.js";

/** A chunk as the answer cites it: its document, its heading path (as an array) and its text. */
export function citationOf(chunk: Chunk, score: number): Citation {
  return { id: chunk.id, document: chunk.document, title: chunk.title, section: chunk.section, path: [...chunk.headingPath], score, text: chunk.text };
}

/** Citations in order of first use; `cite(chunk)` returns the chunk's index, adding it once. */
export class CitationBuilder {
  readonly citations: Citation[] = [];

  cite(chunk: Chunk, score = 1): number {
    const at = this.citations.findIndex((c) => c.id === chunk.id);
    if (at >= 0) return at;
    this.citations.push(citationOf(chunk, score));
    return this.citations.length - 1;
  }
}

/**
 * The plain rendering of an answer's parts (Answer.text): for --json/--jsonl users, logs and
 * evals. Renderers never read it back; they render the parts.
 */
export function plainTextOf(parts: readonly AnswerPart[]): string {
  const lines: string[] = [];
  parts.forEach((part, i) => {
    const marker = part.cites.length ? ` ${part.cites.map((c) => `[${c + 1}]`).join("")}` : "";
    const body = part.text ? `${part.label ? `${part.label}: ` : ""}${part.text}${marker}` : `${part.label ?? ""}${marker}`;
    const previous = parts[i - 1];
    if (part.kind === "point" || part.kind === "item") {
      if (previous && previous.kind !== "point" && previous.kind !== "item") lines.push("");
      lines.push(`- ${body}`);
    } else {
      if (previous) lines.push("");
      lines.push(body);
    }
  });
  return lines.join("\n");
}

/** A reply that quotes nothing (a refusal, a redirect): one part, no citations. */
export function messageParts(text: string): AnswerPart[] {
  return text
    .split(/\n{2,}/u)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p, i) => ({ kind: i === 0 ? "lead" : "note", text: p, cites: [] }));
}
