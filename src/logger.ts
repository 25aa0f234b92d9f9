import { pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON logs on stderr, so stdout stays clean for `ask --json` and `--jsonl`. Secrets and the
 * raw text of questions are redacted wherever they appear under these keys.
 */
export function createLogger(level: string = "info"): Logger {
  return pino(
    {
      level,
      base: { service: "mfg-ai-pm-coach" },
      redact: {
        paths: ["text", "*.text", "question", "*.question", "token", "*.token", "authorization", "*.authorization", "apiKey", "*.apiKey"],
        censor: "[redacted]",
      },
    },
    pino.destination(2),
  );
}

export const silentLogger: Logger = pino({ level: "silent" });
