import type { HistoryMessage, ReasonCode } from "../types.js";

/** What a rail decides. Rails never throw: the pipeline routes on this value. */
export type Verdict =
  | { kind: "allow" }
  | { kind: "refuse"; reason: ReasonCode; message: string }
  | { kind: "rewrite"; text: string };

export const allow = (): Verdict => ({ kind: "allow" });
export const refuse = (reason: ReasonCode, message: string): Verdict => ({ kind: "refuse", reason, message });
export const rewrite = (text: string): Verdict => ({ kind: "rewrite", text });

export interface RailInput {
  text: string;
  history: HistoryMessage[];
  /** Platform-qualified user id, e.g. "slack:U123". */
  userKey: string;
  /** The conversation the turn belongs to, for rails that remember (a safety refusal). */
  conversationId?: string;
}

export interface InputRail {
  name: string;
  check(input: RailInput): Verdict | Promise<Verdict>;
}
