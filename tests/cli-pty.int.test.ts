import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, tempWorkspace } from "./helpers.js";

/**
 * `npm run ask -- --chat` in a real terminal: `script` gives the chat a pseudo-terminal (a pipe
 * would end it with EOF, which is not what a person at a keyboard does). Typing "exit" must end
 * the chat while the terminal stays open.
 */
let ws: ReturnType<typeof tempWorkspace>;
beforeAll(() => {
  ws = tempWorkspace();
});
afterAll(() => ws.cleanup());

describe("npm run ask -- --chat at a terminal", () => {
  it("answers, then ends on 'exit' without waiting for Ctrl-D, and prints no Markdown asterisks", async () => {
    const command = `${JSON.stringify(process.execPath)} --import tsx adapters/cli/ask.ts --chat; echo CHAT_ENDED`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: REPO,
      env: { ...process.env, DATA_DIR: ws.dataDir, KNOWLEDGE_DIR: ws.knowledgeDir, LOG_LEVEL: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    const waiters: { pattern: RegExp; resolve: () => void }[] = [];
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      for (const w of waiters.splice(0)) (w.pattern.test(out) ? w.resolve : () => waiters.push(w))();
    });
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(out)) return resolve();
        const timer = setTimeout(() => reject(new Error(`never saw ${pattern} in:\n${out.slice(-2_000)}`)), 45_000);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
      });
    try {
      await seen(/Type "exit" to leave/u);
      child.stdin.write("which use cases are in production?\r");
      await seen(/Sources \(from the guide\)/u);
      child.stdin.write("exit\r");
      // The terminal (our stdin) stays open: only "exit" can have ended the chat.
      await seen(/CHAT_ENDED/u);
      // On a terminal the label is bold (ANSI), never Markdown.
      // eslint-disable-next-line no-control-regex
      expect(out).toMatch(/\u001b\[1mIn production\u001b\[22m: Predictive maintenance/u);
      expect(out).not.toMatch(/\*\*/u);
    } finally {
      child.stdin.end();
      child.kill();
    }
  }, 60_000);
});
