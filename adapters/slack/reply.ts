import type { RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { AskOptions } from "../../src/coach.js";
import type { Logger } from "../../src/logger.js";
import type { CoachService } from "../../src/service.js";
import type { CoachingAction, HistoryMessage } from "../../src/types.js";
import { renderAnswer, type RenderOptions, type SlackMessage } from "./render.js";
import { streamedInThread, updatedInThread, type ReplyTarget } from "./streaming.js";

/** What every listener needs: the service it asks, the log it reports to, whether to stream. */
export interface ListenerContext {
  service: CoachService;
  log: Logger;
  /** LLM mode: show the model's text in the thread while it is written. */
  streaming: boolean;
}

/** Who asked what, and which conversation it continues. */
export interface SlackQuestion {
  text: string;
  userId: string;
  conversationId: string;
  /** A pressed coaching button's typed action (Hint, Skip, Stop, Resume, Yes…). */
  action?: CoachingAction;
  /** What was said in the thread before the coach was mentioned in it (conversations.replies). */
  history?: HistoryMessage[];
}

/** How one reply reaches the user: where the answer goes, where an apology goes. */
export interface Delivery {
  /** Called before asking (status, a streamed draft); may return options for the ask. */
  begin?(): Promise<AskOptions>;
  send(message: SlackMessage): Promise<unknown>;
  apologise(text: string): Promise<unknown>;
}

/**
 * The one path every Slack answer takes: count the request, ask the coach, render Block Kit,
 * send it; on any failure log it and tell the user one short sentence.
 */
export async function replyTo(ctx: ListenerContext, question: SlackQuestion, delivery: Delivery, render: Omit<RenderOptions, "answerId"> = {}, failure = "could not answer in Slack"): Promise<void> {
  ctx.service.telemetry.request("slack");
  try {
    const askOptions = (await delivery.begin?.()) ?? {};
    const { answerId, answer } = await ctx.service.ask(
      { text: question.text, history: question.history ?? [], user: { id: question.userId, platform: "slack" }, conversationId: question.conversationId, ...(question.action ? { action: question.action } : {}) },
      askOptions,
    );
    await delivery.send(renderAnswer(answer, { answerId, sourcesNote: ctx.service.coach.words.sourcesNote, sourcesHeading: ctx.service.coach.words.sourcesHeading, ...render }));
  } catch (error) {
    ctx.log.error({ err: error }, failure);
    await delivery.apologise(ctx.service.coach.words.apology).catch((sendError: unknown) => ctx.log.warn({ err: sendError }, "could not send the apology"));
  }
}

/**
 * A reply in a thread, or at the top level of a DM (threadTs undefined). In LLM streaming mode the
 * model's text is shown while it is written, then replaced with the answer of record — the
 * extractive one if the draft failed its checks, so an unchecked draft never stays in the thread:
 * with Slack's native streaming in a DM thread or an assistant thread (the streaming methods
 * reply in a thread, and a DM's top level is a chat the bot answers at the top level), by editing
 * a placeholder elsewhere.
 */
export function inThread(ctx: ListenerContext, client: WebClient, target: ReplyTarget): Delivery {
  const { channel, threadTs } = target;
  if (ctx.streaming && threadTs && channel.startsWith("D")) return streamedInThread(ctx, client, { ...target, threadTs });
  if (ctx.streaming) return updatedInThread(ctx, client, target);
  return {
    send: (message) => client.chat.postMessage({ channel, thread_ts: threadTs, ...message, unfurl_links: false, unfurl_media: false }),
    apologise: (text) => client.chat.postMessage({ channel, thread_ts: threadTs, text }),
  };
}

/** A private reply through a slash command's or an action's response_url. */
export function privately(respond: RespondFn): Delivery {
  return {
    send: (message) => respond({ response_type: "ephemeral", ...message }),
    apologise: (text) => respond({ response_type: "ephemeral", text }),
  };
}

/** A Slack thread (or a DM's top level) is one conversation for the coach's memory. */
export function threadConversation(team: string, channel: string, threadTs: string | undefined): string {
  return threadTs ? `slack:${team}:${channel}:${threadTs}` : `slack:${team}:${channel}`;
}

/** Answer in a thread, or at the top level of a DM (threadTs undefined), where follow-ups and practice sessions carry from message to message. */
export function replyInThread(ctx: ListenerContext, client: WebClient, where: { team: string; channel: string; threadTs: string | undefined }, user: string, text: string, action?: CoachingAction, history: HistoryMessage[] = []): Promise<void> {
  return replyTo(
    ctx,
    { text, userId: user, conversationId: threadConversation(where.team, where.channel, where.threadTs), history, ...(action ? { action } : {}) },
    inThread(ctx, client, { channel: where.channel, threadTs: where.threadTs, teamId: where.team, userId: user }),
  );
}

/** How much of a thread the coach reads when it is mentioned in it late (the last messages of one page). */
const THREAD_READ_LIMIT = 20;
const THREAD_PAGE = 200;

/**
 * What people said in a thread before the coach was mentioned in it, as user turns (the coach's
 * own memory of a thread it answered in wins in the service). People's messages only: a bot's
 * message is not the coach's word. A failed read leaves the question to stand alone.
 */
export async function threadHistory(ctx: ListenerContext, client: WebClient, channel: string, threadTs: string, currentTs: string): Promise<HistoryMessage[]> {
  try {
    // Replies come oldest first: one bounded page, then the messages just before the mention.
    const res = await client.conversations.replies({ channel, ts: threadTs, limit: THREAD_PAGE });
    return (res.messages ?? [])
      .filter((m) => typeof m.ts === "string" && Number(m.ts) < Number(currentTs) && !m.bot_id && typeof m.text === "string" && m.text.trim())
      .slice(-THREAD_READ_LIMIT)
      .map((m) => ({ role: "user" as const, content: stripMentions(m.text!.slice(0, 4_000)).slice(0, 2_000) }));
  } catch (error) {
    ctx.log.warn({ err: error }, "could not read the thread the coach was mentioned in; answering the question alone");
    return [];
  }
}

/** Answer a /coach command (or a button on its answer) privately, with a "Share in channel" button. */
export function replyPrivately(ctx: ListenerContext, respond: RespondFn, where: { team: string; channel: string }, user: string, text: string, command = "/coach", action?: CoachingAction): Promise<void> {
  return replyTo(
    ctx,
    { text, userId: user, conversationId: `slack:${where.team}:${where.channel}:command:${user}`, ...(action ? { action } : {}) },
    privately(respond),
    { shareable: true, question: text, command },
    "could not answer a slash command",
  );
}

/**
 * "<@U123> what is X?" -> "what is X?"; a "/coach quiz" typed as a message (not sent as the slash
 * command, which arrives without it) -> "quiz". Slack syntax is the Slack adapter's to remove.
 */
export function stripMentions(rawText: string): string {
  // Bounded before any regex runs: a question is at most a few thousand characters.
  const text = rawText.slice(0, 8_000);
  return text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/gu, " ").replace(/\s+/gu, " ").trim().replace(/^\/coach\b\s*/iu, "");
}
