import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inject } from "vitest";
import { loadConfig, type CoachConfig } from "../src/config.js";
import { createCoach, type Coach } from "../src/coach.js";
import { silentLogger, type Logger } from "../src/logger.js";
import type { HistoryMessage, Turn } from "../src/types.js";

export const REPO = resolve(import.meta.dirname, "..");
export const KNOWLEDGE = join(REPO, "knowledge");

/**
 * A temp dir with its own copy of knowledge/ and a data dir holding a copy of the index built once
 * for the run (tests/global-setup.ts); `{ index: false }` leaves the data dir empty, for tests of
 * building. Removed by `cleanup`.
 */
export function tempWorkspace(options: { index?: boolean } = {}): { root: string; knowledgeDir: string; dataDir: string; config: CoachConfig; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "coach-test-"));
  const knowledgeDir = join(root, "knowledge");
  cpSync(KNOWLEDGE, knowledgeDir, { recursive: true });
  const dataDir = join(root, "data");
  if (options.index !== false) cpSync(inject("builtDataDir"), dataDir, { recursive: true });
  const config = loadConfig({ DATA_DIR: dataDir, KNOWLEDGE_DIR: knowledgeDir, RATE_LIMIT_PER_MINUTE: "0", WEB_RATE_LIMIT_PER_MINUTE: "0" }, root);
  return { root, knowledgeDir, dataDir, config, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export async function testCoach(logger: Logger = silentLogger): Promise<{ coach: Coach; cleanup: () => void }> {
  const ws = tempWorkspace();
  return { coach: await createCoach(ws.config, logger), cleanup: ws.cleanup };
}

export function turn(text: string, history: HistoryMessage[] = []): Turn {
  return { text, history, user: { id: "u-test", platform: "cli" }, conversationId: "c-test" };
}

/** A logger that records what it was asked to log, for "logs exactly one line" assertions. */
export function recordingLogger(): { logger: Logger; lines: { msg: string; [k: string]: unknown }[] } {
  const lines: { msg: string }[] = [];
  const make = (): Logger =>
    ({
      level: "info",
      child: () => make(),
      fatal: (o: unknown, m?: string) => lines.push({ ...(o as object), msg: m ?? String(o) }),
      error: (o: unknown, m?: string) => lines.push({ ...(o as object), msg: m ?? String(o) }),
      warn: (o: unknown, m?: string) => lines.push({ ...(o as object), msg: m ?? String(o) }),
      info: (o: unknown, m?: string) => lines.push({ ...(o as object), msg: m ?? String(o) }),
      debug: () => undefined,
      trace: () => undefined,
    }) as unknown as Logger;
  return { logger: make(), lines };
}

// Test responses are asserted field by field; a loose type keeps those assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;
