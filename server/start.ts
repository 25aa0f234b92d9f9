import { join } from "node:path";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CoachConfig } from "../src/config.js";
import type { Logger } from "../src/logger.js";
import { createCoach } from "../src/coach.js";
import { CoachService } from "../src/service.js";
import { MemoryStateStore, type StateStore } from "../src/state/store.js";
import { FileEventLog, RedisEventLog, type EventLog } from "../src/state/feedback.js";
import { CoachMetrics } from "./metrics.js";
import { createHttpApp, InFlightGauge, listen } from "../adapters/web/http.js";
import type { FastRoute, PlatformStatus } from "../adapters/types.js";
import type { SlackAdapter } from "../adapters/slack/app.js";
import { createTeamsAdapter } from "../adapters/teams/bot.js";

export interface RunningServer {
  server: Server;
  url: string;
  service: CoachService;
  /** Stop accepting, finish in-flight answers, flush, close state. */
  stop(): Promise<void>;
  /** Resolves once every platform event received so far has been handled (Slack's are queued after their acknowledgement). */
  settled(): Promise<void>;
}

/**
 * Build the coach, its state and the HTTP server. Platforms that are not configured stay off and
 * say why; nothing that is missing stops the server from starting.
 */
export interface StartOptions {
  host?: string;
  /** Known Slack bot identity (skips auth.test at start). */
  slack?: { botId?: string; botUserId?: string; retryDelayMs?: number };
}

export async function startCoachServer(config: CoachConfig, logger: Logger, options: StartOptions = {}): Promise<RunningServer> {
  const { state, events, file, stateHealth } = await openState(config, logger);
  const metrics = new CoachMetrics();
  const coach = await createCoach(config, logger, { state, onModelFallback: (cause) => metrics.modelFallback(cause) });
  const service = new CoachService(coach, state, events, metrics, logger);

  const inFlight = new InFlightGauge();
  // Teams is always on: with no MicrosoftAppId it serves the Bot Framework Emulator locally.
  const teams = createTeamsAdapter(config.teams, service, logger, { streaming: config.llmProvider !== "none" });
  // Bolt (~0.4 s to load) only when Slack is configured.
  const slack: SlackAdapter | null = config.slack.botToken ? (await import("../adapters/slack/app.js")).createSlackAdapter({ config: config.slack, service, logger, busy: () => inFlight.busy(), streaming: config.llmProvider !== "none", ...options.slack }) : null;

  const platforms = (): PlatformStatus[] => [
    { name: "web", enabled: true, ready: true, detail: "playground at /" },
    slack?.status() ?? { name: "slack", enabled: false, ready: false, detail: "off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)" },
    teams.status(),
  ];

  const app = createHttpApp({
    service,
    logger,
    platforms,
    inFlight,
    web: { ratePerMinute: config.webRateLimitPerMinute, trustProxy: config.trustProxy },
    ...(stateHealth ? { stateHealth } : {}),
    mount: (a) => {
      slack?.mount(a);
      teams.mount(a);
    },
  });
  const fastRoutes = new Map<string, FastRoute>();
  const slackRoute = slack?.fastRoute();
  if (slackRoute) fastRoutes.set("/slack/events", slackRoute);
  const server = await listen(app, config.port, options.host, fastRoutes);
  // After listening: Slack being unreachable is retried in the background, never fatal.
  slack?.start();
  const { port } = server.address() as AddressInfo;
  for (const p of platforms()) logger.info({ platform: p.name, enabled: p.enabled, detail: p.detail }, `platform ${p.name}: ${p.enabled ? "on" : "off"}`);
  logger.info({ port, state: state.kind, events: events.kind }, `coach listening on http://localhost:${port}`);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await slack?.stop();
      inFlight.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await service.drain();
      await state.close();
      await file.close();
    })());
  return { server, url: `http://127.0.0.1:${port}`, service, stop, settled: async () => await slack?.settled() };
}

async function openState(config: CoachConfig, logger: Logger): Promise<{ state: StateStore; events: EventLog; file: FileEventLog; stateHealth?: () => { ok: boolean; detail: string } }> {
  const file = new FileEventLog(join(config.dataDir, "feedback.jsonl"), join(config.dataDir, "answers.jsonl"), config.answerLogMaxBytes);
  if (!config.redisUrl) return { state: new MemoryStateStore(), events: file, file };
  // The Redis client (~0.25 s to load) only when REDIS_URL is set.
  const { RedisStateStore } = await import("../src/state/redis-store.js");
  const redis = await RedisStateStore.connect(config.redisUrl, logger, "coach:", config.redisTimeoutMs);
  return { state: redis, events: new RedisEventLog(redis, file, logger), file, stateHealth: () => redis.health() };
}
