import type { App } from "@slack/bolt";
import { replyPrivately, type ListenerContext } from "../reply.js";

/** /coach <question>: acknowledged at once, answered privately with a "Share in channel" button. */
export function registerCommands(app: App, ctx: ListenerContext): void {
  app.command(/^\/coach/u, async ({ command, ack, respond }) => {
    await ack();
    const text = command.text.trim();
    if (!text) {
      const c = command.command;
      await respond({
        response_type: "ephemeral",
        text: `Ask me something, e.g. \`${c} ${ctx.service.coach.sampleQuestions[0] ?? "your question"}\`. Or practise: \`${c} quiz\` (interview practice), \`${c} plan\` plus a line about you (study plan), \`${c} ready\` (readiness check).`,
      });
      return;
    }
    await replyPrivately(ctx, respond, { team: command.team_id, channel: command.channel_id }, command.user_id, text, command.command);
  });
}
