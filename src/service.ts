import { randomUUID } from "node:crypto";
import type { Answer, HistoryMessage, Platform, Turn } from "./types.js";
import { redactAndTruncate } from "./guardrails/privacy.js";
import { neutralizeControlSequences } from "./guardrails/output.js";
import type { AskOptions, Coach } from "./coach.js";
import type { StateStore } from "./state/store.js";
import type { EventLog, FeedbackRecord } from "./state/feedback.js";
import type { Logger } from "./logger.js";
import { AnswerLogFailedError, logFields } from "./errors.js";

export interface AskResult {
  /** Identifies this answer for feedback. */
  answerId: string;
  answer: Answer;
}

const HISTORY_KEEP = 12;
/** Feedback comments are kept up to this many characters, after redaction. */
export const FEEDBACK_COMMENT_CHARS = 2_000;
const TRUSTED_HISTORY: ReadonlySet<Platform> = new Set(["cli", "eval"]);
const HISTORY_TTL_MS = 24 * 3_600_000;

/**
 * What the service reports as it works. The composition root (server/) implements it with
 * Prometheus counters; the core only knows this interface, so it never imports the server.
 */
export interface CoachTelemetry {
  /** A request reached a surface (Slack event, Teams activity, web ask). */
  request(surface: Platform): void;
  /** Starts timing an answer; call the result when it is composed. */
  answerTimer(surface: Platform): () => void;
  answered(answer: Answer, surface: Platform): void;
  feedbackRecorded(rating: string, surface: string): void;
  duplicate(surface: Platform): void;
  /** The metrics as GET /metrics serves them. */
  exposition(): Promise<{ contentType: string; body: string }>;
}

/**
 * What adapters call: `coach.ask` plus the per-request bookkeeping every surface needs —
 * conversation memory from the shared store, metrics, the answer log and feedback. Adapters stay
 * thin: translate, acknowledge, `ask`, render, send.
 */
export class CoachService {
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    readonly coach: Coach,
    readonly state: StateStore,
    readonly events: EventLog,
    readonly telemetry: CoachTelemetry,
    private readonly logger: Logger,
  ) {}

  /**
   * Answer a turn. When the platform gave no history (web, Teams), the conversation's history
   * comes from the shared store, so a follow-up works on whichever replica receives it.
   */
  async ask(turn: Turn, options: AskOptions = {}): Promise<AskResult> {
    this.inFlight++;
    const end = this.telemetry.answerTimer(turn.user.platform);
    try {
      const history = await this.historyFor(turn);
      const answer = await this.coach.ask({ ...turn, history }, options);
      const answerId = randomUUID();
      this.telemetry.answered(answer, turn.user.platform);
      // Coaching steps (practice answers, checklist ticks) are not questions a follow-up could refer to.
      if (answer.outcome === "answered" && !answer.coaching) {
        await this.state.appendHistory(
          turn.conversationId,
          [
            { role: "user", content: redactAndTruncate(turn.text, 2_000) },
            { role: "assistant", content: answer.text.slice(0, 1_000) },
          ],
          HISTORY_KEEP,
          HISTORY_TTL_MS,
        );
      }
      // Not awaited: the answer log must never hold an answer back.
      void this.events
        .recordAnswer({
          answerId,
          // Redacted before it is cut: a cut first could leave half an email behind.
          question: redactAndTruncate(turn.text, 2_000),
          outcome: answer.outcome,
          reason: answer.reason,
          sections: answer.citations.map((c) => c.section),
          platform: turn.user.platform,
          latencyMs: answer.latencyMs,
          at: new Date().toISOString(),
          ...(answer.coaching ? { coaching: { mode: answer.coaching.mode, stage: answer.coaching.stage, ...(answer.coaching.score ? { grade: answer.coaching.score.grade } : {}) } } : {}),
        })
        .catch((error: unknown) => this.logger.error(logFields(new AnswerLogFailedError("could not log an answer", { cause: error })), "could not log an answer"));
      return { answerId, answer };
    } finally {
      end();
      this.done();
    }
  }

  /** Durable before it resolves: callers acknowledge the user only after this. */
  async feedback(record: Omit<FeedbackRecord, "at">): Promise<void> {
    const comment = record.comment === undefined ? undefined : redactAndTruncate(record.comment, FEEDBACK_COMMENT_CHARS);
    await this.events.recordFeedback({ id: randomUUID(), ...record, ...(comment === undefined ? {} : { comment }), at: new Date().toISOString() });
    this.telemetry.feedbackRecorded(record.rating, record.platform);
  }

  /**
   * Whose word a conversation's history is. The server's own record (web and Teams conversation
   * memory, Slack threads) wins over anything a client sends; a web client's history is used only
   * when the server has none, and then only its user turns: an "assistant" turn a client wrote
   * must never reach the model as if the coach had said it. The CLI and evals run locally and
   * pass history as given.
   */
  private async historyFor(turn: Turn): Promise<HistoryMessage[]> {
    if (TRUSTED_HISTORY.has(turn.user.platform) && turn.history.length > 0) return turn.history;
    const own = await this.state.getHistory(turn.conversationId);
    if (own.length > 0) return own;
    return Array.isArray(turn.history) ? turn.history.filter((m) => m?.role === "user") : [];
  }

  /**
   * A user's words as a surface may show them to other people (a shared question, a thread
   * title): personal data redacted, mass mentions and markup neutralised, at most `maxChars`.
   * Redacted before it is cut to size, so an address straddling the cut is never kept in half.
   */
  quoteForOthers(text: string, maxChars: number): string {
    return neutralizeControlSequences(redactAndTruncate(text, maxChars)).slice(0, maxChars);
  }

  /** True the first time an event id is seen by any replica (within a day). */
  async firstDelivery(surface: Platform, eventId: string): Promise<boolean> {
    const first = await this.state.claimOnce(`event:${surface}:${eventId}`, 24 * 3_600_000);
    if (!first) this.telemetry.duplicate(surface);
    return first;
  }

  /** Resolves once no answer is being composed (for graceful shutdown). */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private done(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
