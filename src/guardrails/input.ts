import { normalizeText } from "../text/normalize.js";
import { allow, refuse, type InputRail } from "./verdict.js";
import type { RateLimiter } from "./rate-limit.js";
import { checkSafety } from "./safety.js";

/** Nothing to answer: empty, whitespace, or only invisible characters and punctuation. */
export const emptyInputRail: InputRail = {
  name: "empty_input",
  check({ text }) {
    return /[\p{L}\p{N}]/u.test(normalizeText(text))
      ? allow()
      : refuse("empty_input", "Ask me a question about moving into AI product management in manufacturing, and I'll answer from the guide.");
  },
};

/** Very long messages are refused, not truncated: a cut question could be answered wrongly. */
export function inputLengthRail(maxChars: number): InputRail {
  return {
    name: "input_too_long",
    check({ text }) {
      return text.length <= maxChars
        ? allow()
        : refuse(
            "input_too_long",
            `That message is ${text.length.toLocaleString("en-US")} characters long; please ask in under ${maxChars.toLocaleString("en-US")} characters.`,
          );
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
