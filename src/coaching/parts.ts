import type { AnswerPart } from "../types.js";

/**
 * Coaching messages are written as lines (a heading in bold, "- **Label**: a guide sentence [n]"
 * bullets, prompts). This is the one place that reads that house format, turning a message into
 * the answer's parts, so renderers and checks only ever see structure. Inline emphasis on a
 * command word ("say **resume**") becomes quotes, since parts carry plain text.
 */
export function partsFromCoachingText(text: string): AnswerPart[] {
  const parts: AnswerPart[] = [];
  for (const block of text.split(/\n{2,}/u)) {
    for (const rawLine of block.split("\n")) {
      const line = rawLine.trim();
      if (!line) continue;
      const bullet = /^[-•]\s+/u.test(line);
      let body = line.replace(/^[-•]\s+/u, "");
      const cites = [...body.matchAll(/\[(\d+)\]/gu)].map((m) => Number(m[1]) - 1);
      body = body.replace(/\s*\[\d+\]/gu, "").trim();
      let label: string | undefined;
      // "**Label**: text", "**Label** (partly): text" and "**Heading** (about 50 hours)" all carry
      // one label: what the bold starts, up to the first colon.
      const bold = /^\*\*([^*]+)\*\*(.*)$/u.exec(body);
      if (bold) {
        const rest = bold[2]!;
        const colon = rest.indexOf(": ");
        const head = colon >= 0 ? rest.slice(0, colon) : rest.startsWith(":") ? "" : rest;
        label = `${bold[1]!.replace(/:$/u, "").trim()}${head.trim() && !head.startsWith(":") ? ` ${head.trim()}` : ""}`;
        body = colon >= 0 ? rest.slice(colon + 2) : rest.startsWith(":") ? rest.slice(1).trim() : "";
      }
      const plain = body.replace(/\*\*([^*]+)\*\*/gu, "“$1”").replace(/(^|\s)\*([^*\s][^*]*)\*(?=\s|[.,;:!?)]|$)/gu, "$1$2");
      const kind: AnswerPart["kind"] = bullet ? "point" : parts.length === 0 ? "lead" : "note";
      parts.push({ kind, text: plain, cites, ...(label ? { label } : {}) });
    }
  }
  return parts;
}
