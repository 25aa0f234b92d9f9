import { resolve } from "node:path";
import { ConfigInvalidError } from "./errors.js";

/**
 * The only place that reads the environment. Every variable is checked at once so a bad
 * deployment fails at start with one message naming each problem and how to fix it.
 */
export interface CoachConfig {
  port: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  dataDir: string;
  knowledgeDir: string;
  llmProvider: "none";
  embeddings: "local";
  /** Longest question accepted, in characters; longer ones get `input_too_long`. */
  maxInputChars: number;
  /** Questions per user per minute; 0 turns the limit off. */
  rateLimitPerMinute: number;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CoachConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const port = parseInteger(read("PORT") ?? "3978", "PORT", 1, 65535, problems);
  const maxInputChars = parseInteger(read("MAX_INPUT_CHARS") ?? "4000", "MAX_INPUT_CHARS", 10, 1_000_000, problems);

  const rateLimitPerMinute = parseInteger(read("RATE_LIMIT_PER_MINUTE") ?? "20", "RATE_LIMIT_PER_MINUTE", 0, 100_000, problems);

  const logLevel = (read("LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL="${env.LOG_LEVEL}" is not a log level: use one of ${LOG_LEVELS.join(", ")}.`);
  }

  const llmProvider = (read("LLM_PROVIDER") ?? "none").toLowerCase();
  if (llmProvider !== "none") {
    problems.push(
      `LLM_PROVIDER="${env.LLM_PROVIDER}" is not available in this version: unset it (or set LLM_PROVIDER=none) to use the offline extractive coach.`,
    );
  }
  const embeddings = (read("EMBEDDINGS") ?? "local").toLowerCase();
  if (embeddings !== "local") {
    problems.push(`EMBEDDINGS="${env.EMBEDDINGS}" is not available in this version: unset it (or set EMBEDDINGS=local).`);
  }

  if (problems.length > 0) throw new ConfigInvalidError(problems);
  return {
    port,
    logLevel: logLevel as CoachConfig["logLevel"],
    dataDir: resolve(cwd, read("DATA_DIR") ?? "data"),
    knowledgeDir: resolve(cwd, read("KNOWLEDGE_DIR") ?? "knowledge"),
    llmProvider: "none",
    embeddings: "local",
    maxInputChars,
    rateLimitPerMinute,
  };
}

function parseInteger(raw: string, name: string, min: number, max: number, problems: string[]): number {
  const value = Number(raw);
  if (!/^\d+$/u.test(raw) || value < min || value > max) {
    problems.push(`${name}="${raw}" must be a whole number from ${min} to ${max}.`);
    return min;
  }
  return value;
}
