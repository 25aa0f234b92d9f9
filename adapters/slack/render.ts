import type { Answer, AnswerPart } from "../../src/types.js";

/** The Block Kit shapes this bot produces (a subset of @slack/types, kept small on purpose). */
export type Block = Record<string, unknown> & { type: string };

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
}

/** Blocks and the plain-text notification fallback for one answer. */
export function renderAnswer(answer: Answer, options: RenderOptions): { text: string; blocks: Block[] } {
  const blocks: Block[] = [];
  for (const piece of splitText(partsToMrkdwn(answer.parts), SLACK_LIMITS.sectionText)) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: piece } });
  }
  if (answer.citations.length > 0) {
    const sources = answer.citations.map((c, i) => `${i + 1}. ${escapeSlack(c.path.join(" › "))}`);
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: truncate(`*Sources from the guide:* ${sources.join("  ·  ")}`, SLACK_LIMITS.contextText) }],
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
    const elements: Block[] = [
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
    if (answer.citations.length > 0) {
      blocks.push({
        type: "context",
        elements: [{ type: "mrkdwn", text: answer.mode === "llm" ? "AI-written from the curated guide; check the sources." : "Quoted from the curated guide; check the sources." }],
      });
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

export function feedbackModal(answerId: string): Block {
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

export function homeView(sampleQuestions: readonly string[], modes: readonly { label: string; text: string }[] = []): Block {
  return {
    type: "home",
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Manufacturing AI PM Coach", emoji: true } },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "I coach people moving into *AI product management in manufacturing*, from a curated guide, with sources: the AI use cases on the factory floor, the constraints you'll face (OT/IT, edge, safety, procurement), the companies hiring, and how to land the role.",
        },
      },
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
              elements: modes.map((m, i) => ({ type: "button", action_id: `${ACTIONS.startMode}_${i}`, text: { type: "plain_text", text: truncate(m.label, SLACK_LIMITS.buttonText), emoji: true }, value: truncate(m.text, SLACK_LIMITS.buttonValue) })),
            },
          ]
        : []),
      { type: "section", text: { type: "mrkdwn", text: `*Try:*\n${sampleQuestions.map((q) => `• ${escapeSlack(q)}`).join("\n")}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: "I won't help bypass safety functions, and I'll tell you when the guide doesn't cover something." }] },
    ],
  };
}

/**
 * Checks a message or view against Slack's documented Block Kit limits; returns the problems.
 * Used by tests on every payload the bot sends.
 */
export function blockKitProblems(payload: { text?: unknown; blocks?: unknown; title?: unknown; type?: unknown }): string[] {
  const problems: string[] = [];
  const blocks = Array.isArray(payload.blocks) ? (payload.blocks as Block[]) : [];
  const maxBlocks = payload.type === "home" || payload.type === "modal" ? SLACK_LIMITS.homeBlocks : SLACK_LIMITS.blocksPerMessage;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  if (typeof payload.text === "string" && payload.text.length > SLACK_LIMITS.fallbackText) problems.push("fallback text too long");
  const title = payload.title as { text?: string } | undefined;
  if (title?.text && title.text.length > SLACK_LIMITS.modalTitle) problems.push(`modal title > ${SLACK_LIMITS.modalTitle}`);
  blocks.forEach((block, i) => {
    const text = block.text as { text?: string } | undefined;
    if (block.type === "section" && (text?.text?.length ?? 0) > SLACK_LIMITS.sectionText) problems.push(`block ${i}: section text > ${SLACK_LIMITS.sectionText}`);
    if (block.type === "header" && (text?.text?.length ?? 0) > 150) problems.push(`block ${i}: header > 150`);
    const elements = (block.elements as Block[] | undefined) ?? [];
    if (block.type === "context") {
      if (elements.length > SLACK_LIMITS.contextElements) problems.push(`block ${i}: > ${SLACK_LIMITS.contextElements} context elements`);
      for (const e of elements) if (String(e.text ?? "").length > SLACK_LIMITS.contextText) problems.push(`block ${i}: context text > ${SLACK_LIMITS.contextText}`);
    }
    if (block.type === "actions") {
      if (elements.length > SLACK_LIMITS.actionsElements) problems.push(`block ${i}: > ${SLACK_LIMITS.actionsElements} actions`);
      const ids = new Set<string>();
      for (const e of elements) {
        const label = (e.text as { text?: string } | undefined)?.text ?? "";
        if (label.length > SLACK_LIMITS.buttonText) problems.push(`block ${i}: button text > ${SLACK_LIMITS.buttonText}`);
        if (String(e.value ?? "").length > SLACK_LIMITS.buttonValue) problems.push(`block ${i}: button value > ${SLACK_LIMITS.buttonValue}`);
        const id = String(e.action_id ?? "");
        if (id.length > SLACK_LIMITS.actionId) problems.push(`block ${i}: action_id too long`);
        if (ids.has(id)) problems.push(`block ${i}: duplicate action_id ${id}`);
        ids.add(id);
      }
    }
    if (typeof block.block_id === "string" && block.block_id.length > 255) problems.push(`block ${i}: block_id > 255`);
  });
  return problems;
}
