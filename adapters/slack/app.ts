import { App, Assistant, LogLevel, type Logger as BoltLogger, type RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type express from "express";
import type { CoachConfig } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import type { CoachService } from "../../src/service.js";
import type { Turn } from "../../src/types.js";
import { neutralizeControlSequences } from "../../src/guardrails/output.js";
import { redactAndTruncate } from "../../src/guardrails/privacy.js";
import type { FastRoute, PlatformStatus } from "../types.js";
import { ACTIONS, escapeSlack, feedbackModal, homeView, renderAnswer, SLACK_LIMITS } from "./render.js";
import { WorkQueue } from "../../src/work-queue.js";
import { SlackHttpReceiver } from "./receiver.js";

export interface SlackAdapterOptions {
  config: CoachConfig["slack"];
  service: CoachService;
  logger: Logger;
  /** Known bot identity (skips auth.test); tests and single-workspace installs may set it. */
  botId?: string;
  botUserId?: string;
  /** First retry delay when Slack is unreachable at start. */
  retryDelayMs?: number;
  /** True while HTTP requests are waiting: answers then yield to acknowledgements. */
  busy?: () => boolean;
  /** LLM mode: stream the model's text into the thread while it is written. */
  streaming?: boolean;
}

export interface SlackAdapter {
  /** HTTP mode: mounts POST /slack/events on the shared server. */
  mount(app: express.Express): void;
  /** HTTP mode: the same endpoint for node:http directly, ahead of express. */
  fastRoute(): FastRoute | null;
  /** Verify the token (auth.test) and, in Socket Mode, connect; retries in the background. */
  start(): void;
  stop(): Promise<void>;
  status(): PlatformStatus;
}

const APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment.";
/** Slack allows about one chat.update per second per message. */
const STREAM_UPDATE_MS = 1_000;

/** Bolt's logger interface on top of ours. */
function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ platform: "slack", component: "bolt" });
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => child.debug(msg.map(String).join(" ")),
    info: (...msg: unknown[]) => child.info(msg.map(String).join(" ")),
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(" ")),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(" ")),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** "<@U123> what is X?" -> "what is X?" */
function stripMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/gu, " ").replace(/\s+/gu, " ").trim();
}

/**
 * The Slack app, thin like Bolt's own receivers: translate the event into a Turn, acknowledge,
 * call the coach, render Block Kit, send. Slack being down never takes the server with it.
 */
export function createSlackAdapter({ config, service, logger, botId, botUserId, retryDelayMs = 2_000, busy, streaming = false }: SlackAdapterOptions): SlackAdapter {
  const log = logger.child({ platform: "slack" });
  const socketMode = !config.signingSecret && !!config.appToken;
  let ready = false;
  let receiver: SlackHttpReceiver | undefined;
  let detail = "starting: verifying the bot token with Slack";
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const clientOptions = {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith("/") ? config.apiUrl : `${config.apiUrl}/` } : {}),
    // Slack's rate-limit answers are retried by the client (it honours Retry-After); other
    // failures are retried a couple of times, then logged with an apology to the user.
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2_000 },
  };

  let app: App | undefined;
  const build = (receiverForHttp?: SlackHttpReceiver) => {
    const a = new App({
      token: config.botToken!,
      ...(socketMode ? { socketMode: true, appToken: config.appToken! } : { receiver: receiverForHttp }),
      ...(botId && botUserId ? { botId, botUserId } : {}),
      clientOptions,
      logger: boltLogger(logger),
      deferInitialization: true,
      // Conversation memory lives in our state store (shared across replicas), not in Bolt's.
      convoStore: false,
    });
    registerHandlers(a);
    a.error(async (error) => {
      log.error({ err: error, code: (error as { code?: string }).code }, "slack handler failed");
    });
    return a;
  };

  // HTTP mode: events are acknowledged by the receiver at once and processed from this queue,
  // so a burst of events never delays the acknowledgements.
  const work = new WorkQueue(8, 20_000, (error) => log.error({ err: error }, "background Slack job failed"), busy);
  const later = (job: () => Promise<void>) => {
    if (!work.push(job)) log.warn({ code: "coach_slack_backlog_full" }, "event backlog full: dropping an event");
  };

  /**
   * Answer in a thread, or at the top level of a DM (threadTs undefined). A DM's top level is one
   * conversation, so follow-ups and practice sessions carry from message to message there.
   */
  async function answerInThread(client: WebClient, channel: string, threadTs: string | undefined, team: string, user: string, text: string, viaButton = false): Promise<void> {
    const turn: Turn = { text, history: [], user: { id: user, platform: "slack" }, conversationId: threadTs ? `slack:${team}:${channel}:${threadTs}` : `slack:${team}:${channel}`, viaButton };
    service.telemetry.request("slack");
    try {
      if (streaming) {
        await answerStreaming(client, channel, threadTs, turn);
        return;
      }
      const { answerId, answer } = await service.ask(turn);
      const { text: fallback, blocks } = renderAnswer(answer, { answerId });
      await client.chat.postMessage({ channel, thread_ts: threadTs, text: fallback, blocks, unfurl_links: false, unfurl_media: false });
    } catch (error) {
      log.error({ err: error }, "could not answer in Slack");
      await client.chat.postMessage({ channel, thread_ts: threadTs, text: APOLOGY }).catch(() => undefined);
    }
  }

  /**
   * LLM mode: post a placeholder, update it with the model's text as it arrives (throttled to
   * Slack's chat.update pace), then replace it with the answer of record — which is the extractive
   * one if the draft failed its checks, so an unchecked draft never stays in the thread.
   */
  async function answerStreaming(client: WebClient, channel: string, threadTs: string | undefined, turn: Turn): Promise<void> {
    const placeholder = await client.chat.postMessage({ channel, thread_ts: threadTs, text: "_Thinking…_" });
    const ts = placeholder.ts as string;
    let draft = "";
    let lastUpdate = 0;
    let pending: Promise<unknown> = Promise.resolve();
    const push = () => {
      lastUpdate = Date.now();
      // A draft in progress is shown as plain, escaped text; the answer of record replaces it.
      const partial = escapeSlack(draft).slice(0, SLACK_LIMITS.sectionText - 2);
      pending = pending.then(() => client.chat.update({ channel, ts, text: partial, blocks: [{ type: "section", text: { type: "mrkdwn", text: `${partial} ▍` } }] }).catch(() => undefined));
    };
    const { answerId, answer } = await service.ask(turn, {
      onToken: (token) => {
        draft += token;
        if (Date.now() - lastUpdate >= STREAM_UPDATE_MS) push();
      },
    });
    await pending;
    const { text: fallback, blocks } = renderAnswer(answer, { answerId });
    await client.chat.update({ channel, ts, text: fallback, blocks });
  }

  async function answerEphemeral(respond: RespondFn, team: string, user: string, channel: string, text: string, command = "/coach", viaButton = false): Promise<void> {
    service.telemetry.request("slack");
    try {
      const { answerId, answer } = await service.ask({ text, history: [], user: { id: user, platform: "slack" }, conversationId: `slack:${team}:${channel}:command:${user}`, viaButton });
      const { text: fallback, blocks } = renderAnswer(answer, { answerId, shareable: true, question: text, command });
      await respond({ response_type: "ephemeral", text: fallback, blocks });
    } catch (error) {
      log.error({ err: error }, "could not answer a slash command");
      await respond({ response_type: "ephemeral", text: APOLOGY }).catch(() => undefined);
    }
  }

  function registerHandlers(a: App): void {
    // Assistant pane: suggested prompts on start, status while thinking, a title per thread.
    a.assistant(
      new Assistant({
        threadStarted: async ({ say, setSuggestedPrompts }) => {
          try {
            await say("Hi! I coach people moving into AI product management in manufacturing, from a curated guide. What would you like to know?");
            const practice = service.coach.coachingStarters[0];
            await setSuggestedPrompts({
              title: "Try one of these",
              prompts: [...service.coach.sampleQuestions.slice(0, 3).map((q) => ({ title: q.slice(0, 75), message: q })), ...(practice ? [{ title: practice.label, message: practice.text }] : [])],
            });
          } catch (error) {
            log.error({ err: error }, "assistant thread start failed");
          }
        },
        userMessage: async ({ message, say, setStatus, setTitle, body }) => {
          const m = message as { text?: string; user?: string; channel: string; thread_ts?: string; ts: string; bot_id?: string; subtype?: string };
          if (m.bot_id || m.subtype || !m.text) return;
          const eventId = (body as { event_id?: string }).event_id;
          if (eventId && !(await service.firstDelivery("slack", eventId))) return;
          try {
            // Cut (with room for a straddling address) before redacting: a 40,000-character message
            // must not be redacted whole for an 80-character title.
            await setTitle(neutralizeControlSequences(redactAndTruncate(m.text, 80)).slice(0, 80));
            await setStatus("is thinking…");
            const team = (body as { team_id?: string }).team_id ?? "T";
            const { answerId, answer } = await service.ask({ text: m.text, history: [], user: { id: m.user ?? "unknown", platform: "slack" }, conversationId: `slack:${team}:${m.channel}:${m.thread_ts ?? m.ts}` });
            const { text, blocks } = renderAnswer(answer, { answerId });
            await say({ text, blocks });
          } catch (error) {
            log.error({ err: error }, "assistant answer failed");
            await say(APOLOGY).catch(() => undefined);
          }
        },
      }),
    );

    // @mentions in channels: answer in the thread.
    a.event("app_mention", async ({ event, body, client }) => {
      if ((event as { bot_id?: string }).bot_id) return;
      if (!(await service.firstDelivery("slack", body.event_id))) return;
      const threadTs = event.thread_ts ?? event.ts;
      await answerInThread(client, event.channel, threadTs, body.team_id, event.user ?? "unknown", stripMentions(event.text));
    });

    // Direct messages (not assistant threads, which the Assistant above handles): answered at the
    // top level, like a chat; a message in a DM thread is answered in that thread.
    a.message(async ({ message, body, client }) => {
      const m = message as { channel_type?: string; subtype?: string; bot_id?: string; text?: string; user?: string; channel: string; ts: string; thread_ts?: string };
      if (m.channel_type !== "im" || m.subtype || m.bot_id || !m.text) return;
      if (!(await service.firstDelivery("slack", (body as { event_id: string }).event_id))) return;
      await answerInThread(client, m.channel, m.thread_ts, (body as { team_id: string }).team_id, m.user ?? "unknown", stripMentions(m.text));
    });

    // /coach <question>: acknowledged at once, answered privately with a "Share in channel" button.
    a.command(/^\/coach/u, async ({ command, ack, respond }) => {
      await ack();
      const text = command.text.trim();
      if (!text) {
        await respond({
          response_type: "ephemeral",
          text: `Ask me something, e.g. \`${command.command} ${service.coach.sampleQuestions[0] ?? "your question"}\`. Or practise: \`${command.command} quiz\` (interview practice), \`${command.command} plan\` plus a line about you (study plan), \`${command.command} ready\` (readiness check).`,
        });
        return;
      }
      await answerEphemeral(respond, command.team_id, command.user_id, command.channel_id, text, command.command);
    });

    a.action(ACTIONS.share, async ({ ack, action, body, respond }) => {
      await ack();
      const question = (action as { value?: string }).value ?? "";
      try {
        const { answerId, answer } = await service.ask({ text: question, history: [], user: { id: body.user.id, platform: "slack" }, conversationId: `slack:share:${body.user.id}:${Date.now()}` });
        const { text, blocks } = renderAnswer(answer, { answerId });
        // The question goes to the whole channel: without the contact details or ids it may carry.
        await respond({ response_type: "in_channel", delete_original: true, text: `<@${body.user.id}> asked: ${neutralizeControlSequences(redactAndTruncate(question, 300))}\n${text}`, blocks });
      } catch (error) {
        log.error({ err: error }, "share failed");
        await respond({ response_type: "ephemeral", replace_original: false, text: APOLOGY }).catch(() => undefined);
      }
    });

    // Follow-up buttons ask the suggested question in the same thread.
    a.action(new RegExp(`^${ACTIONS.followUp}_\\d+$`, "u"), async ({ ack, action, body, client, respond }) => {
      await ack();
      const question = (action as { value?: string }).value ?? "";
      const b = body as { channel?: { id: string }; message?: { ts: string; thread_ts?: string }; team?: { id: string }; user: { id: string }; container?: { is_ephemeral?: boolean } };
      if (b.channel && b.message && !b.container?.is_ephemeral) {
        // In a DM the bot answers at the top level; elsewhere in the message's thread.
        const topLevelDm = b.channel.id.startsWith("D") && !b.message.thread_ts;
        await answerInThread(client, b.channel.id, topLevelDm ? undefined : (b.message.thread_ts ?? b.message.ts), b.team?.id ?? "T", b.user.id, question, true);
      } else {
        await answerEphemeral(respond, b.team?.id ?? "T", b.user.id, b.channel?.id ?? "unknown", question, "/coach", true);
      }
    });

    // App Home buttons: start interview practice, a study plan or a readiness check in the user's DM,
    // where every reply is the next step.
    a.action(new RegExp(`^${ACTIONS.startMode}_\\d+$`, "u"), async ({ ack, action, body, client }) => {
      await ack();
      const text = (action as { value?: string }).value ?? "";
      try {
        const opened = await client.conversations.open({ users: body.user.id });
        const channel = opened.channel?.id;
        if (!channel) throw new Error("conversations.open returned no channel");
        await answerInThread(client, channel, undefined, (body as { team?: { id: string } }).team?.id ?? "T", body.user.id, text);
      } catch (error) {
        log.error({ err: error }, "could not start a coaching mode from App Home");
      }
    });

    a.action(ACTIONS.feedbackUp, async ({ ack, action, body, respond }) => {
      await ack();
      await service.feedback({ answerId: (action as { value?: string }).value ?? "unknown", rating: "up", platform: "slack", userKey: `slack:${body.user.id}` });
      await respond({ response_type: "ephemeral", replace_original: false, text: "Thanks for the feedback! 👍" }).catch(() => undefined);
    });

    a.action(ACTIONS.feedbackDown, async ({ ack, action, body, client }) => {
      await ack();
      const answerId = (action as { value?: string }).value ?? "unknown";
      const trigger = (body as { trigger_id?: string }).trigger_id;
      try {
        if (!trigger) throw new Error("no trigger_id");
        await client.views.open({ trigger_id: trigger, view: feedbackModal(answerId) as never });
      } catch (error) {
        // The modal is a nicety; the 👎 itself must never be lost.
        log.warn({ err: error }, "could not open the feedback modal; recording the rating alone");
        await service.feedback({ answerId, rating: "down", platform: "slack", userKey: `slack:${body.user.id}` });
      }
    });

    a.view(ACTIONS.feedbackModal, async ({ ack, view, body }) => {
      await ack();
      const comment = (view.state.values.comment?.comment as { value?: string | null } | undefined)?.value ?? undefined;
      await service.feedback({ answerId: view.private_metadata || "unknown", rating: "down", comment: comment ?? undefined, platform: "slack", userKey: `slack:${body.user.id}` });
    });

    a.event("app_home_opened", async ({ event, client }) => {
      if (event.tab !== "home") return;
      try {
        await client.views.publish({ user_id: event.user, view: homeView(service.coach.sampleQuestions, service.coach.coachingStarters) as never });
      } catch (error) {
        log.error({ err: error }, "could not publish App Home");
      }
    });
  }

  const connect = async (attempt: number): Promise<void> => {
    if (stopped || !app) return;
    try {
      await app.init();
      if (socketMode) await app.start();
      ready = true;
      detail = socketMode ? "Socket Mode connected" : "HTTP events at POST /slack/events";
      log.info({ mode: socketMode ? "socket" : "http" }, "Slack ready");
    } catch (error) {
      const delay = Math.min(retryDelayMs * 2 ** attempt, 60_000);
      detail = `Slack unreachable (${(error as Error).message}); retrying in ${Math.round(delay / 1000)} s`;
      log.warn({ err: error, retryInMs: delay }, "Slack unreachable at start: the rest of the server keeps running");
      retryTimer = setTimeout(() => void connect(attempt + 1), delay);
      retryTimer.unref();
    }
  };

  return {
    mount(expressApp) {
      if (socketMode) return;
      receiver = new SlackHttpReceiver({ signingSecret: config.signingSecret!, logger, defer: later, isReady: () => ready });
      expressApp.use(receiver.router);
      app = build(receiver);
    },
    start() {
      if (socketMode) app = build();
      void connect(0);
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await work.drain();
      if (socketMode && app && ready) await app.stop().catch(() => undefined);
    },
    fastRoute() {
      return receiver ? (req, res) => receiver!.handleRaw(req, res) : null;
    },
    status: () => ({ name: "slack", enabled: true, ready, detail }),
  };
}
