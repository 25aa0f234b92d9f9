import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { parseCoachingAction } from "../../../src/coaching/actions.js";
import type { CoachingAction } from "../../../src/types.js";
import { ACTIONS, feedbackModal } from "../render.js";
import { replyInThread, replyPrivately, replyTo, type ListenerContext } from "../reply.js";

/** The buttons on answers and on the App Home: share, follow-ups, coaching modes, feedback. */
export function registerActions(app: App, ctx: ListenerContext): void {
  const { service, log } = ctx;

  // "Share in channel" on a private answer: asked again, posted for everyone, the question quoted
  // without the contact details or ids it may carry.
  app.action<BlockAction<ButtonAction>>(ACTIONS.share, async ({ ack, action, body, respond }) => {
    await ack();
    const question = action.value ?? "";
    const quoted = service.quoteForOthers(question, 300);
    await replyTo(
      ctx,
      { text: question, userId: body.user.id, conversationId: `slack:share:${body.user.id}:${Date.now()}` },
      {
        send: ({ text, blocks }) => respond({ response_type: "in_channel", delete_original: true, text: `<@${body.user.id}> asked: ${quoted}\n${text}`, blocks }),
        apologise: (text) => respond({ response_type: "ephemeral", replace_original: false, text }),
      },
      {},
      "share failed",
    );
  });

  // Follow-up buttons ask the suggested question, and coaching buttons (Hint, Skip, Stop, Resume,
  // Yes…) send their typed action, in the same thread (privately under a private answer).
  const pressedIn = async ({ body, client, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs, text: string, coachingAction?: CoachingAction) => {
    const team = body.team?.id ?? "T";
    const ephemeral = (body.container as { is_ephemeral?: boolean }).is_ephemeral === true;
    if (body.channel && body.message && !ephemeral) {
      // In a DM the bot answers at the top level; elsewhere in the message's thread.
      const threadTs = typeof body.message.thread_ts === "string" ? body.message.thread_ts : undefined;
      const topLevelDm = body.channel.id.startsWith("D") && !threadTs;
      await replyInThread(ctx, client, { team, channel: body.channel.id, threadTs: topLevelDm ? undefined : (threadTs ?? body.message.ts) }, body.user.id, text, coachingAction);
    } else {
      await replyPrivately(ctx, respond, { team, channel: body.channel?.id ?? "unknown" }, body.user.id, text, "/coach", coachingAction);
    }
  };
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACTIONS.followUp}_\\d+$`, "u"), async (args) => {
    await args.ack();
    await pressedIn(args, args.action.value ?? "");
  });
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACTIONS.coaching}_\\d+$`, "u"), async (args) => {
    await args.ack();
    const coachingAction = parseCoachingAction(args.action.value);
    if (!coachingAction) {
      log.warn({ actionId: args.action.action_id }, "a coaching button carried no valid action");
      return;
    }
    // The label is the turn's text for the answer log; the core acts on the action alone.
    await pressedIn(args, args.action.text.text, coachingAction);
  });

  // App Home buttons: start interview practice, a study plan or a readiness check in the user's
  // DM, where every reply is the next step.
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACTIONS.startMode}_\\d+$`, "u"), async ({ ack, action, body, client }) => {
    await ack();
    try {
      const opened = await client.conversations.open({ users: body.user.id });
      const channel = opened.channel?.id;
      if (!channel) throw new Error("conversations.open returned no channel");
      await replyInThread(ctx, client, { team: body.team?.id ?? "T", channel, threadTs: undefined }, body.user.id, action.value ?? "");
    } catch (error) {
      log.error({ err: error }, "could not start a coaching mode from App Home");
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.feedbackUp, async ({ ack, action, body, respond }) => {
    await ack();
    await service.feedback({ answerId: action.value ?? "unknown", rating: "up", platform: "slack", userKey: `slack:${body.user.id}` });
    await respond({ response_type: "ephemeral", replace_original: false, text: "Thanks for the feedback! 👍" }).catch((error: unknown) => log.warn({ err: error }, "could not thank for feedback"));
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.feedbackDown, async ({ ack, action, body, client }) => {
    await ack();
    const answerId = action.value ?? "unknown";
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: feedbackModal(answerId) });
    } catch (error) {
      // The modal is a nicety; the 👎 itself must never be lost.
      log.warn({ err: error }, "could not open the feedback modal; recording the rating alone");
      await service.feedback({ answerId, rating: "down", platform: "slack", userKey: `slack:${body.user.id}` });
    }
  });
}
