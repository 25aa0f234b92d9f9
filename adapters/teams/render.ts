import type { Answer, AnswerPart } from "../../src/types.js";

export type Card = Record<string, unknown>;

/**
 * Adaptive Card markdown is a small subset; text that came from a user or from outside the guide
 * must not turn into links, mentions or emphasis. The bold labels and "- " bullets come from the
 * answer's parts, never from markup found in its text.
 */
export function escapeCardText(text: string): string {
  return text
    .replace(/<\/?at>/giu, "")
    .replace(/[<>]/gu, (c) => (c === "<" ? "‹" : "›"))
    .replace(/([[\]()\\_`])/gu, "\\$1");
}

/** One part in a TextBlock's markdown: label in bold, text escaped, sources as [n]. */
function partMarkdown(part: AnswerPart): string {
  const label = part.label ? `**${escapeCardText(part.label)}**${part.text ? ": " : ""}` : "";
  const cites = part.cites.length ? ` ${part.cites.map((c) => `[${c + 1}]`).join("")}` : "";
  return `${label}${escapeCardText(part.text)}${cites}`;
}

/** TextBlocks from the answer's parts: one per lead or note, one list block per run of points or items. */
function answerBlocks(parts: readonly AnswerPart[]): Card[] {
  const blocks: Card[] = [];
  let list: string[] | null = null;
  for (const part of parts) {
    if (part.kind === "point" || part.kind === "item") {
      if (!list) {
        list = [];
        blocks.push({ type: "TextBlock", text: "", wrap: true });
      }
      list.push(`- ${partMarkdown(part)}`);
      blocks[blocks.length - 1]!.text = list.join("\n");
    } else {
      list = null;
      blocks.push({ type: "TextBlock", text: partMarkdown(part), wrap: true });
    }
  }
  return blocks;
}

export interface CardOptions {
  answerId: string;
  /** Shown under a practice question or checklist step, e.g. how to reply in a channel. */
  replyHint?: string;
}

/** Adaptive Card 1.5: the answer, its sources, follow-up buttons, 👍/👎 with an optional comment. */
export function answerCard(answer: Answer, { answerId, replyHint }: CardOptions): Card {
  const body: Card[] = answerBlocks(answer.parts);
  if (answer.citations.length > 0) {
    body.push({ type: "TextBlock", text: "Sources from the guide", weight: "Bolder", size: "Small", spacing: "Medium", separator: true });
    body.push(...answer.citations.map((c, i) => ({ type: "TextBlock", text: `${i + 1}. ${escapeCardText(c.path.join(" › "))}`, wrap: true, size: "Small", isSubtle: true, spacing: "None" })));
  }
  if (replyHint && (answer.coaching?.stage === "question" || answer.coaching?.stage === "intake")) {
    body.push({ type: "TextBlock", text: escapeCardText(replyHint), size: "Small", isSubtle: true, wrap: true });
  }
  const actions: Card[] = answer.followUps.slice(0, 3).map((q) => ({ type: "Action.Submit", title: q.slice(0, 80), data: { action: "ask", question: q } }));
  if (answer.outcome === "answered") {
    // A practice question or checklist step quotes nothing, so it carries no provenance note.
    if (answer.citations.length > 0) body.push({ type: "TextBlock", text: answer.mode === "llm" ? "AI-written from the curated guide; check the sources." : "Quoted from the curated guide; check the sources.", size: "Small", isSubtle: true, wrap: true });
    actions.push({ type: "Action.Submit", title: "👍 Helpful", data: { action: "feedback", rating: "up", answerId } });
    actions.push({
      type: "Action.ShowCard",
      title: "👎 Not helpful",
      card: {
        type: "AdaptiveCard",
        body: [{ type: "Input.Text", id: "comment", placeholder: "What was wrong or missing? (optional)", isMultiline: true, maxLength: 2000 }],
        actions: [{ type: "Action.Submit", title: "Send", data: { action: "feedback", rating: "down", answerId } }],
      },
    });
  }
  return { type: "AdaptiveCard", $schema: "http://adaptivecards.io/schemas/adaptive-card.json", version: "1.5", body, actions };
}

export function welcomeCard(sampleQuestions: readonly string[], modes: readonly { label: string; text: string }[] = []): Card {
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    body: [
      { type: "TextBlock", text: "Manufacturing AI PM Coach", weight: "Bolder", size: "Medium" },
      {
        type: "TextBlock",
        wrap: true,
        text: "I coach people moving into AI product management in manufacturing, from a curated guide, with sources: AI use cases on the factory floor, the constraints you'll face, the companies hiring, and how to land the role. Ask me anything.",
      },
      ...(modes.length
        ? [
            { type: "TextBlock", text: "Practise with me:", weight: "Bolder", spacing: "Medium", wrap: true },
            { type: "ActionSet", actions: modes.map((m) => ({ type: "Action.Submit", title: m.label, data: { action: "ask", question: m.text } })) },
          ]
        : []),
      { type: "TextBlock", text: "Or try one of these questions:", weight: "Bolder", spacing: "Medium", wrap: true },
    ],
    actions: sampleQuestions.slice(0, 4).map((q) => ({ type: "Action.Submit", title: q.slice(0, 80), data: { action: "ask", question: q } })),
  };
}

/**
 * Teams' entity for AI bot messages: the citations behind the [n] markers, and the
 * "AI generated" label when a model wrote the text (not for quoted, extractive answers).
 */
export function messageEntity(answer: Answer): Card {
  return {
    type: "https://schema.org/Message",
    "@type": "Message",
    "@context": "https://schema.org",
    "@id": "",
    ...(answer.mode === "llm" ? { additionalType: ["AIGeneratedContent"] } : {}),
    citation: answer.citations.map((c, i) => ({
      "@type": "Claim",
      position: i + 1,
      appearance: { "@type": "DigitalDocument", name: c.title.slice(0, 80), abstract: c.text.slice(0, 160), keywords: [(c.path[0] ?? c.document).slice(0, 28)] },
    })),
  };
}

/** A notification's one line: the answer's lead and the section it comes from. */
export function summaryLine(answer: Answer): string {
  const lead = answer.parts[0];
  const text = lead ? `${lead.label ? `${lead.label}${lead.text ? ": " : ""}` : ""}${lead.text}` : answer.text;
  const source = answer.citations[0] ? ` (${answer.citations[0].title})` : "";
  return `${text.slice(0, 200 - source.length)}${source}`;
}

/** Plain text for clients that cannot show cards (and for notifications). */
export function plainText(answer: Answer): string {
  const sources = answer.citations.length ? `\n\nSources: ${answer.citations.map((c, i) => `[${i + 1}] ${c.path.join(" › ")}`).join("; ")}` : "";
  return `${answer.text}${sources}`;
}
