import { normalizeText } from "../text/normalize.js";
import { allow, refuse, type InputRail } from "./verdict.js";
import type { RateLimiter } from "./rate-limit.js";
import { checkSafety } from "./safety.js";

const EMPTY_SCAN_CHARS = 20_000;

/** Nothing to answer: empty, whitespace, or only invisible characters and punctuation. */
export const emptyInputRail: InputRail = {
  name: "empty_input",
  check({ text }) {
    // Only the start is normalised (NFKC can multiply a text's length); a text longer than that
    // is left to the length rail.
    return /[\p{L}\p{N}]/u.test(normalizeText(text.slice(0, EMPTY_SCAN_CHARS))) || text.length > EMPTY_SCAN_CHARS
      ? allow()
      : refuse("empty_input", "Ask me a question about moving into AI product management in manufacturing, and I'll answer from the guide.");
  },
};

/** Very long messages are refused, not truncated: a cut question could be answered wrongly. */
export function inputLengthRail(maxChars: number): InputRail {
  return {
    name: "input_too_long",
    check({ text }) {
      // Checked on the raw text (cheap), then after normalisation: NFKC turns one "\uFDFA" into
      // 18 characters, and every later rail reads the normalised text.
      const length = text.length > maxChars ? text.length : normalizeText(text).length;
      return length <= maxChars
        ? allow()
        : refuse("input_too_long", `That message is ${length.toLocaleString("en-US")} characters long; please ask in under ${maxChars.toLocaleString("en-US")} characters.`);
    },
  };
}

export function rateLimitRail(limiter: RateLimiter): InputRail {
  return {
    name: "rate_limited",
    async check({ userKey }) {
      return (await limiter.allow(userKey))
        ? allow()
        : refuse("rate_limited", "You're asking faster than I can coach. Please wait a minute, then ask again.");
    },
  };
}

export const safetyRail: InputRail = {
  name: "safety_bypass",
  check: ({ text, history }) => checkSafety(text, history),
};
