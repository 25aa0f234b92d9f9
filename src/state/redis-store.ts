import { createClient } from "redis";
import type { HistoryMessage } from "../types.js";
import type { Logger } from "../logger.js";
import { logFields, NOTICES, StateDegradedError, StateRecordUnreadableError } from "../errors.js";
import { MemoryStateStore, slidingCount, type StateStore } from "./store.js";

function newClient(url: string) {
  return createClient({
    url,
    // Fail commands at once while disconnected (we fall back) instead of queueing them.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(200 * 2 ** retries, 5_000) },
  });
}

export type RedisClient = ReturnType<typeof newClient>;

/** A Redis command that did not answer within the configured time. */
export class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = "RedisTimeoutError";
  }
}

/**
 * Redis-backed state shared by every replica. When Redis is unreachable, or stops answering (a
 * frozen or overloaded server keeps its socket open, so only a timeout tells), the store degrades
 * to in-process state, logs the switch once (and the recovery once), and never fails or holds up
 * a request because of it. While degraded, commands are not sent at all; a PING every second
 * tells when Redis answers again.
 */
export class RedisStateStore implements StateStore {
  readonly kind = "redis" as const;
  private readonly fallback = new MemoryStateStore();
  private degraded = false;
  /** Tripped by a timeout: the socket looks fine, so only a probe that answers closes it. */
  private frozen = false;
  private cause = "";
  private since = 0;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly client: RedisClient,
    private readonly logger: Logger,
    private readonly prefix: string,
    readonly timeoutMs: number,
  ) {}

  static async connect(url: string, logger: Logger, prefix = "coach:", timeoutMs = 500): Promise<RedisStateStore> {
    const client = newClient(url);
    const store = new RedisStateStore(client, logger, prefix, timeoutMs);
    client.on("error", (error: Error) => store.markDown(error));
    client.on("ready", () => store.markUp());
    try {
      await client.connect();
    } catch (error) {
      store.markDown(error as Error);
    }
    await store.checkPersistence();
    return store;
  }

  get usingFallback(): boolean {
    return this.degraded;
  }

  /** AOF on or off, as Redis reports it at start; null when it cannot say (CONFIG disabled, down). */
  appendOnly: boolean | null = null;

  /**
   * Feedback never depends on it (the local file is written first), but without AOF a Redis crash
   * loses the shared streams' entries since the last snapshot: say so once at start.
   */
  private async checkPersistence(): Promise<void> {
    // Not through withFallback: managed Redis often disables CONFIG, which says nothing about health.
    if (!this.client.isReady) return;
    try {
      const reply = (await this.timed(() => this.client.configGet("appendonly"))) as Record<string, string>;
      this.appendOnly = reply.appendonly === undefined ? null : reply.appendonly === "yes";
    } catch {
      this.appendOnly = null;
    }
    if (this.appendOnly === false) this.logger.info({ code: NOTICES.redisNoAof }, "Redis runs without AOF: a Redis crash loses recent entries of the shared streams (feedback stays in DATA_DIR/feedback.jsonl); see README, Redis persistence");
  }

  /** For /readyz: whether Redis is in use, and if not, since when and why. */
  health(): { ok: boolean; detail: string; appendOnly: boolean | null } {
    return this.degraded
      ? { ok: false, detail: `Redis unavailable since ${new Date(this.since).toISOString()} (${this.cause}): using in-process state until it answers again`, appendOnly: this.appendOnly }
      : { ok: true, detail: "Redis connected", appendOnly: this.appendOnly };
  }

  private markDown(error: Error): void {
    if (error instanceof RedisTimeoutError && !this.frozen) {
      this.frozen = true;
      this.startProbe();
    }
    if (this.degraded) return;
    this.degraded = true;
    this.cause = error.message;
    this.since = Date.now();
    this.logger.warn(logFields(new StateDegradedError("Redis unavailable", { cause: error })), "Redis unavailable: using in-process state until it is back");
  }

  private markUp(): void {
    if (this.frozen) return; // connected, but it has not answered yet: the probe decides
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.info({ code: NOTICES.stateRecovered }, "Redis is back: shared state restored");
  }

  private startProbe(): void {
    if (this.probe || this.closed) return;
    this.probe = setInterval(() => {
      if (!this.client.isReady) return;
      this.timed(() => this.client.ping()).then(
        () => {
          clearInterval(this.probe);
          this.probe = undefined;
          this.frozen = false;
          this.markUp();
        },
        () => undefined,
      );
    }, 1_000);
    this.probe.unref();
  }

  /** `op`, or a RedisTimeoutError once `timeoutMs` has passed (the command itself is left to finish). */
  private timed<T>(op: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RedisTimeoutError(this.timeoutMs)), this.timeoutMs);
      op().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Run `op` on Redis within the timeout, or `fallback` when Redis is down, frozen or fails. */
  async withFallback<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!this.client.isReady || this.frozen) {
      this.markDown(new Error(this.frozen ? "not answering" : "not connected"));
      return fallback();
    }
    try {
      return await this.timed(op);
    } catch (error) {
      this.markDown(error as Error);
      return fallback();
    }
  }

  claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.withFallback(
      async () => (await this.client.set(`${this.prefix}claim:${key}`, "1", { condition: "NX", expiration: { type: "PX", value: ttlMs } })) === "OK",
      () => this.fallback.claimOnce(key, ttlMs),
    );
  }

  hit(key: string, windowMs: number): Promise<number> {
    return this.withFallback(
      async () => {
        const now = Date.now();
        const windowStart = now - (now % windowMs);
        const bucket = `${this.prefix}rate:${key}:${windowStart}`;
        const previousBucket = `${this.prefix}rate:${key}:${windowStart - windowMs}`;
        const [count, , previous] = await this.client.multi().incr(bucket).pExpire(bucket, 2 * windowMs).get(previousBucket).exec();
        return slidingCount(Number(count), Number(previous ?? 0), now - windowStart, windowMs);
      },
      () => this.fallback.hit(key, windowMs),
    );
  }

  getHistory(conversationId: string): Promise<HistoryMessage[]> {
    return this.withFallback(
      async () => (await this.client.lRange(`${this.prefix}history:${conversationId}`, 0, -1)).map((raw) => JSON.parse(raw) as HistoryMessage),
      () => this.fallback.getHistory(conversationId),
    );
  }

  appendHistory(conversationId: string, messages: HistoryMessage[], keep: number, ttlMs: number): Promise<void> {
    const key = `${this.prefix}history:${conversationId}`;
    return this.withFallback(
      async () => {
        await this.client
          .multi()
          .rPush(key, messages.map((m) => JSON.stringify(m)))
          .lTrim(key, -keep, -1)
          .pExpire(key, ttlMs)
          .exec();
      },
      () => this.fallback.appendHistory(conversationId, messages, keep, ttlMs),
    );
  }

  getRecord<T>(key: string): Promise<T | null> {
    return this.withFallback(
      async () => {
        const raw = await this.client.get(`${this.prefix}record:${key}`);
        if (raw === null) return null;
        try {
          return JSON.parse(raw) as T;
        } catch (error) {
          this.logger.warn({ ...logFields(new StateRecordUnreadableError("a stored record is not valid JSON", { cause: error })), key }, "a stored record is not valid JSON: treating it as absent");
          return null;
        }
      },
      () => this.fallback.getRecord<T>(key),
    );
  }

  setRecord(key: string, value: unknown, ttlMs: number): Promise<void> {
    return this.withFallback(
      async () => {
        await this.client.set(`${this.prefix}record:${key}`, JSON.stringify(value), { expiration: { type: "PX", value: ttlMs } });
      },
      () => this.fallback.setRecord(key, value, ttlMs),
    );
  }

  deleteRecord(key: string): Promise<void> {
    return this.withFallback(
      async () => {
        await this.client.del(`${this.prefix}record:${key}`);
      },
      () => this.fallback.deleteRecord(key),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    // A client that is reconnecting to a dead server, or a frozen one, would wait forever for QUIT.
    if (!this.client.isReady || this.frozen) {
      if (this.client.isOpen) this.client.destroy();
      return;
    }
    try {
      await this.timed(() => this.client.close());
    } catch {
      this.client.destroy();
    }
  }
}
