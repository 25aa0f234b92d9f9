import type { HistoryMessage } from "../types.js";
import { allow, refuse, type InputRail } from "./verdict.js";
import { readingsOf } from "./obfuscation.js";
import { defaultGuard, type Guard } from "./guard.js";
import { bound } from "./fold.js";
import { injectionPhrase } from "./patterns.js";

/**
 * Prompt injection by meaning (see guard.ts): what is targeted (instructions, rules,
 * configuration, hidden text, in any of the lexicon's languages) and what is wanted (reveal,
 * override, role-switch, obey embedded text), over the normalised text, every user turn of the
 * history, and text hidden in Unicode tag characters. Role-play that serves coaching ("act as my
 * interviewer") and questions about a PLC's developer mode are allowed.
 */
export function detectInjection(text: string, history: HistoryMessage[] = [], guard?: Guard): string | null {
  try {
    return (guard ?? defaultGuard()).injection(text, history);
  } catch {
    try {
      return injectionPhrase(readingsOf(bound(text)));
    } catch {
      return null;
    }
  }
}

export const INJECTION_MESSAGE =
  "I can't follow instructions that try to change how I work or reveal how I'm set up. I'm here to coach you on AI product management in manufacturing: ask me about use cases, factory-floor constraints, companies hiring, or how to prepare for the role.";

export function injectionMessage(text: string, guard?: Guard): string {
  try {
    return (guard ?? defaultGuard()).message("prompt_injection", text) || INJECTION_MESSAGE;
  } catch {
    return INJECTION_MESSAGE;
  }
}

export function createInjectionRail(guard?: Guard): InputRail {
  return {
    name: "prompt_injection",
    check({ text, history }) {
      return detectInjection(text, history, guard) ? refuse("prompt_injection", injectionMessage(text, guard)) : allow();
    },
  };
}

export const injectionRail: InputRail = createInjectionRail();
