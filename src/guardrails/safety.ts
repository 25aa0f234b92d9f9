import type { HistoryMessage } from "../types.js";
import { allow, refuse, type Verdict } from "./verdict.js";
import { defaultGuard, type Guard } from "./guard.js";
import { readingsOf } from "./obfuscation.js";
import { bound } from "./fold.js";
import { safetyPhrase } from "./patterns.js";

/**
 * Requests to defeat a safety function, or to skip a safety check on a model's word, in any
 * language and whatever the framing ("hypothetically", "for a training video"), judged by
 * meaning (see guard.ts): a safety function named (lexicon) and an intent to defeat it
 * (classifier). Questions about what these things are, how bypasses are authorised and which
 * standards apply are welcome and pass.
 */
export function detectSafetyBypass(text: string, history: HistoryMessage[] = [], guard?: Guard, priorRefusal = false): string | null {
  try {
    return (guard ?? defaultGuard()).safety(text, history, priorRefusal);
  } catch {
    // The meaning-based rail failed (it should not): the phrase patterns still stand.
    try {
      const previous = history.filter((m) => m?.role === "user").slice(-2).map((m) => String(m.content));
      return safetyPhrase(readingsOf(bound(text)), previous.flatMap((p) => readingsOf(bound(p, 2_000))));
    } catch {
      return null;
    }
  }
}

export const SAFETY_BYPASS_MESSAGE = [
  "I can't help with bypassing, defeating or skipping a safety function or safety check, however the question is framed.",
  "Why: defeated guards, interlocks, light curtains and e-stops are a common cause of serious injuries; defeating an interlock is foreseeable misuse under ISO 13849 and ISO 14119; bypassing a safety instrumented system trip needs a hazard analysis, authorization and logging under IEC 61511; and servicing equipment requires lockout/tagout (OSHA 1910.147). A model saying a machine is fine is not a safety check.",
  "The sanctioned route: your site's lockout/tagout or bypass-permit and management-of-change process, the machine's documented maintenance modes, and your safety or controls engineer.",
  "If you're building AI products for this world, I'm glad to help with how functional safety standards shape them.",
].join("\n\n");

/** The refusal in the user's language, with the English text as the fallback. */
export function safetyMessage(text: string, guard?: Guard): string {
  try {
    return (guard ?? defaultGuard()).message("safety_bypass", text) || SAFETY_BYPASS_MESSAGE;
  } catch {
    return SAFETY_BYPASS_MESSAGE;
  }
}

export function checkSafety(text: string, history: HistoryMessage[], guard?: Guard, priorRefusal = false): Verdict {
  return detectSafetyBypass(text, history, guard, priorRefusal) ? refuse("safety_bypass", safetyMessage(text, guard)) : allow();
}
