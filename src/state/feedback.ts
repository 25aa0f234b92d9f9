import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RedisStateStore } from "./redis-store.js";
import type { Logger } from "../logger.js";
import { redactPersonalData } from "../guardrails/privacy.js";
import { EventLogLocalOnlyError, logFields } from "../errors.js";

export interface FeedbackRecord {
  /** Unique per record: the local file and the Redis stream both hold it, reports count it once. */
  id?: string;
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
 * Append-only JSONL files under DATA_DIR. Each feedback write is flushed to disk (fdatasync)
 * before the promise resolves, so feedback acknowledged to a user survives a crash or `kill -9`.
 * The answer log is rotated to `answers.1.jsonl` beyond `answersMaxBytes`, so at most about twice
 * that is kept on disk.
 */
export class FileEventLog implements EventLog {
  readonly kind = "file" as const;
  private queue: Promise<void> = Promise.resolve();
  private answers: WriteStream | undefined;
  private answersBytes = 0;

  constructor(
    readonly feedbackPath: string,
    readonly answersPath: string,
    readonly answersMaxBytes = Number.POSITIVE_INFINITY,
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
    const line = `${JSON.stringify({ ...record, question: redactPersonalData(record.question) })}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.answers && this.answersBytes + bytes > this.answersMaxBytes) this.rotateAnswers();
    if (!this.answers) {
      this.answersBytes = fileSize(this.answersPath);
      if (this.answersBytes + bytes > this.answersMaxBytes && this.answersBytes > 0) {
        renameSync(this.answersPath, rotatedPath(this.answersPath));
        this.answersBytes = 0;
      }
      this.answers = createWriteStream(this.answersPath, { flags: "a" });
    }
    this.answersBytes += bytes;
    const stream = this.answers;
    return new Promise((resolve, reject) => stream.write(line, (error) => (error ? reject(error) : resolve())));
  }

  /** The open stream keeps writing its buffered lines into the renamed file; new lines start a new one. */
  private rotateAnswers(): void {
    const old = this.answers!;
    this.answers = undefined;
    renameSync(this.answersPath, rotatedPath(this.answersPath));
    this.answersBytes = 0;
    old.end();
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

/**
 * Redis streams shared by all replicas. Feedback is a promise to a user, and Redis with its
 * default persistence (RDB snapshots every few minutes, no AOF) loses what it acknowledged since
 * the last snapshot when it crashes: so feedback is written to the local file first (fsync'd,
 * which is what the user's acknowledgement waits for), then added to the stream as the shared
 * copy. Answers go to the stream, or to the file when Redis is down, frozen or failing.
 */
export class RedisEventLog implements EventLog {
  readonly kind = "redis" as const;

  constructor(
    private readonly store: RedisStateStore,
    private readonly file: FileEventLog,
    private readonly logger: Logger,
    private readonly prefix = "coach:",
  ) {}

  async recordFeedback(record: FeedbackRecord): Promise<void> {
    const withId = { id: record.id ?? randomUUID(), ...record };
    await this.file.recordFeedback(withId);
    const value = { ...withId, comment: withId.comment === undefined ? undefined : redactPersonalData(withId.comment) };
    await this.add("feedback", value, async () => {
      this.logger.warn(logFields(new EventLogLocalOnlyError("the feedback stream is unavailable")), "feedback kept in the local file only: Redis is unavailable");
    });
  }

  recordAnswer(record: AnswerRecord): Promise<void> {
    return this.add("answers", { ...record, question: redactPersonalData(record.question) }, () => this.file.recordAnswer(record));
  }

  private add(stream: string, value: object, fallback: () => Promise<void>): Promise<void> {
    return this.store.withFallback(async () => {
      await this.store.client.xAdd(`${this.prefix}${stream}`, "*", { json: JSON.stringify(value) });
    }, fallback);
  }
}

function rotatedPath(path: string): string {
  return path.replace(/(\.jsonl)?$/u, ".1$1");
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A JSONL file's records, and where lines could not be read (file and 1-based line number). */
export interface JsonlContents<T> {
  records: T[];
  badLines: { path: string; line: number }[];
}

/** The answer log and its rotated predecessor, oldest first (for reports). */
export async function readAnswerLog<T>(path: string): Promise<JsonlContents<T>> {
  const [older, newer] = [await readJsonl<T>(rotatedPath(path)), await readJsonl<T>(path)];
  return { records: [...older.records, ...newer.records], badLines: [...older.badLines, ...newer.badLines] };
}

/**
 * Every record of a JSONL file (none if the file does not exist). A line that is not JSON — a
 * torn last line after a crash, a hand edit — is skipped and reported, so a report can say that
 * it counted less than the file holds.
 */
export async function readJsonl<T>(path: string): Promise<JsonlContents<T>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { records: [], badLines: [] };
  }
  const contents: JsonlContents<T> = { records: [], badLines: [] };
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      contents.records.push(JSON.parse(line) as T);
    } catch {
      contents.badLines.push({ path, line: i + 1 });
    }
  });
  return contents;
}
