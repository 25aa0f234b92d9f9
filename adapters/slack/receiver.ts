import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import { logFields, SlackBadSignatureError } from "../../src/errors.js";
import express from "express";
import type { Logger } from "../../src/logger.js";

const MAX_AGE_SECONDS = 5 * 60;
const BODY_LIMIT = "1mb";
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * 413, then close the connection once the client has sent its body. Destroying the socket at
 * once, with the client still sending, makes the kernel answer with a reset, and a reset discards
 * the 413 the client had not read yet. The rest of the body is read and dropped (not kept), up to
 * 64 MB or 5 s, so a client cannot keep us reading forever.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  // No "Connection: close": node would then close the socket as soon as the 413 is written, with
  // the body still arriving (a reset). Kept alive, the rest of the body is read and dropped first.
  res.writeHead(413, { "content-type": "application/json" }).end(JSON.stringify({ error: `Request body too large (limit ${BODY_LIMIT}).` }));
  let drained = 0;
  const giveUp = setTimeout(() => req.destroy(), 5_000).unref();
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.destroy();
  });
  // Whole body read: nothing unread is left, so closing now is a clean FIN, not a reset.
  req.on("end", () => {
    clearTimeout(giveUp);
    req.socket.end();
  });
  req.resume();
}
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/** How a handler answers the HTTP request, whichever server delivered it. */
type Reply = (status: number, body?: unknown) => void;

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** Where Events API deliveries are processed once acknowledged (the adapter's work queue). */
  defer: (job: () => Promise<void>) => void;
  /** False until the bot token is verified; Slack then gets a 503 and redelivers later. */
  isReady: () => boolean;
}

/**
 * A Bolt receiver for HTTP mode, mounted on the shared express app at POST /slack/events. It does
 * what Slack requires before anything else — verify the signature and timestamp, answer
 * url_verification and ssl_check — and acknowledges Events API deliveries at once, handing them to
 * Bolt afterwards. Commands and interactivity go through Bolt straight away, because their
 * acknowledgement is the listener's `ack()` (and may carry a response body).
 */
export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  readonly router = express.Router();

  constructor(private readonly options: SlackHttpReceiverOptions) {
    this.router.post("/slack/events", express.raw({ type: () => true, limit: BODY_LIMIT }), (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
      void this.handle(req.headers, raw, (status, body) => {
        if (body === undefined) res.status(status).send();
        else if (typeof body === "string") res.status(status).send(body);
        else res.status(status).json(body);
      });
    });
  }

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * The same endpoint straight on node:http, ahead of express: Slack's acknowledgements are the
   * hottest path under load, and skip the middleware stack this way.
   */
  handleRaw(req: IncomingMessage, res: ServerResponse): void {
    // A declared length over the limit is refused before reading any of it.
    if (Number(req.headers["content-length"]) > BODY_LIMIT_BYTES) {
      tooLarge(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (res.writableEnded) return;
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        chunks.length = 0;
        tooLarge(req, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (res.writableEnded) return;
      void this.handle(req.headers, Buffer.concat(chunks).toString("utf8"), (status, body) => {
        if (body === undefined) res.writeHead(status).end();
        else if (typeof body === "string") res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
        else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      });
    });
  }

  /** True for a POST whose declared body is over the limit: answered 413 before "100 Continue". */
  static refuseBeforeContinue(req: IncomingMessage, res: ServerResponse): boolean {
    if (!(Number(req.headers["content-length"]) > BODY_LIMIT_BYTES)) return false;
    tooLarge(req, res);
    return true;
  }

  private verify(headers: IncomingHttpHeaders, raw: string): boolean {
    const timestamp = Number(headers["x-slack-request-timestamp"]);
    const signature = headers["x-slack-signature"];
    if (!Number.isFinite(timestamp) || typeof signature !== "string") return false;
    if (Math.abs(Date.now() / 1000 - timestamp) > MAX_AGE_SECONDS) return false;
    const expected = Buffer.from(`v0=${createHmac("sha256", this.options.signingSecret).update(`v0:${timestamp}:${raw}`).digest("hex")}`);
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private parse(headers: IncomingHttpHeaders, raw: string): ReceiverEvent["body"] {
    const type = headers["content-type"] ?? "";
    if (type.includes("application/x-www-form-urlencoded")) {
      const form = Object.fromEntries(new URLSearchParams(raw));
      return typeof form.payload === "string" ? (JSON.parse(form.payload) as ReceiverEvent["body"]) : form;
    }
    const body = JSON.parse(raw) as unknown;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    return body as ReceiverEvent["body"];
  }

  private async handle(headers: IncomingHttpHeaders, raw: string, reply: Reply): Promise<void> {
    if (!this.verify(headers, raw)) {
      this.options.logger.warn({ platform: "slack", ...logFields(new SlackBadSignatureError("bad signature or stale timestamp")) }, "rejected a Slack request: bad signature or stale timestamp");
      reply(401);
      return;
    }
    let body: ReceiverEvent["body"];
    try {
      body = this.parse(headers, raw);
    } catch {
      reply(400);
      return;
    }
    if (body.ssl_check) {
      reply(200);
      return;
    }
    if (body.type === "url_verification") {
      reply(200, { challenge: body.challenge });
      return;
    }
    const app = this.app;
    if (!app || !this.options.isReady()) {
      // Acknowledging now would lose the event: Bolt cannot process it before initialisation.
      reply(503);
      return;
    }
    const retryNum = Number(headers["x-slack-retry-num"] ?? Number.NaN);
    const event: Omit<ReceiverEvent, "ack"> = {
      body,
      ...(Number.isFinite(retryNum) ? { retryNum, retryReason: String(headers["x-slack-retry-reason"] ?? "") } : {}),
    };

    if (body.type === "event_callback") {
      // Slack wants its 200 within 3 seconds whatever the load: acknowledge first.
      reply(200);
      this.options.defer(() => app.processEvent({ ...event, ack: async () => undefined }));
      return;
    }

    let acked = false;
    const ack = async (response?: unknown) => {
      if (acked) return;
      acked = true;
      reply(200, response === "" ? undefined : response);
    };
    try {
      await app.processEvent({ ...event, ack });
    } catch (error) {
      this.options.logger.error({ platform: "slack", err: error }, "Slack request failed");
    } finally {
      if (!acked) {
        acked = true;
        reply(200);
      }
    }
  }
}
