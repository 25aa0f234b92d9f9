import {
  ActivityHandler,
  ActivityTypes,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  TurnContext,
  type Activity,
  type Entity,
  type InvokeResponse,
} from "botbuilder";
import type { AuthenticateRequestResult } from "botframework-connector";
import express from "express";
import type { CoachConfig } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import { logFields, TeamsServiceUrlRefusedError, TeamsUnauthorizedError } from "../../src/errors.js";
import type { CoachService } from "../../src/service.js";
import { parseCoachingAction } from "../../src/coaching/actions.js";
import type { PlatformStatus } from "../types.js";
import { answerCard, messageEntity, plainText, summaryLine, welcomeCard, welcomeGreeting } from "./render.js";
import { keepCardForRating, redrawRatedCard } from "./rated-card.js";
import { allowCustomEntityProperties } from "./entities-patch.js";
import { startStream } from "./stream.js";


/** "<at>Coach</at> what is X?" -> "what is X?" (the mention entity and any leftover tags). */
function questionText(context: TurnContext): string {
  const withoutMention = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? "";
  return withoutMention.replace(/<at>[^<]*<\/at>/giu, " ").replace(/\s+/gu, " ").trim();
}

/** What our cards' buttons submit (Action.Submit / Action.Execute data); a client may send anything, so every field is checked where read. */
interface CardSubmit {
  action?: unknown;
  rating?: unknown;
  comment?: unknown;
  answerId?: unknown;
  question?: unknown;
  session?: unknown;
  step?: unknown;
}

/**
 * The Teams bot: personal chat, group chat and channel mentions. Thin: translate the activity,
 * show typing, ask the coach, reply with an Adaptive Card (plain text for clients without cards).
 */
export class CoachTeamsBot extends ActivityHandler {
  constructor(
    private readonly service: CoachService,
    private readonly logger: Logger,
    /** LLM mode: stream the model's text in personal chats (Teams streams only there). */
    private readonly streaming = false,
  ) {
    super();
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient.id);
      if (botAdded) {
        const { coach } = this.service;
        // One message: the greeting is in the card (text beside a card would be a second bubble).
        await context.sendActivity({ summary: welcomeGreeting(coach.words.name), attachments: [CardFactory.adaptiveCard(welcomeCard(coach.words.name, coach.sampleQuestions, coach.coachingStarters))] });
      }
      await next();
    });
  }

  /** Invokes we do not handle are acknowledged, not failed (Teams retries or shows an error otherwise). */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const value = (context.activity.value ?? {}) as { action?: { data?: CardSubmit }; data?: CardSubmit };
    const data = value.action?.data ?? value.data;
    if (context.activity.name === "adaptiveCard/action" && data?.action === "feedback") {
      await this.recordFeedback(context, data);
      return { status: 200, body: { statusCode: 200, type: "application/vnd.microsoft.activity.message", value: "Thanks for the feedback!" } };
    }
    this.logger.info({ platform: "teams", invoke: context.activity.name }, "acknowledged an invoke the coach does not handle");
    return { status: 200 };
  }

  private async recordFeedback(context: TurnContext, data: CardSubmit): Promise<void> {
    const rating = data.rating === "down" ? "down" : "up";
    // Cut generously here (the body limit bounds it anyway); the service redacts, then cuts to
    // 2,000 characters, so an address straddling the cut is never kept in half.
    const comment = typeof data.comment === "string" && data.comment.trim() ? data.comment.slice(0, 10_000) : undefined;
    await this.service.feedback({ answerId: String(data.answerId ?? "unknown"), rating, comment, platform: "teams", userKey: `teams:${context.activity.from?.aadObjectId ?? context.activity.from?.id ?? "unknown"}` });
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const value = activity.value as CardSubmit | undefined;
    // Card buttons (Action.Submit) arrive as messages carrying `value`.
    if (value?.action === "feedback") {
      await this.recordFeedback(context, value);
      const redrawn = await redrawRatedCard(context, this.service.state, this.logger, typeof value.answerId === "string" ? value.answerId : "", value.rating === "down" ? "down" : "up");
      if (!redrawn) await context.sendActivity(value.rating === "down" ? "Thanks, noted. We'll use it to improve the guide." : "Thanks for the feedback! 👍");
      return;
    }
    // A coaching button (Hint, Skip, Stop, Resume, Yes…) submits its typed action; the core acts on that alone.
    const coachingAction = parseCoachingAction(value);
    const pressed = value?.action === "ask" && typeof value.question === "string";
    const question = coachingAction ? coachingAction.action : pressed ? (value.question as string) : questionText(context);
    // A redelivered activity (same id in the same conversation) is answered once.
    if (activity.id && !(await this.service.firstDelivery("teams", `${activity.conversation.id}:${activity.id}`))) return;

    const personal = activity.conversation.conversationType === "personal";
    const stream = this.streaming && personal ? await startStream(context, this.logger) : null;
    if (!stream) await context.sendActivity({ type: ActivityTypes.Typing });
    const { answerId, answer } = await this.service.ask(
      {
        text: question,
        history: [],
        user: { id: activity.from?.aadObjectId ?? activity.from?.id ?? "unknown", platform: "teams" },
        // Channel reply chains have their own conversation id (";messageid="), so history is per chain.
        conversationId: `teams:${activity.conversation.id}`,
        ...(coachingAction ? { action: coachingAction } : {}),
      },
      stream ? { onToken: stream.onToken } : {},
    );
    await stream?.flushed();
    // The card carries the answer; Teams would show activity text above it as a second copy, so
    // the plain text goes where card-less clients and notifications look: the card's fallbackText
    // and the activity's summary.
    const plain = plainText(answer);
    // Teams' citation entity (schema.org Message): botbuilder's Entity is open by design.
    const entities: Entity[] = answer.citations.length ? [messageEntity(answer) as Entity] : [];
    // The final message closes the stream; it replaces the streamed draft with the checked answer.
    if (stream?.streamId) entities.push({ type: "streaminfo", streamId: stream.streamId, streamType: "final" });
    const card = { ...answerCard(answer, { answerId, sourcesHeading: this.service.coach.words.sourcesHeading, ...(personal ? {} : { replyHint: "Mention me with your answer to carry on." }) }), fallbackText: plain };
    await context.sendActivity({ summary: summaryLine(answer), attachments: [CardFactory.adaptiveCard(card)], entities });
    // Kept so a 👍/👎 can redraw this card in place (shared state: any replica may get the press).
    if (answer.outcome === "answered") await keepCardForRating(this.service.state, this.logger, answerId, activity.conversation.id, card);
  }
}

/** CloudAdapter.process answers failures with their message (hostnames, DNS errors) and logs with console: we authenticate and report ourselves. */
class CoachCloudAdapter extends CloudAdapter {
  runAuthenticated(authenticated: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** http(s)://localhost, 127.0.0.1 or [::1] (any port), exactly: "localhost.evil.com" or "0.0.0.0" are not. */
export function isLoopbackServiceUrl(serviceUrl: unknown): boolean {
  if (typeof serviceUrl !== "string") return false;
  try {
    const url = new URL(serviceUrl);
    return (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.has(url.hostname.toLowerCase()) && !url.username && !url.password;
  } catch {
    return false;
  }
}

function hostOf(serviceUrl: unknown): string {
  try {
    return new URL(String(serviceUrl)).host.slice(0, 200);
  } catch {
    return "(not a URL)";
  }
}

export interface TeamsAdapterHandle {
  mount(app: express.Express): void;
  status(): PlatformStatus;
}

/** CloudAdapter at POST /api/messages; JWT validation when MicrosoftAppId is set, Emulator mode otherwise. */
export function createTeamsAdapter(config: CoachConfig["teams"], service: CoachService, logger: Logger, options: { streaming?: boolean } = {}): TeamsAdapterHandle {
  const log = logger.child({ platform: "teams" });
  allowCustomEntityProperties();
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    MicrosoftAppTenantId: config.tenantId,
    MicrosoftAppType: config.appType,
  });
  const adapter = new CoachCloudAdapter(auth);
  // One catch-all per platform: log the details, tell the user one short sentence.
  adapter.onTurnError = async (context, error) => {
    log.error({ err: error, activityType: context.activity.type }, "Teams turn failed");
    try {
      if (context.activity.type === ActivityTypes.Message) await context.sendActivity(service.coach.words.apology);
    } catch (sendError) {
      log.error({ err: sendError }, "could not send the apology");
    }
  };
  const bot = new CoachTeamsBot(service, logger, options.streaming ?? false);
  return {
    mount(app) {
      app.post("/api/messages", express.json({ limit: "256kb" }), async (req, res) => {
        service.telemetry.request("teams");
        if (!req.body || typeof req.body !== "object" || Array.isArray(req.body) || typeof (req.body as { type?: unknown }).type !== "string") {
          res.status(400).json({ error: "Expected a Bot Framework activity." });
          return;
        }
        const activity = req.body as Activity;
        // Without credentials nothing proves who sent the activity, and the bot would POST its
        // typing indicator and answer to whatever serviceUrl it names (SSRF): only the local
        // Emulator and Agents Playground, on loopback, are answered.
        if (!config.appId && !isLoopbackServiceUrl(activity.serviceUrl)) {
          log.warn({ ...logFields(new TeamsServiceUrlRefusedError("service URL not on loopback")), serviceHost: hostOf(activity.serviceUrl) }, "refused an activity: without MicrosoftAppId the bot replies only to loopback service URLs");
          res.status(403).json({ error: "Without MicrosoftAppId this bot only replies to loopback service URLs (localhost, 127.0.0.1, [::1])." });
          return;
        }
        let authenticated: Awaited<ReturnType<typeof auth.authenticateRequest>>;
        try {
          authenticated = await auth.authenticateRequest(activity, String(req.headers.authorization ?? ""));
        } catch (error) {
          // A forged or expired token, or the token service unreachable: either way the request is
          // not authenticated. The caller learns nothing more; the log gets the cause.
          log.warn(logFields(new TeamsUnauthorizedError("Bot Framework authentication failed", { cause: error })), "refused an activity: Bot Framework authentication failed");
          res.status(401).json({ error: "Unauthorized." });
          return;
        }
        try {
          const invoke = await adapter.runAuthenticated(authenticated, activity, (context) => bot.run(context));
          res.status(invoke?.status ?? 200);
          if (invoke?.body !== undefined) res.json(invoke.body);
          else res.end();
        } catch (error) {
          log.error({ err: error }, "Teams activity failed");
          if (!res.headersSent) res.status(500).json({ error: "Sorry, something went wrong on our side." });
        }
      });
    },
    status: () => ({
      name: "teams",
      enabled: true,
      ready: true,
      detail: config.appId
        ? "POST /api/messages (Bot Framework JWT validation on)"
        : "POST /api/messages in Bot Framework Emulator mode (no MicrosoftAppId: no authentication; replies only to loopback service URLs: localhost, 127.0.0.1, [::1])",
    }),
  };
}
