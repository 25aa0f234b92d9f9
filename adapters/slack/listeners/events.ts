import type { App } from "@slack/bolt";
import { homeView } from "../render.js";
import { replyInThread, stripMentions, threadHistory, type ListenerContext } from "../reply.js";

/** @mentions in channels (answered in the thread) and the App Home tab. */
export function registerEvents(app: App, ctx: ListenerContext): void {
  app.event("app_mention", async ({ event, body, client }) => {
    if (event.bot_id) return;
    if (!(await ctx.service.firstDelivery("slack", body.event_id))) return;
    // Mentioned inside an existing thread: what was said there before is the conversation.
    const joinedLate = event.thread_ts && event.thread_ts !== event.ts ? await threadHistory(ctx, client, event.channel, event.thread_ts, event.ts) : [];
    await replyInThread(ctx, client, { team: body.team_id, channel: event.channel, threadTs: event.thread_ts ?? event.ts }, event.user ?? "unknown", stripMentions(event.text), undefined, joinedLate);
  });

  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    const { coach } = ctx.service;
    try {
      await client.views.publish({ user_id: event.user, view: homeView(coach.words, coach.sampleQuestions, coach.coachingStarters) });
    } catch (error) {
      ctx.log.error({ err: error }, "could not publish App Home");
    }
  });
}
