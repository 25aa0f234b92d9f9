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

/**
 * Libraries that print with console (botbuilder prints stack traces with console.error) would
 * break the one-JSON-object-per-line log: route console through the logger instead. Errors keep
 * their stack under `err`; the rest is joined into the message. For the server process only.
 */
export function routeConsoleTo(logger: Logger): void {
  const child = logger.child({ source: "console" });
  const route = (level: "error" | "warn" | "info" | "debug") => (...args: unknown[]) => {
    const err = args.find((a): a is Error => a instanceof Error);
    const msg = args
      .filter((a) => a !== err)
      .map(describe)
      .join(" ")
      .slice(0, 2_000);
    child[level](err ? { err } : {}, msg || err?.message || "");
  };
  /* eslint-disable no-console -- replacing console is the point here */
  console.error = route("error");
  console.warn = route("warn");
  console.log = route("info");
  console.info = route("info");
  console.debug = route("debug");
  /* eslint-enable no-console */
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
