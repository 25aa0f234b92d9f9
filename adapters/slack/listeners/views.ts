import type { App } from "@slack/bolt";
import { ACTIONS } from "../render.js";
import type { ListenerContext } from "../reply.js";

/** The 👎 modal's submission: the rating with the user's comment (the service redacts it). */
export function registerViews(app: App, ctx: ListenerContext): void {
  app.view(ACTIONS.feedbackModal, async ({ ack, view, body }) => {
    await ack();
    const comment = view.state.values.comment?.comment?.value ?? undefined;
    await ctx.service.feedback({ answerId: view.private_metadata || "unknown", rating: "down", comment, platform: "slack", userKey: `slack:${body.user.id}` });
  });
}
