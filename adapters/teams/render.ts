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
  /** The heading over the sources (knowledge/coach.json `words.sourcesHeading`). */
  sourcesHeading?: string;
}

/** Adaptive Card 1.5: the answer, its sources, follow-up buttons, 👍/👎 with an optional comment. */
export function answerCard(answer: Answer, { answerId, replyHint, sourcesHeading = "Sources" }: CardOptions): Card {
  const body: Card[] = answerBlocks(answer.parts);
  if (answer.citations.length > 0) {
    body.push({ type: "TextBlock", text: sourcesHeading, weight: "Bolder", size: "Small", spacing: "Medium", separator: true });
    body.push(...answer.citations.map((c, i) => ({ type: "TextBlock", text: `${i + 1}. ${escapeCardText(c.path.join(" › "))}`, wrap: true, size: "Small", isSubtle: true, spacing: "None" })));
  }
  if (replyHint && (answer.coaching?.stage === "question" || answer.coaching?.stage === "intake")) {
    body.push({ type: "TextBlock", text: escapeCardText(replyHint), size: "Small", isSubtle: true, wrap: true });
  }
  // Coaching buttons submit their typed action ({action, session, step}) as the data; follow-ups ask a question.
  const coachingActions: Card[] = (answer.coaching?.actions ?? []).map((b) => ({ type: "Action.Submit", title: b.label, data: { ...b.action } }));
  const actions: Card[] = [...coachingActions, ...answer.followUps.slice(0, Math.max(0, 3 - coachingActions.length)).map(askAction)];
  // A provenance note belongs to an answer that quotes the guide (a practice question quotes nothing).
  if (answer.outcome === "answered" && answer.citations.length > 0) body.push({ type: "TextBlock", text: answer.mode === "llm" ? "AI-written from the curated guide; check the sources." : "Quoted from the curated guide; check the sources.", size: "Small", isSubtle: true, wrap: true });
  // A prompt waiting for the user's reply (a practice question, a checklist step, the plan's
  // intake) is not an answer to rate, and its Hint/Skip/Stop keep the row to themselves.
  const awaitingReply = answer.coaching && answer.coaching.stage !== "done";
  if (answer.outcome === "answered" && !awaitingReply) actions.push(...feedbackActions(answerId));
  return { type: "AdaptiveCard", $schema: "http://adaptivecards.io/schemas/adaptive-card.json", version: "1.5", body, actions };
}

/** 👍, and 👎 opening a comment box; the comment travels with the 👎 as `comment`. */
function feedbackActions(answerId: string, rated?: "up" | "down"): Card[] {
  const enabled = rated === undefined;
  return [
    { type: "Action.Submit", title: rated === "up" ? "👍 Helpful ✓" : "👍 Helpful", data: { action: "feedback", rating: "up", answerId }, ...(enabled ? {} : { isEnabled: false }) },
    {
      type: "Action.ShowCard",
      title: rated === "down" ? "👎 Not helpful ✓" : "👎 Not helpful",
      ...(enabled ? {} : { isEnabled: false }),
      card: {
        type: "AdaptiveCard",
        body: [{ type: "Input.Text", id: "comment", label: "What was wrong or missing?", placeholder: "Optional: tell us what to fix", isMultiline: true, maxLength: 2000 }],
        actions: [{ type: "Action.Submit", title: "Send", data: { action: "feedback", rating: "down", answerId } }],
      },
    },
  ];
}

/** Marks the feedback row of a card the user rated: buttons off, their choice ticked, a thank-you in the card. */
export function ratedCard(card: Card, answerId: string, rating: "up" | "down"): Card {
  const isFeedback = (a: Card) => (a.data as { action?: string } | undefined)?.action === "feedback" || a.type === "Action.ShowCard";
  const actions = ((card.actions as Card[] | undefined) ?? []).filter((a) => !isFeedback(a));
  const body = ((card.body as Card[] | undefined) ?? []).filter((b) => b.id !== THANKS_ID);
  const thanks = rating === "up" ? "Thanks for the feedback! 👍" : "Thanks, noted. We'll use it to improve the guide.";
  return { ...card, body: [...body, { type: "TextBlock", id: THANKS_ID, text: thanks, wrap: true, weight: "Bolder", spacing: "Medium" }], actions: [...actions, ...feedbackActions(answerId, rating)] };
}
const THANKS_ID = "feedback-thanks";

/**
 * Button titles are one line in Teams and cut off where they do not fit (a card on a phone holds
 * about 40 characters of button text): the button gets a short label of at most this many
 * characters, its tooltip and its value the whole question.
 */
export const BUTTON_LABEL_CHARS = 36;
const WEAK_ENDINGS = new Set(["a", "an", "the", "of", "for", "to", "in", "on", "and", "or", "with", "at", "by", "from", "is", "are", "do", "does", "vs", "vs."]);

export function buttonLabel(question: string): string {
  let label = question.slice(0, 300).replace(/\s+/gu, " ").trim();
  // "Tell me about “Edge vs. cloud: …”" names a section: the section's name is the label.
  const about = /^tell me about [“"](.+)[”"]\s*$/iu.exec(label);
  if (about) label = about[1]!;
  label = label.replace(/\?$/u, "");
  if (label.length <= BUTTON_LABEL_CHARS) return label;
  // A heading's part before ":" or " (" is its name ("Edge vs. cloud: factory floor connectivity…").
  const head = /^(.{6,}?)(?::\s| \(| — | - )/u.exec(label);
  if (head && head[1]!.length <= BUTTON_LABEL_CHARS) return head[1]!;
  const room = BUTTON_LABEL_CHARS - 1; // and "…"
  const words = label.slice(0, room).split(" ");
  if (label[room] !== " " && words.length > 1) words.pop(); // a word cut in half goes
  while (words.length > 1 && WEAK_ENDINGS.has(words.at(-1)!.toLowerCase())) words.pop();
  return `${words.join(" ").replace(/[,;:.]$/u, "")}…`;
}

/** A button that asks `question`: a short label, the whole question as tooltip and value. */
function askAction(question: string): Card {
  const label = buttonLabel(question);
  return { type: "Action.Submit", title: label, ...(label === question ? {} : { tooltip: question.slice(0, 500) }), data: { action: "ask", question } };
}

/** The greeting a new conversation opens with: the card's first line and the notification text. */
export function welcomeGreeting(name: string): string {
  return `Hi! I'm the ${name}.`;
}

/**
 * The welcome: one card with the greeting inside it. Text next to a card would show as a second
 * bubble, so card-less clients and notifications get the greeting from the card's fallbackText
 * and the activity's summary instead.
 */
export function welcomeCard(name: string, sampleQuestions: readonly string[], modes: readonly { label: string; text: string }[] = []): Card {
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    fallbackText: `${welcomeGreeting(name)} Ask me anything about AI product management in manufacturing.`,
    body: [
      { type: "TextBlock", text: welcomeGreeting(name), weight: "Bolder", size: "Medium", wrap: true },
      {
        type: "TextBlock",
        wrap: true,
        text: "I coach people moving into AI product management in manufacturing, from a curated guide, with sources: AI use cases on the factory floor, the constraints you'll face, the companies hiring, and how to land the role. Ask me anything.",
      },
      ...(modes.length
        ? [
            { type: "TextBlock", text: "Practise with me:", weight: "Bolder", spacing: "Medium", wrap: true },
            { type: "ActionSet", actions: modes.map((m) => ({ type: "Action.Submit", title: buttonLabel(m.label), data: { action: "ask", question: m.text } })) },
          ]
        : []),
      { type: "TextBlock", text: "Or try one of these questions:", weight: "Bolder", spacing: "Medium", wrap: true },
    ],
    actions: sampleQuestions.slice(0, 4).map(askAction),
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
