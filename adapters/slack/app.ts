import { App, LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type express from "express";
import type { CoachConfig } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import { logFields, SlackBacklogFullError } from "../../src/errors.js";
import type { CoachService } from "../../src/service.js";
import { WorkQueue } from "../../src/work-queue.js";
import type { FastRoute, PlatformStatus } from "../types.js";
import { registerListeners } from "./listeners/index.js";
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
  /** Resolves once every event received over HTTP so far has been handled (answered or ignored). */
  settled(): Promise<void>;
  status(): PlatformStatus;
}

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

/**
 * The Slack app: Bolt with our receiver (HTTP) or Socket Mode, the listeners in listeners/, and a
 * background connection that retries, so Slack being down never takes the server with it.
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
    registerListeners(a, { service, log, streaming });
    a.error(async (error) => {
      log.error({ err: error, code: (error as { code?: string }).code }, "slack handler failed");
    });
    return a;
  };

  // HTTP mode: events are acknowledged by the receiver at once and processed from this queue,
  // so a burst of events never delays the acknowledgements.
  const work = new WorkQueue(8, 20_000, (error) => log.error({ err: error }, "background Slack job failed"), busy);
  const later = (job: () => Promise<void>) => {
    if (!work.push(job)) log.warn(logFields(new SlackBacklogFullError("event backlog full")), "event backlog full: dropping an event");
  };

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
    settled: () => work.drain(),
    fastRoute() {
      return receiver ? (req, res) => receiver!.handleRaw(req, res) : null;
    },
    status: () => ({ name: "slack", enabled: true, ready, detail }),
  };
}
