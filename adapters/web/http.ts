import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/paths.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FastRoute, PlatformStatus } from "../types.js";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "../../src/logger.js";
import type { CoachService } from "../../src/service.js";
import { sanitizeHistory } from "../../src/coach.js";
import { RateLimiter } from "../../src/guardrails/rate-limit.js";
import { FEEDBACK_COMMENT_CHARS } from "../../src/service.js";
import { parseCoachingAction } from "../../src/coaching/actions.js";

const RATE_LIMITED = "You're asking faster than I can coach. Please wait a minute, then ask again.";


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
  /** Web API limit per client address, and whose X-Forwarded-For to believe (see config). */
  web?: { ratePerMinute: number; trustProxy: false | number | string[] };
  /** Extra readiness details (Redis state); `ok: false` is reported but does not fail readiness. */
  stateHealth?: () => { ok: boolean; detail: string };
}

const asset = (name: string) => readFileSync(join(PROJECT_ROOT, "adapters", "web", "playground", name), "utf8");
const PAGE = { html: asset("index.html"), js: asset("playground.js"), css: asset("playground.css") };
const BODY_LIMIT = "64kb";
/** The largest body any route accepts (Slack events, 1 MB). */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The one HTTP app: health, readiness, metrics, the web playground and its JSON API, and
 * whatever the platform adapters mount.
 */
export function createHttpApp({ service, logger, platforms, mount, inFlight, web = { ratePerMinute: 0, trustProxy: false }, stateHealth }: HttpDeps): express.Express {
  const app = express();
  if (inFlight) {
    app.use((_req: Request, res: Response, next: NextFunction) => {
      inFlight.count++;
      res.once("close", () => inFlight.count--);
      next();
    });
  }
  app.disable("x-powered-by");
  // req.ip is the TCP peer unless TRUST_PROXY names the proxies whose X-Forwarded-For to believe:
  // the web rate limit is keyed on it, so a client must not be able to choose it.
  app.set("trust proxy", web.trustProxy);
  const webLimit = new RateLimiter(web.ratePerMinute, service.state);
  const clientAddress = (req: Request) => req.ip ?? req.socket.remoteAddress ?? "unknown";

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
    // A degraded Redis is reported, not a reason to be taken out of the load balancer: the replica
    // answers from in-process state meanwhile, and every replica shares the same Redis.
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "starting", index: { chunks: service.coach.retriever.chunks.length }, state: service.state.kind, ...(stateHealth ? { stateHealth: stateHealth() } : {}), platforms: list });
  });

  app.get("/metrics", async (_req, res) => {
    const { contentType, body } = await service.telemetry.exposition();
    res.setHeader("content-type", contentType);
    res.send(body);
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
    const { sourcesHeading, sourcesNote } = service.coach.words;
    res.json({ questions: service.coach.sampleQuestions, modes: service.coach.coachingStarters, words: { sourcesHeading, sourcesNote } });
  });

  app.post("/api/ask", json, async (req: Request, res: Response) => {
    service.telemetry.request("web");
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.question !== "string") {
      res.status(400).json({ error: 'Send JSON like {"question": "…"}.' });
      return;
    }
    if (!(await webLimit.allow(`web:${clientAddress(req)}`))) {
      res.setHeader("retry-after", "60");
      res.status(429).json({ error: RATE_LIMITED, outcome: "refused", reason: "rate_limited", text: RATE_LIMITED, citations: [], followUps: [] });
      return;
    }
    // Bounded here too (the coach bounds it again): turns, characters per turn.
    const history = Array.isArray(body.history) ? sanitizeHistory(body.history) : [];
    // A pressed coaching button sends its typed action ({action, session, step}) with its label as the question.
    const action = body.action === undefined ? null : parseCoachingAction(body.action);
    if (body.action !== undefined && !action) {
      res.status(400).json({ error: 'A coaching action looks like {"action": "skip", "session": "…", "step": 2}.' });
      return;
    }
    const conversationId = typeof body.conversationId === "string" && body.conversationId ? `web:${body.conversationId.slice(0, 100)}` : `web:${randomUUID()}`;
    const clientId = typeof body.clientId === "string" && body.clientId ? body.clientId.slice(0, 100) : (req.ip ?? "anonymous");
    const { answerId, answer } = await service.ask({ text: body.question, history, user: { id: clientId, platform: "web" }, conversationId, ...(action ? { action } : {}) });
    res.json({ answerId, ...answer });
  });

  app.post("/api/feedback", json, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.answerId !== "string" || !body.answerId || (body.rating !== "up" && body.rating !== "down")) {
      res.status(400).json({ error: 'Send JSON like {"answerId": "…", "rating": "up"|"down", "comment": "…"}.' });
      return;
    }
    if (typeof body.comment === "string" && body.comment.length > FEEDBACK_COMMENT_CHARS) {
      res.status(413).json({ error: `The comment is ${body.comment.length.toLocaleString("en-US")} characters long; at most ${FEEDBACK_COMMENT_CHARS.toLocaleString("en-US")} are kept.` });
      return;
    }
    if (!(await webLimit.allow(`web-feedback:${clientAddress(req)}`))) {
      res.setHeader("retry-after", "60");
      res.status(429).json({ error: RATE_LIMITED });
      return;
    }
    const comment = typeof body.comment === "string" ? body.comment : undefined;
    const clientId = typeof body.clientId === "string" ? body.clientId.slice(0, 100) : clientAddress(req);
    await service.feedback({ answerId: body.answerId.slice(0, 100), rating: body.rating, comment, platform: "web", userKey: `web:${clientId}` });
    res.status(202).json({ ok: true });
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "Not found." });
  });

  // One catch-all: log the details, tell the caller one short sentence.
  app.use((error: Error & { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    if (error.type === "entity.parse.failed") {
      res.status(400).json({ error: "Malformed JSON body." });
      return;
    }
    if (error.type === "entity.too.large") {
      // The limit of the parser that refused it (routes have their own), not a fixed figure.
      const limit = (error as { limit?: number }).limit;
      res.status(413).json({ error: `Request body too large (limit ${limit ? `${Math.round(limit / 1024)} KB` : BODY_LIMIT}).` });
      dropRestThenClose(req);
      return;
    }
    (res.locals.log as Logger | undefined)?.error({ err: error }, "request failed");
    if (!res.headersSent) res.status(error.status && error.status < 500 ? error.status : 500).json({ error: "Sorry, something went wrong on our side." });
  });

  return app;
}

/**
 * After a 413: read and drop the rest of the body (up to 64 MB or 5 s), then close. Closing with
 * the body still arriving would make the kernel send a reset, which discards the 413 a client that
 * writes before it reads has not read yet; keeping the connection open would hold it for nothing.
 */
function dropRestThenClose(req: IncomingMessage): void {
  // body-parser reads a refused body off before it reports the error: often nothing is left.
  if (req.complete) {
    req.socket.end();
    return;
  }
  let dropped = 0;
  const giveUp = setTimeout(() => req.destroy(), 5_000).unref();
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > 64 * 1024 * 1024) req.destroy();
  });
  req.on("end", () => {
    clearTimeout(giveUp);
    req.socket.end();
  });
  req.resume();
}

/** A POST handler that runs on node:http directly, ahead of express (hot paths only). */

/** An HTTP server with timeouts on every connection. */
export function listen(app: express.Express, port: number, host = "0.0.0.0", fastRoutes: ReadonlyMap<string, FastRoute> = new Map()): Promise<Server> {
  // Node checks header and request timeouts only every connectionsCheckingInterval (30 s by
  // default), which made the 10 s header timeout 30–36 s in practice.
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    const fast = req.method === "POST" ? fastRoutes.get((req.url ?? "").split("?")[0]!) : undefined;
    if (fast) fast(req, res);
    else app(req, res);
  });
  // "Expect: 100-continue" (curl sends it for large bodies): a body larger than any route accepts
  // is refused before the client sends it.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers["content-length"]) > MAX_BODY_BYTES) {
      res.writeHead(413, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ error: "Request body too large." }));
      return;
    }
    res.writeContinue();
    server.emit("request", req, res);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
