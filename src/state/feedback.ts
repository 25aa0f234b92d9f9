import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RedisClient } from "./redis-store.js";
import type { Logger } from "../logger.js";
import { redactPersonalData } from "../guardrails/privacy.js";

export interface FeedbackRecord {
  answerId: string;
  rating: "up" | "down";
  comment?: string;
  platform: string;
  userKey: string;
  at: string;
}

/** One line per answer given, for `npm run report` (question text redacted of personal data). */
export interface AnswerRecord {
  answerId: string;
  question: string;
  outcome: string;
  reason: string | null;
  sections: string[];
  platform: string;
  latencyMs: number;
  at: string;
  /** Coaching steps: the mode, the stage and, for a practice answer, its grade. */
  coaching?: { mode: string; stage: string; grade?: string };
}

export interface EventLog {
  readonly kind: "file" | "redis";
  /** Resolves only once the record is durable (fsync'd or acknowledged by Redis). */
  recordFeedback(record: FeedbackRecord): Promise<void>;
  recordAnswer(record: AnswerRecord): Promise<void>;
}

/**
 * Append-only JSONL files under DATA_DIR. Each write is flushed to disk (fdatasync) before the
 * promise resolves, so feedback acknowledged to a user survives a crash or `kill -9`.
 */
export class FileEventLog implements EventLog {
  readonly kind = "file" as const;
  private queue: Promise<void> = Promise.resolve();
  private answers: WriteStream | undefined;

  constructor(
    readonly feedbackPath: string,
    readonly answersPath: string,
  ) {
    mkdirSync(dirname(feedbackPath), { recursive: true });
    mkdirSync(dirname(answersPath), { recursive: true });
  }

  recordFeedback(record: FeedbackRecord): Promise<void> {
    return this.append(this.feedbackPath, { ...record, comment: record.comment === undefined ? undefined : redactPersonalData(record.comment) });
  }

  /**
   * The answer log is for reports, not a promise to a user: it is appended through a buffered
   * stream (no fsync per line), so logging never slows answering down.
   */
  recordAnswer(record: AnswerRecord): Promise<void> {
    this.answers ??= createWriteStream(this.answersPath, { flags: "a" });
    const line = `${JSON.stringify({ ...record, question: redactPersonalData(record.question) })}\n`;
    return new Promise((resolve, reject) => this.answers!.write(line, (error) => (error ? reject(error) : resolve())));
  }

  /** Flush and close the answer stream (shutdown). */
  close(): Promise<void> {
    const stream = this.answers;
    this.answers = undefined;
    return stream ? new Promise((resolve) => stream.end(() => resolve())) : Promise.resolve();
  }

  /** Writes are serialised so lines never interleave. */
  private append(path: string, value: object): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    const write = this.queue.then(async () => {
      const handle = await open(path, "a");
      try {
        await handle.write(line);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    });
    this.queue = write.catch(() => undefined);
    return write;
  }
}

/** Redis streams shared by all replicas; falls back to the file log when Redis is down. */
export class RedisEventLog implements EventLog {
  readonly kind = "redis" as const;

  constructor(
    private readonly client: RedisClient,
    private readonly fallback: FileEventLog,
    private readonly logger: Logger,
    private readonly prefix = "coach:",
  ) {}

  recordFeedback(record: FeedbackRecord): Promise<void> {
    return this.add("feedback", { ...record, comment: record.comment === undefined ? undefined : redactPersonalData(record.comment) }, () => this.fallback.recordFeedback(record));
  }

  recordAnswer(record: AnswerRecord): Promise<void> {
    return this.add("answers", { ...record, question: redactPersonalData(record.question) }, () => this.fallback.recordAnswer(record));
  }

  private async add(stream: string, value: object, fallback: () => Promise<void>): Promise<void> {
    if (this.client.isReady) {
      try {
        await this.client.xAdd(`${this.prefix}${stream}`, "*", { json: JSON.stringify(value) });
        return;
      } catch (error) {
        this.logger.warn({ code: "coach_event_log_fallback", cause: (error as Error).message }, "Redis stream write failed: writing to the local file instead");
      }
    }
    await fallback();
  }
}

export async function readJsonl<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A torn last line after a crash is skipped, not fatal.
    }
  }
  return out;
}
