import type { KnownBlock } from "@slack/types";
import { SLACK_LIMITS } from "./render.js";

/** The text a block element shows (a text object's text; nothing for an image). */
const shownText = (element: object): string => ("text" in element && typeof element.text === "string" ? element.text : "");

/**
 * Checks a message or view against Slack's documented Block Kit limits; returns the problems.
 * Used by tests on every payload the bot sends (as recorded by the fake Slack API).
 */
export function blockKitProblems(payload: { text?: unknown; blocks?: readonly KnownBlock[]; title?: { text?: string }; type?: unknown }): string[] {
  const problems: string[] = [];
  const blocks = payload.blocks ?? [];
  const maxBlocks = payload.type === "home" || payload.type === "modal" ? SLACK_LIMITS.homeBlocks : SLACK_LIMITS.blocksPerMessage;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  if (typeof payload.text === "string" && payload.text.length > SLACK_LIMITS.fallbackText) problems.push("fallback text too long");
  if (payload.title?.text && payload.title.text.length > SLACK_LIMITS.modalTitle) problems.push(`modal title > ${SLACK_LIMITS.modalTitle}`);
  blocks.forEach((block, i) => {
    if (block.type === "section" && (block.text?.text.length ?? 0) > SLACK_LIMITS.sectionText) problems.push(`block ${i}: section text > ${SLACK_LIMITS.sectionText}`);
    if (block.type === "header" && block.text.text.length > 150) problems.push(`block ${i}: header > 150`);
    if (block.type === "context") {
      if (block.elements.length > SLACK_LIMITS.contextElements) problems.push(`block ${i}: > ${SLACK_LIMITS.contextElements} context elements`);
      for (const e of block.elements) if (shownText(e).length > SLACK_LIMITS.contextText) problems.push(`block ${i}: context text > ${SLACK_LIMITS.contextText}`);
    }
    if (block.type === "actions") {
      if (block.elements.length > SLACK_LIMITS.actionsElements) problems.push(`block ${i}: > ${SLACK_LIMITS.actionsElements} actions`);
      const ids = new Set<string>();
      for (const e of block.elements) {
        const label = "text" in e && e.text ? shownText(e.text) : "";
        if (label.length > SLACK_LIMITS.buttonText) problems.push(`block ${i}: button text > ${SLACK_LIMITS.buttonText}`);
        if ("value" in e && String(e.value ?? "").length > SLACK_LIMITS.buttonValue) problems.push(`block ${i}: button value > ${SLACK_LIMITS.buttonValue}`);
        const id = ("action_id" in e && e.action_id) || "";
        if (id.length > SLACK_LIMITS.actionId) problems.push(`block ${i}: action_id too long`);
        if (ids.has(id)) problems.push(`block ${i}: duplicate action_id ${id}`);
        ids.add(id);
      }
    }
    if (typeof block.block_id === "string" && block.block_id.length > 255) problems.push(`block ${i}: block_id > 255`);
  });
  return problems;
}
