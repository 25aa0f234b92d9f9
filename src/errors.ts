/**
 * Every error the coach raises on purpose, one class per stable code. Adapters log `code` and
 * show the coach's apology (knowledge/coach.json); anything else is wrapped by `asCoachError` so
 * callers handle one type.
 */

export type CoachErrorCode =
  | "coach_config_invalid"
  | "coach_knowledge_missing"
  | "coach_knowledge_invalid"
  | "coach_index_corrupt"
  | "coach_index_build_failed"
  | "coach_unknown";

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

export class UnknownCoachError extends CoachError {
  readonly code = "coach_unknown" as const;
}

/** Wrap anything thrown into a CoachError, keeping the original as `cause`. */
export function asCoachError(error: unknown): CoachError {
  if (error instanceof CoachError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnknownCoachError(message, { cause: error });
}
