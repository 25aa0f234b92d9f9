/**
 * Every error the coach reports, one class per stable code: the ones it throws (config, knowledge,
 * index, model calls) and the ones it only logs (a failed write, a refused request, a degraded
 * store). Log lines carry `logFields(error)`: the code an operator greps for and the cause's
 * message. Users never see these: surfaces show the coach's apology (knowledge/coach.json).
 * Expected outcomes are values, not errors: a rail's verdict, a rejected model draft
 * (`DraftRejection`), a no-answer.
 */

export type CoachErrorCode =
  | "coach_config_invalid"
  | "coach_knowledge_missing"
  | "coach_knowledge_invalid"
  | "coach_index_corrupt"
  | "coach_index_build_failed"
  | "coach_model_failed"
  | "coach_embeddings_unavailable"
  | "coach_answer_log_failed"
  | "coach_event_log_local_only"
  | "coach_state_degraded"
  | "coach_state_record_unreadable"
  | "coach_slack_backlog_full"
  | "coach_slack_bad_signature"
  | "coach_slack_stream_failed"
  | "coach_teams_service_url_refused"
  | "coach_teams_unauthorized"
  | "coach_teams_stream_failed"
  | "coach_unknown";

/** Codes of log lines that report a state, not a failure (so no error class). */
export const NOTICES = {
  /** Redis runs without AOF: recent stream entries are lost if Redis crashes. */
  redisNoAof: "coach_redis_no_aof",
  /** Redis is back after coach_state_degraded. */
  stateRecovered: "coach_state_recovered",
} as const;

export abstract class CoachError extends Error {
  abstract readonly code: CoachErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigInvalidError extends CoachError {
  readonly code = "coach_config_invalid" as const;
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export class KnowledgeMissingError extends CoachError {
  readonly code = "coach_knowledge_missing" as const;
}

export class KnowledgeInvalidError extends CoachError {
  readonly code = "coach_knowledge_invalid" as const;
}

export class IndexCorruptError extends CoachError {
  readonly code = "coach_index_corrupt" as const;
}

export class IndexBuildFailedError extends CoachError {
  readonly code = "coach_index_build_failed" as const;
}

/** Why a model call failed, as a stable label for logs and metrics. */
export type ModelFailure = "timeout" | "rate_limited" | "server_error" | "network" | "unauthorized" | "circuit_open" | "bad_response" | "client_error";

/** A chat-model call that failed (classified by src/llm/openai-chat.ts from the openai client's typed errors). */
export class ModelCallError extends CoachError {
  readonly code = "coach_model_failed" as const;
  constructor(
    readonly failure: ModelFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.failure === "rate_limited" || this.failure === "server_error" || this.failure === "network";
  }
}

/** Why a model draft was not used (the user then gets the extractive answer): a value, not an error. */
export interface DraftRejection {
  cause: "not_in_guide" | "ungrounded" | "no_citations" | "empty";
  detail: string;
}

/** The embedding model is unreachable: retrieval is lexical until it is back. */
export class EmbeddingsUnavailableError extends CoachError {
  readonly code = "coach_embeddings_unavailable" as const;
}

/** An answer could not be appended to the answer log (the answer itself was sent). */
export class AnswerLogFailedError extends CoachError {
  readonly code = "coach_answer_log_failed" as const;
}

/** Feedback was written to the local file only: the shared stream (Redis) was unavailable. */
export class EventLogLocalOnlyError extends CoachError {
  readonly code = "coach_event_log_local_only" as const;
}

/** Redis is unavailable: the coach runs on in-process state until it is back. */
export class StateDegradedError extends CoachError {
  readonly code = "coach_state_degraded" as const;
}

/** A stored record is not valid JSON and is treated as absent. */
export class StateRecordUnreadableError extends CoachError {
  readonly code = "coach_state_record_unreadable" as const;
}

/** Slack events arrive faster than they are answered: one was dropped. */
export class SlackBacklogFullError extends CoachError {
  readonly code = "coach_slack_backlog_full" as const;
}

/** A request to /slack/events had a bad signature or a stale timestamp. */
export class SlackBadSignatureError extends CoachError {
  readonly code = "coach_slack_bad_signature" as const;
}

/** A streamed draft could not be shown or updated in Slack (the answer of record still follows). */
export class SlackStreamFailedError extends CoachError {
  readonly code = "coach_slack_stream_failed" as const;
}

/** Without MicrosoftAppId, an activity named a service URL that is not on loopback. */
export class TeamsServiceUrlRefusedError extends CoachError {
  readonly code = "coach_teams_service_url_refused" as const;
}

/** Bot Framework authentication failed for an activity. */
export class TeamsUnauthorizedError extends CoachError {
  readonly code = "coach_teams_unauthorized" as const;
}

/** A Teams streaming update could not be sent (the final message still carries the answer). */
export class TeamsStreamFailedError extends CoachError {
  readonly code = "coach_teams_stream_failed" as const;
}

export class UnknownCoachError extends CoachError {
  readonly code = "coach_unknown" as const;
}

/** Wrap anything thrown into a CoachError, keeping the original as `cause`. */
export function asCoachError(error: unknown): CoachError {
  if (error instanceof CoachError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnknownCoachError(message, { cause: error });
}

/**
 * What a log line says about an error: its code and, bounded, the cause's message (never the
 * stack or the cause object, which may carry a request's body).
 */
export function logFields(error: CoachError): { code: CoachErrorCode; cause?: string } {
  const cause = error.cause instanceof Error ? error.cause.message : error.cause === undefined ? undefined : String(error.cause);
  return { code: error.code, ...(cause ? { cause: cause.slice(0, 300) } : {}) };
}
