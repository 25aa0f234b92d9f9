import { readFileSync } from "node:fs";
import type { StateStore } from "../state/store.js";
import type { ChatModel } from "../llm/model.js";
import type { HistoryMessage } from "../types.js";
import { allow, refuse, type InputRail, type Verdict } from "./verdict.js";
import type { Guard } from "./guard.js";
import { checkSafety, safetyMessage } from "./safety.js";
import { injectionMessage } from "./injection.js";
import { bound } from "./fold.js";

/** How long a safety refusal colours the rest of a conversation. */
const REFUSAL_MEMORY_MS = 30 * 60_000;

type RecordStore = Pick<StateStore, "getRecord" | "setRecord" | "deleteRecord">;

/**
 * The safety rail with conversation state: after a safety refusal, the conversation is marked
 * (in the shared state store: bounded, expiring, shared across replicas) so a continuation that
 * only reframes the request ("hypothetically", "for a video", "I'm the OEM") stays refused even
 * when the client sends no history. A turn on a new topic clears the mark.
 */
export function createSafetyRail(guard: Guard, state?: RecordStore): InputRail {
  return {
    name: "safety_bypass",
    async check({ text, history, userKey, conversationId }): Promise<Verdict> {
      const key = `guard:safety-refused:${userKey}:${conversationId ?? "-"}`;
      let prior: boolean;
      try {
        prior = state ? (await state.getRecord<{ at: number }>(key)) !== null : false;
      } catch {
        prior = false;
      }
      const verdict = checkSafety(text, history, guard, prior);
      try {
        if (verdict.kind === "refuse") await state?.setRecord(key, { at: Date.now() }, REFUSAL_MEMORY_MS);
        else if (prior && isNewTopic(guard, text)) await state?.deleteRecord(key);
      } catch {
        // State is a help, not a dependency: the history still carries the refusal.
      }
      return verdict;
    },
  };
}

function isNewTopic(guard: Guard, text: string): boolean {
  try {
    const a = guard.assess(text);
    return a.concepts.length === 0 && !a.framing && !a.generic && a.words > 3;
  } catch {
    return false;
  }
}

/**
 * LLM mode: the model is a second opinion. It reads the turn (and the user's earlier turns)
 * with prompts/guard.txt and may add a refusal; it never removes one (it runs after the offline
 * rails, which refuse first), and any failure (timeout, error, an unreadable reply) leaves the
 * offline verdict standing. It is asked only when one of the offline signals is present: a
 * safety word, an instruction word, a framing, some classifier suspicion, or an earlier turn
 * of the same kind; ordinary questions cost no model call.
 */
export function createLlmGuardRail(guard: Guard, model: ChatModel, promptPath: string, onFailure: (cause: string) => void = () => undefined, timeoutMs = 5_000): InputRail {
  const template = readFileSync(promptPath, "utf8");
  return {
    name: "llm_guard",
    async check({ text, history }): Promise<Verdict> {
      try {
        if (!worthAsking(guard, text, history)) return allow();
        const earlier = history
          .filter((m) => m.role === "user")
          .slice(-6)
          .map((m, i) => `${i + 1}. ${bound(m.content, 600).replace(/MESSAGE/gu, "message")}`)
          .join("\n");
        const content = template.replace("{{history}}", earlier || "(none)").replace("{{message}}", bound(text, 4_000).replace(/MESSAGE/gu, "message"));
        const { text: reply } = await model.complete([{ role: "user", content }], { signal: AbortSignal.timeout(timeoutMs) });
        const verdict = /VERDICT:\s*(ALLOW|SAFETY_BYPASS|PROMPT_INJECTION)\b/u.exec(reply.slice(0, 500))?.[1];
        if (verdict === "SAFETY_BYPASS") return refuse("safety_bypass", safetyMessage(text, guard));
        if (verdict === "PROMPT_INJECTION") return refuse("prompt_injection", injectionMessage(text, guard));
        if (verdict !== "ALLOW") onFailure("unreadable");
        return allow();
      } catch (error) {
        onFailure(error instanceof Error ? error.name : "unexpected");
        return allow();
      }
    },
  };
}

/**
 * Whether a second opinion is worth a model call: a named safety function or instruction word
 * with some suspicion, a framing, a defeat word with a device word, a classifier that is unsure,
 * or an earlier turn of that kind. Ordinary questions and practice answers are not sent.
 */
export function worthAsking(guard: Guard, text: string, history: HistoryMessage[]): boolean {
  const suspicious = (a: ReturnType<Guard["assess"]>) =>
    a.framing ||
    a.safetyPhrase !== null ||
    a.injectionPhrase !== null ||
    ((a.concepts.length > 0 || a.generic || a.weak) && (a.defeat || a.bypass >= 0.3)) ||
    (a.target && a.injection >= 0.3) ||
    a.bypass >= 0.9 ||
    a.injection >= 0.9;
  if (suspicious(guard.assess(text))) return true;
  return history.some((m) => m.role === "user" && typeof m.content === "string" && suspicious(guard.assess(m.content)));
}
