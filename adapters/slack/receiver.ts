import { createHmac, timingSafeEqual } from "node:crypto";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import express, { type Request, type Response } from "express";
import type { Logger } from "../../src/logger.js";

const MAX_AGE_SECONDS = 5 * 60;
const BODY_LIMIT = "1mb";

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
      void this.handle(req, res);
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

  private verify(req: Request, raw: string): boolean {
    const timestamp = Number(req.headers["x-slack-request-timestamp"]);
    const signature = req.headers["x-slack-signature"];
    if (!Number.isFinite(timestamp) || typeof signature !== "string") return false;
    if (Math.abs(Date.now() / 1000 - timestamp) > MAX_AGE_SECONDS) return false;
    const expected = Buffer.from(`v0=${createHmac("sha256", this.options.signingSecret).update(`v0:${timestamp}:${raw}`).digest("hex")}`);
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private parse(req: Request, raw: string): Record<string, unknown> {
    const type = req.headers["content-type"] ?? "";
    if (type.includes("application/x-www-form-urlencoded")) {
      const form = Object.fromEntries(new URLSearchParams(raw));
      return typeof form.payload === "string" ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
    }
    const body = JSON.parse(raw) as unknown;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    return body as Record<string, unknown>;
  }

  private async handle(req: Request, res: Response): Promise<void> {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    if (!this.verify(req, raw)) {
      this.options.logger.warn({ platform: "slack", code: "coach_slack_bad_signature" }, "rejected a Slack request: bad signature or stale timestamp");
      res.status(401).send();
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = this.parse(req, raw);
    } catch {
      res.status(400).send();
      return;
    }
    if (body.ssl_check) {
      res.status(200).send();
      return;
    }
    if (body.type === "url_verification") {
      res.status(200).json({ challenge: body.challenge });
      return;
    }
    const app = this.app;
    if (!app || !this.options.isReady()) {
      // Acknowledging now would lose the event: Bolt cannot process it before initialisation.
      res.status(503).send();
      return;
    }
    const retryNum = Number(req.headers["x-slack-retry-num"] ?? Number.NaN);
    const event: Omit<ReceiverEvent, "ack"> = {
      body,
      ...(Number.isFinite(retryNum) ? { retryNum, retryReason: String(req.headers["x-slack-retry-reason"] ?? "") } : {}),
    };

    if (body.type === "event_callback") {
      // Slack wants its 200 within 3 seconds whatever the load: acknowledge first.
      res.status(200).send();
      this.options.defer(() => app.processEvent({ ...event, ack: async () => undefined }));
      return;
    }

    let acked = false;
    const ack = async (response?: unknown) => {
      if (acked) return;
      acked = true;
      if (response === undefined || response === "") res.status(200).send();
      else if (typeof response === "string") res.status(200).send(response);
      else res.status(200).json(response);
    };
    try {
      await app.processEvent({ ...event, ack });
    } catch (error) {
      this.options.logger.error({ platform: "slack", err: error }, "Slack request failed");
    } finally {
      if (!acked) {
        acked = true;
        res.status(200).send();
      }
    }
  }
}
