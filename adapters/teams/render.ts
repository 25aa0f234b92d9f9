import type { Answer } from "../../src/types.js";

export type Card = Record<string, unknown>;

/**
 * Adaptive Card markdown is a small subset; text that came from a user or from outside the guide
 * must not turn into links, mentions or emphasis. (The guide's own "**bold**" and "- " bullets
 * are the only markup we emit on purpose.)
 */
export function escapeCardText(text: string): string {
  return text
    .replace(/<\/?at>/giu, "")
    .replace(/[<>]/gu, (c) => (c === "<" ? "‹" : "›"))
    .replace(/([[\]()\\_`])/gu, "\\$1");
}

/** The answer's text for a TextBlock: keep the guide's bold and bullets, neutralise the rest. */
function answerMarkdown(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      const bullet = line.startsWith("- ");
      const body = bullet ? line.slice(2) : line;
      const parts = body.split(/\*\*(.+?)\*\*/gu).map((p, i) => (i % 2 === 1 ? `**${escapeCardText(p)}**` : escapeCardText(p)));
      return `${bullet ? "- " : ""}${parts.join("")}`;
    })
    .join("\n");
}

export interface CardOptions {
  answerId: string;
  /** Shown under a practice question or checklist step, e.g. how to reply in a channel. */
  replyHint?: string;
}

/** Adaptive Card 1.5: the answer, its sources, follow-up buttons, 👍/👎 with an optional comment. */
export function answerCard(answer: Answer, { answerId, replyHint }: CardOptions): Card {
  const body: Card[] = answer.text
    .split(/\n\n+/u)
    .filter((p) => p.trim())
    .map((p) => ({ type: "TextBlock", text: answerMarkdown(p), wrap: true }));
  if (answer.citations.length > 0) {
    body.push({ type: "TextBlock", text: "Sources from the guide", weight: "Bolder", size: "Small", spacing: "Medium", separator: true });
    body.push(...answer.citations.map((c, i) => ({ type: "TextBlock", text: `${i + 1}. ${escapeCardText(c.section)}`, wrap: true, size: "Small", isSubtle: true, spacing: "None" })));
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
      appearance: { "@type": "DigitalDocument", name: c.title.slice(0, 80), abstract: c.text.slice(0, 160), keywords: [c.section.split(" › ")[0]!.slice(0, 28)] },
    })),
  };
}

/** Plain text for clients that cannot show cards (and for notifications). */
export function plainText(answer: Answer): string {
  const sources = answer.citations.length ? `\n\nSources: ${answer.citations.map((c, i) => `[${i + 1}] ${c.section}`).join("; ")}` : "";
  return `${answer.text.replace(/\*\*/gu, "")}${sources}`;
}
