/** Core types shared by the pipeline, the adapters and the eval harness (see DESIGN.md). */

export type Platform = "slack" | "teams" | "cli" | "web" | "eval";

export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
}

export interface Turn {
  text: string;
  history: HistoryMessage[];
  user: { id: string; platform: Platform };
  conversationId: string;
  /** A pressed coaching button (Hint, Skip, Stop, Resume, Yes…), typed: the core never parses a button's label back. */
  action?: CoachingAction;
}

/** What a coaching button does. */
export type CoachingActionName = "hint" | "skip" | "stop" | "resume" | "yes" | "partly" | "not_yet";

/**
 * A pressed coaching button, as the button carries it (Slack `value`, Teams `Action.Submit` data,
 * the playground's request): which session and step it was shown for, so pressing it twice acts once.
 */
export interface CoachingAction {
  action: CoachingActionName;
  session: string;
  step: number;
}

/** A coaching button: the label to show and the action it sends back. */
export interface CoachingButton {
  label: string;
  action: CoachingAction;
}

export type Outcome = "answered" | "no_answer" | "refused";

/** Stable reason codes: adapters, logs and evals route on these, so never rename one. */
export type ReasonCode =
  | "not_in_guide"
  | "off_topic"
  | "empty_input"
  | "input_too_long"
  | "bad_input"
  | "safety_bypass"
  | "prompt_injection"
  | "rate_limited"
  | "internal_error"
  /** A greeting, thanks or "help": answered with what the coach does, not from the guide. */
  | "small_talk";

export interface Citation {
  /** Chunk id, stable for the same knowledge content. */
  id: string;
  /** Title of the source document (front matter, else its first heading, else the file name). */
  document: string;
  /** The chunk's own heading. */
  title: string;
  /** Heading path joined for display, e.g. "The Core AI Use Cases in Manufacturing › Predictive maintenance". */
  section: string;
  /** The same heading path as an array: renderers lay it out from this, never by splitting `section`. */
  path: string[];
  /** Retrieval relevance in [0, 1]. */
  score: number;
  /** The chunk text the answer drew from. */
  text: string;
}

/**
 * One piece of an answer, as structure: what every renderer renders from. `text` is plain (no
 * markup); `label` is a short heading for the piece (a use case, a tier, a step), rendered bold;
 * `cites` are indexes into `Answer.citations`.
 */
export interface AnswerPart {
  kind: "lead" | "point" | "item" | "note";
  text: string;
  cites: number[];
  label?: string;
}

export interface Answer {
  outcome: Outcome;
  reason: ReasonCode | null;
  /** The plain rendering of `parts` (for --json/--jsonl users and logs). */
  text: string;
  /** The answer as structure; the first part answers the question. */
  parts: AnswerPart[];
  citations: Citation[];
  followUps: string[];
  mode: "extractive" | "llm";
  latencyMs: number;
  /** Present when the answer is part of a coaching mode (interview practice, study plan, readiness check). */
  coaching?: CoachingState;
}

export type CoachingMode = "quiz" | "plan" | "readiness";

/** Where a coaching exchange stands, for renderers (progress) and evals (scores). */
export interface CoachingState {
  mode: CoachingMode;
  /** question: waiting for an answer; done: the mode ended (finished or stopped); paused: resumable later; intake: waiting for details. */
  stage: "question" | "intake" | "done" | "paused";
  /** 1-based position of the question now asked, and how many there are. */
  step?: number;
  total?: number;
  /** Practice: how the answer just given was scored. */
  score?: { matched: number; total: number; grade: "strong" | "partial" | "not_yet" };
  /** The buttons for this step (Hint, Skip, Stop; Yes, Partly, Not yet; Resume), rendered by each surface. */
  actions?: CoachingButton[];
}

/** One retrievable piece of the knowledge: a heading's own text. */
export interface Chunk {
  id: string;
  /** Heading of the section this chunk belongs to. */
  title: string;
  /** Heading path from the document's first level-2 heading down, joined with " › ". */
  section: string;
  headingPath: string[];
  /** Body text of the section (metadata lines removed). */
  text: string;
  /** "Key: value" lines of the section, e.g. { Status: "Production" }. */
  metadata: Record<string, string>;
  /** Source file relative to the knowledge directory. */
  source: string;
  /** Title of the source document. */
  document: string;
  /** Position in the document, used to find neighbouring sections. */
  order: number;
  /** Id of the parent section's chunk, when the parent has its own text. */
  parentSection: string;
}
