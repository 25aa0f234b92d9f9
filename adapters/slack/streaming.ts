import type { WebClient } from "@slack/web-api";
import type { AskOptions } from "../../src/coach.js";
import { logFields, SlackStreamFailedError } from "../../src/errors.js";
import type { Delivery, ListenerContext } from "./reply.js";
import { escapeSlack, SLACK_LIMITS, type SlackMessage } from "./render.js";

/** Where a reply goes: a channel, and the thread in it (undefined: a DM's top level). */
export interface ReplyTarget {
  channel: string;
  threadTs: string | undefined;
  /** Who asked, in which workspace: Slack's streaming methods name the recipient. */
  teamId?: string;
  userId?: string;
}

/** Slack allows about one chat.update per second per message. */
const STREAM_UPDATE_MS = 1_000;
/**
 * Characters of draft held before each chat.startStream / chat.appendStream call: half the SDK's
 * default of 256, so a typical answer (400 to 800 characters) is seen growing in several steps,
 * at about one call a second for a model writing 20 tokens a second (appendStream is Tier 4).
 */
const STREAM_BUFFER_CHARS = 128;

/**
 * The reply Slack has always supported: a placeholder, edited with the draft at chat.update's
 * pace, then replaced by the answer of record. `seed` is a draft already written (when this path
 * takes over from a native stream that could not start).
 */
function updatedReply(ctx: ListenerContext, client: WebClient, { channel, threadTs }: ReplyTarget, seed = "") {
  let ts: string | undefined;
  let draft = seed;
  let lastUpdate = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const show = () => {
    if (!ts || Date.now() - lastUpdate < STREAM_UPDATE_MS) return;
    lastUpdate = Date.now();
    // A draft in progress is shown as plain, escaped text; the answer of record replaces it.
    const partial = escapeSlack(draft).slice(0, SLACK_LIMITS.sectionText - 2);
    const at = ts;
    pending = pending.then(() =>
      client.chat
        .update({ channel, ts: at, text: partial, blocks: [{ type: "section", text: { type: "mrkdwn", text: `${partial} ▍` } }] })
        .catch((error: unknown) => ctx.log.warn(logFields(new SlackStreamFailedError("chat.update failed", { cause: error })), "a streaming update failed")),
    );
  };
  return {
    /** Posts the placeholder (with the seed, if any, as its first update). */
    async open(): Promise<void> {
      const placeholder = await client.chat.postMessage({ channel, thread_ts: threadTs, text: "_Thinking…_" });
      ts = placeholder.ts;
      if (draft) show();
    },
    token(token: string): void {
      draft += token;
      show();
    },
    async finish(message: SlackMessage): Promise<unknown> {
      if (!ts) return client.chat.postMessage({ channel, thread_ts: threadTs, ...message, unfurl_links: false, unfurl_media: false });
      await pending;
      return client.chat.update({ channel, ts, ...message });
    },
  };
}

/** LLM mode outside DM and assistant threads: the draft shown by editing a placeholder. */
export function updatedInThread(ctx: ListenerContext, client: WebClient, target: ReplyTarget): Delivery {
  const reply = updatedReply(ctx, client, target);
  return {
    begin: async (): Promise<AskOptions> => {
      await reply.open();
      return { onToken: (token) => reply.token(token) };
    },
    send: (message) => reply.finish(message),
    apologise: (text) => client.chat.postMessage({ channel: target.channel, thread_ts: target.threadTs, text }),
  };
}

/**
 * LLM mode in a DM thread or an assistant thread: the draft streamed with Slack's native methods
 * (chat.startStream, chat.appendStream, chat.stopStream through the client's chatStream helper,
 * which buffers the text between calls), then replaced by the answer of record with chat.update.
 *
 * Why an update after the stop rather than blocks on the stop: chat.stopStream's blocks are
 * rendered below the streamed text, and the streamed text is the model's draft, which the answer
 * of record must replace (its citations renumbered, its verdict from the guide, the extractive
 * answer if the draft failed its checks), so an unchecked draft never stays in the thread.
 *
 * If the stream cannot start (a workspace without the methods, a conversation that does not allow
 * them), the reply falls back to the chat.update path with the draft so far; if it breaks later,
 * nothing more is appended and the answer still replaces it. Either way the user gets one answer.
 */
export function streamedInThread(ctx: ListenerContext, client: WebClient, target: ReplyTarget & { threadTs: string }): Delivery {
  const { channel, threadTs } = target;
  const streamer = client.chatStream({
    buffer_size: STREAM_BUFFER_CHARS,
    channel,
    thread_ts: threadTs,
    ...(target.teamId ? { recipient_team_id: target.teamId } : {}),
    ...(target.userId ? { recipient_user_id: target.userId } : {}),
  });
  let draft = "";
  let fallback: ReturnType<typeof updatedReply> | undefined;
  let broken = false;
  let pending: Promise<unknown> = Promise.resolve();
  const failed = (what: string, error: unknown) => ctx.log.warn(logFields(new SlackStreamFailedError(`${what} failed`, { cause: error })), "native streaming failed: the answer of record still follows");

  const onToken = (token: string) => {
    draft += token;
    if (fallback) return fallback.token(token);
    if (broken) return;
    pending = pending.then(async () => {
      // Tokens queued before a fallback are already in the draft it was seeded with.
      if (fallback || broken) return;
      try {
        // Escaped like every draft the bot shows: no mention or link syntax from the model's text.
        await streamer.append({ markdown_text: escapeSlack(token) });
      } catch (error) {
        if (streamer.ts) {
          broken = true;
          failed("chat.appendStream", error);
          return;
        }
        failed("chat.startStream", error);
        fallback = updatedReply(ctx, client, target, draft);
        // Without a placeholder the answer is posted as a new message when it is ready.
        await fallback.open().catch((openError: unknown) => failed("the fallback placeholder", openError));
      }
    });
  };

  return {
    begin: async (): Promise<AskOptions> => ({ onToken }),
    send: async (message) => {
      await pending;
      if (fallback) return fallback.finish(message);
      const post = () => client.chat.postMessage({ channel, thread_ts: threadTs, ...message, unfurl_links: false, unfurl_media: false });
      // Nothing shown yet (no draft, or one shorter than the stream's buffer): the answer is the message.
      if (!streamer.ts) return post();
      const ts = streamer.ts;
      await streamer.stop().catch((error: unknown) => failed("chat.stopStream", error));
      try {
        return await client.chat.update({ channel, ts, ...message });
      } catch (error) {
        // The draft could not be replaced: the answer of record is posted rather than lost.
        failed("chat.update of the streamed message", error);
        return post();
      }
    },
    apologise: (text) => client.chat.postMessage({ channel, thread_ts: threadTs, text }),
  };
}
