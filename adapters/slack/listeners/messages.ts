import type { App } from "@slack/bolt";
import { replyInThread, stripMentions, type ListenerContext } from "../reply.js";

/**
 * Direct messages (not assistant threads, which listeners/assistant.ts handles): answered at the
 * top level, like a chat; a message in a DM thread is answered in that thread. Edits, deletions
 * and bots' messages (any subtype, or a bot_id) are not questions.
 */
export function registerMessages(app: App, ctx: ListenerContext): void {
  app.message(async ({ message, body, client }) => {
    if (message.subtype !== undefined || message.channel_type !== "im" || message.bot_id || !message.text) return;
    if (!(await ctx.service.firstDelivery("slack", body.event_id))) return;
    await replyInThread(ctx, client, { team: body.team_id, channel: message.channel, threadTs: message.thread_ts }, message.user ?? "unknown", stripMentions(message.text));
  });
}
