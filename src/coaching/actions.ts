import type { CoachingAction, CoachingActionName } from "../types.js";

/**
 * Coaching buttons carry a typed action, not their label. A surface receives it from a client
 * (a Slack button's `value`, a Teams card's submit data, the playground's request body), so it is
 * checked field by field here before the core acts on it.
 */

const NAMES: ReadonlySet<CoachingActionName> = new Set(["hint", "skip", "stop", "resume", "yes", "partly", "not_yet"]);
/** Far more than an action needs; anything longer is not one of ours. */
const MAX_ENCODED_CHARS = 300;
const SESSION_ID = /^[A-Za-z0-9-]{1,64}$/u;

/** The action a button carries, or null when the value is not a well-formed coaching action. */
export function parseCoachingAction(value: unknown): CoachingAction | null {
  let candidate = value;
  if (typeof value === "string") {
    if (value.length > MAX_ENCODED_CHARS) return null;
    try {
      candidate = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (!candidate || typeof candidate !== "object") return null;
  const { action, session, step } = candidate as Record<string, unknown>;
  if (typeof action !== "string" || !NAMES.has(action as CoachingActionName)) return null;
  if (typeof session !== "string" || !SESSION_ID.test(session)) return null;
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step > 1_000) return null;
  return { action: action as CoachingActionName, session, step };
}

/** The action as a Slack button value carries it (a string of at most a few dozen characters). */
export function encodeCoachingAction(action: CoachingAction): string {
  return JSON.stringify({ action: action.action, session: action.session, step: action.step });
}
