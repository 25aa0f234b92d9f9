import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "../logger.js";
import type { CoachService } from "../service.js";
import type { HistoryMessage } from "../types.js";

export interface PlatformStatus {
  name: "slack" | "teams" | "web";
  enabled: boolean;
  ready: boolean;
  /** Why the platform is off or not ready, in words an operator can act on. */
  detail: string;
}

/**
 * How loaded the server is, for background work (composing answers) to yield to new requests.
 * Requests still queued in the kernel are invisible to a request counter, so the signal is the
 * event loop's utilisation over the last few tens of milliseconds, plus requests being handled.
 */
export class InFlightGauge {
  count = 0;
  private utilization = 0;
  private last = performance.eventLoopUtilization();
  private readonly timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    this.utilization = performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
  }, 25).unref();

  busy(): boolean {
    return this.count > 1 || this.utilization > 0.9;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface HttpDeps {
  inFlight?: InFlightGauge;
  service: CoachService;
  logger: Logger;
  platforms: () => PlatformStatus[];
  /** Lets adapters add their routes (Slack events, Teams messages) before the fallbacks. */
  mount?: (app: express.Express) => void;
}

const asset = (name: string) => readFileSync(new URL(`./playground/${name}`, import.meta.url), "utf8");
const PAGE = { html: asset("index.html"), js: asset("playground.js"), css: asset("playground.css") };
const BODY_LIMIT = "64kb";

/**
 * The one HTTP app: health, readiness, metrics, the web playground and its JSON API, and
 * whatever the platform adapters mount.
 */
export function createHttpApp({ service, logger, platforms, mount, inFlight }: HttpDeps): express.Express {
  const app = express();
  if (inFlight) {
    app.use((_req: Request, res: Response, next: NextFunction) => {
      inFlight.count++;
      res.once("close", () => inFlight.count--);
      next();
    });
  }
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");

  // Request ids on every response and log line.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const id = (req.headers["x-request-id"] as string | undefined)?.slice(0, 100) || randomUUID();
    res.setHeader("x-request-id", id);
    res.locals.log = logger.child({ requestId: id });
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", (_req, res) => {
    const list = platforms();
    const ready = list.every((p) => !p.enabled || p.ready);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "starting", index: { chunks: service.coach.retriever.chunks.length }, state: service.state.kind, platforms: list });
  });

  app.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", service.metrics.registry.contentType);
    res.send(await service.metrics.registry.metrics());
  });

  mount?.(app);

  const page = (type: string, body: string) => (_req: Request, res: Response) => {
    res.setHeader("content-type", type);
    res.setHeader("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
    res.setHeader("x-content-type-options", "nosniff");
    res.send(body);
  };
  app.get("/", page("text/html; charset=utf-8", PAGE.html));
  app.get("/playground.js", page("text/javascript; charset=utf-8", PAGE.js));
  app.get("/playground.css", page("text/css; charset=utf-8", PAGE.css));

  const json = express.json({ limit: BODY_LIMIT, strict: true });

  app.get("/api/samples", (_req, res) => {
    res.json({ questions: service.coach.sampleQuestions, modes: service.coach.coachingStarters });
  });

  app.post("/api/ask", json, async (req: Request, res: Response) => {
    service.metrics.requests.inc({ surface: "web" });
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.question !== "string") {
      res.status(400).json({ error: 'Send JSON like {"question": "…"}.' });
      return;
    }
    const history = Array.isArray(body.history) ? (body.history as HistoryMessage[]) : [];
    const conversationId = typeof body.conversationId === "string" && body.conversationId ? `web:${body.conversationId.slice(0, 100)}` : `web:${randomUUID()}`;
    const clientId = typeof body.clientId === "string" && body.clientId ? body.clientId.slice(0, 100) : (req.ip ?? "anonymous");
    const { answerId, answer } = await service.ask({ text: body.question, history, user: { id: clientId, platform: "web" }, conversationId, viaButton: body.viaButton === true });
    res.json({ answerId, ...answer });
  });

  app.post("/api/feedback", json, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.answerId !== "string" || !body.answerId || (body.rating !== "up" && body.rating !== "down")) {
      res.status(400).json({ error: 'Send JSON like {"answerId": "…", "rating": "up"|"down", "comment": "…"}.' });
      return;
    }
    const comment = typeof body.comment === "string" ? body.comment.slice(0, 2_000) : undefined;
    const clientId = typeof body.clientId === "string" ? body.clientId.slice(0, 100) : (req.ip ?? "anonymous");
    await service.feedback({ answerId: body.answerId.slice(0, 100), rating: body.rating, comment, platform: "web", userKey: `web:${clientId}` });
    res.status(202).json({ ok: true });
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "Not found." });
  });

  // One catch-all: log the details, tell the caller one short sentence.
  app.use((error: Error & { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (error.type === "entity.parse.failed") {
      res.status(400).json({ error: "Malformed JSON body." });
      return;
    }
    if (error.type === "entity.too.large") {
      res.status(413).json({ error: `Request body too large (limit ${BODY_LIMIT}).` });
      return;
    }
    (res.locals.log as Logger | undefined)?.error({ err: error }, "request failed");
    if (!res.headersSent) res.status(error.status && error.status < 500 ? error.status : 500).json({ error: "Sorry, something went wrong on our side." });
  });

  return app;
}

/** A POST handler that runs on node:http directly, ahead of express (hot paths only). */
export type FastRoute = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server with timeouts on every connection. */
export function listen(app: express.Express, port: number, host = "0.0.0.0", fastRoutes: ReadonlyMap<string, FastRoute> = new Map()): Promise<Server> {
  const server = createServer((req, res) => {
    const fast = req.method === "POST" ? fastRoutes.get((req.url ?? "").split("?")[0]!) : undefined;
    if (fast) fast(req, res);
    else app(req, res);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
