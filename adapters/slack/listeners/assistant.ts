import { Assistant, type App } from "@slack/bolt";
import { replyTo, threadConversation, type ListenerContext } from "../reply.js";
import { streamedInThread } from "../streaming.js";

/** The assistant pane: suggested prompts on start, a title and a status while thinking, the answer in the thread. */
export function registerAssistant(app: App, ctx: ListenerContext): void {
  const { service } = ctx;
  app.assistant(
    new Assistant({
      threadStarted: async ({ say, setSuggestedPrompts }) => {
        try {
          await say(service.coach.words.greeting);
          const practice = service.coach.coachingStarters[0];
          await setSuggestedPrompts({
            title: "Try one of these",
            prompts: [...service.coach.sampleQuestions.slice(0, 3).map((q) => ({ title: q.slice(0, 75), message: q })), ...(practice ? [{ title: practice.label, message: practice.text }] : [])],
          });
        } catch (error) {
          ctx.log.error({ err: error }, "assistant thread start failed");
        }
      },
      userMessage: async ({ message, say, setStatus, setTitle, body, client }) => {
        if (message.subtype !== undefined || message.bot_id || !message.text) return;
        const text = message.text;
        if (body.event_id && !(await service.firstDelivery("slack", body.event_id))) return;
        const threadTs = message.thread_ts ?? message.ts;
        // LLM mode streams the draft into the thread with Slack's native methods; otherwise the
        // answer is said once it is ready.
        const reply = ctx.streaming ? streamedInThread(ctx, client, { channel: message.channel, threadTs, teamId: body.team_id, userId: message.user }) : undefined;
        await replyTo(
          ctx,
          { text, userId: message.user ?? "unknown", conversationId: threadConversation(body.team_id ?? "T", message.channel, threadTs) },
          {
            begin: async () => {
              await setTitle(service.quoteForOthers(text, 80));
              await setStatus("is thinking…");
              return (await reply?.begin?.()) ?? {};
            },
            send: (answer) => (reply ? reply.send(answer) : say(answer)),
            apologise: (apology) => say(apology),
          },
          {},
          "assistant answer failed",
        );
      },
    }),
  );
}
