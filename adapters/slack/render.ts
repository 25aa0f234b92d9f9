import type { ActionsBlock, Button, HomeView, KnownBlock, ModalView } from "@slack/types";
import type { CoachWords } from "../../src/coach.js";
import type { Answer, AnswerPart } from "../../src/types.js";
import { encodeCoachingAction } from "../../src/coaching/actions.js";

/** A message as the bot sends it: Block Kit plus the plain text notifications and screen readers use. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3_000,
  contextElements: 10,
  contextText: 2_000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  actionId: 255,
  fallbackText: 40_000,
  modalTitle: 24,
  homeBlocks: 100,
} as const;

export const ACTIONS = {
  feedbackUp: "coach_feedback_up",
  feedbackDown: "coach_feedback_down",
  followUp: "coach_follow_up",
  /** Coaching buttons (Hint, Skip, Stop, Resume, Yes…), suffixed _0, _1, …; the value is the typed action. */
  coaching: "coach_action",
  share: "coach_share",
  /** App Home buttons that start a coaching mode in the user's DM (suffixed _0, _1, …). */
  startMode: "coach_start_mode",
  feedbackModal: "coach_feedback_modal",
} as const;

/** Slack's three control characters; everything else in mrkdwn is literal. */
export function escapeSlack(text: string): string {
  return text.replace(/&/gu, "&amp;").replace(/</gu, "&lt;").replace(/>/gu, "&gt;");
}

/** One part as mrkdwn: its label in bold, its text, its sources as [n]. */
function partMrkdwn(part: AnswerPart): string {
  const label = part.label ? `*${escapeSlack(part.label)}*${part.text ? ": " : ""}` : "";
  const cites = part.cites.length ? ` ${part.cites.map((c) => `[${c + 1}]`).join("")}` : "";
  return `${label}${escapeSlack(part.text)}${cites}`;
}

/** The answer's parts as Slack mrkdwn: paragraphs for the lead and notes, "•" lines for points and items. */
export function partsToMrkdwn(parts: readonly AnswerPart[]): string {
  const lines: string[] = [];
  parts.forEach((part, i) => {
    const listed = part.kind === "point" || part.kind === "item";
    const previousListed = i > 0 && (parts[i - 1]!.kind === "point" || parts[i - 1]!.kind === "item");
    if (i > 0 && !(listed && previousListed)) lines.push("");
    lines.push(`${listed ? "• " : ""}${partMrkdwn(part)}`);
  });
  return lines.join("\n");
}

/** Split text at line breaks (then at sentence or word ends) so no piece exceeds `max`. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current = "";
  const push = () => {
    if (current) pieces.push(current);
    current = "";
  };
  for (const line of text.split("\n")) {
    if (line.length > max) {
      push();
      let rest = line;
      while (rest.length > max) {
        const cut = Math.max(rest.lastIndexOf(". ", max), rest.lastIndexOf(" ", max));
        const at = cut > max / 2 ? cut + 1 : max;
        pieces.push(rest.slice(0, at).trimEnd());
        rest = rest.slice(at).trimStart();
      }
      current = rest;
      continue;
    }
    if (current.length + line.length + 1 > max) push();
    current = current ? `${current}\n${line}` : line;
  }
  push();
  return pieces;
}

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface RenderOptions {
  /** Shown on answered messages so feedback can be tied to the answer. */
  answerId: string;
  /** Offer the "Share in channel" button (ephemeral slash-command answers). */
  shareable?: boolean;
  /** The question, carried by the share button. */
  question?: string;
  /** The answer went to a /coach command: coaching replies say how to answer (with /coach again). */
  command?: string;
  /** The coach's note under an answer with sources (its words in knowledge/coach.json); none if absent. */
  sourcesNote?: { extractive: string; llm: string };
  /** The heading over the sources (knowledge/coach.json `words.sourcesHeading`). */
  sourcesHeading?: string;
}

/** Blocks and the plain-text notification fallback for one answer. */
export function renderAnswer(answer: Answer, options: RenderOptions): SlackMessage {
  const blocks: KnownBlock[] = [];
  for (const piece of splitText(partsToMrkdwn(answer.parts), SLACK_LIMITS.sectionText)) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: piece } });
  }
  if (answer.citations.length > 0) {
    const sources = answer.citations.map((c, i) => `${i + 1}. ${escapeSlack(c.path.join(" › "))}`);
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: truncate(`*${escapeSlack(options.sourcesHeading ?? "Sources")}:* ${sources.join("  ·  ")}`, SLACK_LIMITS.contextText) }],
    });
  }
  const coachingButtons = answer.coaching?.actions ?? [];
  if (coachingButtons.length > 0) {
    blocks.push({
      type: "actions",
      block_id: "coach_actions",
      elements: coachingButtons.slice(0, 5).map((b, i) => ({
        type: "button",
        action_id: `${ACTIONS.coaching}_${i}`,
        text: { type: "plain_text", text: truncate(b.label, SLACK_LIMITS.buttonText), emoji: true },
        value: encodeCoachingAction(b.action),
      })),
    });
  }
  if (answer.followUps.length > 0) {
    blocks.push({
      type: "actions",
      block_id: "coach_follow_ups",
      elements: answer.followUps.slice(0, 5).map((q, i) => ({
        type: "button",
        action_id: `${ACTIONS.followUp}_${i}`,
        text: { type: "plain_text", text: truncate(q, SLACK_LIMITS.buttonText), emoji: true },
        value: truncate(q, SLACK_LIMITS.buttonValue),
      })),
    });
  }
  if (answer.outcome === "answered") {
    const elements: Button[] = [
      { type: "button", action_id: ACTIONS.feedbackUp, text: { type: "plain_text", text: "👍 Helpful", emoji: true }, value: options.answerId },
      { type: "button", action_id: ACTIONS.feedbackDown, text: { type: "plain_text", text: "👎 Not helpful", emoji: true }, value: options.answerId },
    ];
    // A practice question or a checklist step is personal, not something to share in a channel.
    if (options.shareable && options.question && !answer.coaching) {
      elements.push({ type: "button", action_id: ACTIONS.share, style: "primary", text: { type: "plain_text", text: "Share in channel", emoji: true }, value: truncate(options.question, SLACK_LIMITS.buttonValue) });
    }
    blocks.push({ type: "actions", block_id: "coach_feedback", elements });
    if (answer.coaching && (answer.coaching.stage === "question" || answer.coaching.stage === "intake") && options.command) {
      blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `Reply with \`${options.command} your answer\`, or send me a DM to carry on there.` }] });
    }
    if (answer.citations.length > 0 && options.sourcesNote) {
      blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: escapeSlack(options.sourcesNote[answer.mode === "llm" ? "llm" : "extractive"]) }] });
    }
  }
  return { text: fallbackText(answer), blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}

/** What notifications and screen readers show: the lead sentence and the first source. */
export function fallbackText(answer: Answer): string {
  const first = answer.parts[0];
  const plain = first ? escapeSlack(`${first.label ? `${first.label}${first.text ? ": " : ""}` : ""}${first.text}`) : "";
  const source = answer.citations[0] ? ` (source: ${escapeSlack(answer.citations[0].path.join(" › "))})` : "";
  return truncate(`${plain}${source}`, 3_000);
}

export function feedbackModal(answerId: string): ModalView {
  return {
    type: "modal",
    callback_id: ACTIONS.feedbackModal,
    private_metadata: answerId,
    title: { type: "plain_text", text: "What was wrong?" },
    submit: { type: "plain_text", text: "Send" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "input",
        block_id: "comment",
        optional: true,
        label: { type: "plain_text", text: "Tell us what was missing or wrong (optional)" },
        element: { type: "plain_text_input", action_id: "comment", multiline: true, max_length: 2_000 },
      },
    ],
  };
}

export function homeView(words: Pick<CoachWords, "name" | "about" | "limits">, sampleQuestions: readonly string[], modes: readonly { label: string; text: string }[] = []): HomeView {
  return {
    type: "home",
    blocks: [
      { type: "header", text: { type: "plain_text", text: words.name, emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: escapeSlack(words.about) } },
      { type: "section", text: { type: "mrkdwn", text: "*Ask me:* mention me in a channel, send me a DM, use `/coach your question`, or open me in the assistant pane." } },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*Practise:* `/coach quiz` for interview practice, one question at a time with feedback from the guide · `/coach plan` plus a line about you (role, OT background, hours a week) for a week-by-week study plan · `/coach ready` for a readiness check. In a DM, just say *quiz me*, *study plan* or *readiness check*.",
        },
      },
      ...(modes.length
        ? [
            {
              type: "actions",
              block_id: "coach_start_modes",
              elements: modes.map((m, i): Button => ({ type: "button", action_id: `${ACTIONS.startMode}_${i}`, text: { type: "plain_text", text: truncate(m.label, SLACK_LIMITS.buttonText), emoji: true }, value: truncate(m.text, SLACK_LIMITS.buttonValue) })),
            } satisfies ActionsBlock,
          ]
        : []),
      { type: "section", text: { type: "mrkdwn", text: `*Try:*\n${sampleQuestions.map((q) => `• ${escapeSlack(q)}`).join("\n")}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: escapeSlack(words.limits) }] },
    ],
  };
}
