import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, tempWorkspace } from "./helpers.js";

let ws: ReturnType<typeof tempWorkspace>;
beforeAll(() => {
  ws = tempWorkspace();
});
afterAll(() => ws.cleanup());

function ask(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "adapters/cli/ask.ts"), ...args], {
    cwd: REPO,
    input,
    encoding: "utf8",
    env: { ...process.env, DATA_DIR: ws.dataDir, KNOWLEDGE_DIR: ws.knowledgeDir, LOG_LEVEL: "" },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run ask", () => {
  it("prints a readable answer with its sources", () => {
    const r = ask(["Which companies hire AI PMs in manufacturing?"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Sources \(from the guide\):/u);
    expect(r.stdout).toMatch(/\[1\] Companies Hiring and How to Land Your First Role/u);
    expect(r.stdout).toMatch(/Augury/u);
  });

  it("--json prints exactly one Answer object", () => {
    const r = ask(["--json", "What is a digital twin?"]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer).toMatchObject({ outcome: "answered", reason: null, mode: "extractive" });
    expect(answer.citations[0]).toEqual(expect.objectContaining({ id: expect.any(String), title: "Digital twins", section: expect.stringContaining("›"), score: expect.any(Number), text: expect.any(String) }));
  });

  it("--jsonl answers good lines and reports bad ones without stopping the batch", () => {
    const input = [
      JSON.stringify({ id: "a", question: "How long do procurement cycles take?" }),
      "{this is not json",
      JSON.stringify({ id: "b" }),
      JSON.stringify({ id: "c", question: "Who uses it?", history: [{ role: "user", content: "What is generative design?" }] }),
      JSON.stringify({ id: "d", question: "hi", history: "nope" }),
      "",
      JSON.stringify(["an", "array"]),
      JSON.stringify({ id: 7, question: "" }),
    ].join("\n");
    const r = ask(["--jsonl"], `${input}\n`);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.outcome, l.reason])).toEqual([
      ["a", "answered", null],
      [null, "refused", "bad_input"],
      ["b", "refused", "bad_input"],
      ["c", "answered", null],
      ["d", "refused", "bad_input"],
      [null, "refused", "bad_input"],
      ["7", "refused", "empty_input"],
    ]);
    expect(lines[1].text).toMatch(/Line 2 is not valid JSON/u);
    expect(lines[3].text).toMatch(/Airbus/u);
  });

  it("a one-shot practice request points to --chat, where a session can go on", () => {
    const r = ask(["quiz me"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/question 1 of 5/u);
    expect(r.stdout).toMatch(/npm run ask -- --chat/u);
  });

  it("--chat keeps one conversation: interview practice scored turn by turn, follow-ups, exit", () => {
    const r = ask(["--chat"], ["quiz me on safety standards", "ISO 13849, and I own the pre-launch safety review", "stop", "What is generative design?", "Who uses it?", "exit", "never read"].join("\n"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Interview practice · question 1 of \d/u);
    expect(r.stdout).toMatch(/Partly there: 2 of 4 key points/u);
    expect(r.stdout).toMatch(/You can say:\n {2}- Hint/u);
    expect(r.stdout).toMatch(/Practice stopped after 1 question: 2 of 4 key points/u);
    expect(r.stdout).toMatch(/Airbus/u); // the follow-up used the conversation
    // Nothing after "exit" is answered.
    expect(r.stdout).not.toMatch(/outside what I coach on|doesn't cover that/u);
  });

  it("explains its usage instead of crashing on no question or an unknown flag", () => {
    const none = ask([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage/u);
    const bad = ask(["--frobnicate", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--frobnicate'/u);
  });

  it("fails fast naming every bad variable", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "adapters/cli/ask.ts"), "x"], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, PORT: "abc", LOG_LEVEL: "loud", LLM_PROVIDER: "" },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT="abc"/u);
    expect(result.stderr).toMatch(/LOG_LEVEL="loud"/u);
  });
});
