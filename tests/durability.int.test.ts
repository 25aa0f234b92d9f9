import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempWorkspace, type Json } from "./helpers.js";
import { startServerProcess, stopProcess } from "./processes.js";

const ws = tempWorkspace();
afterAll(() => ws.cleanup());
const env = { DATA_DIR: ws.dataDir, KNOWLEDGE_DIR: ws.knowledgeDir };

const post = (url: string, path: string, body: unknown) => fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("feedback durability", () => {
  it("survives kill -9 right after it is acknowledged, and a restart", async () => {
    const first = await startServerProcess(env);
    const answer = (await (await post(first.url, "/api/ask", { question: "What is a digital twin?" })).json()) as { answerId: string };
    const ack = await post(first.url, "/api/feedback", { answerId: answer.answerId, rating: "up" });
    expect(ack.status).toBe(202);
    first.child.kill("SIGKILL");
    await stopProcess(first.child, "SIGKILL");

    const feedback = () => readFileSync(join(ws.dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(feedback().map((f) => f.answerId)).toContain(answer.answerId);

    const second = await startServerProcess(env);
    const again = (await (await post(second.url, "/api/ask", { question: "What is generative design?" })).json()) as { answerId: string };
    expect((await post(second.url, "/api/feedback", { answerId: again.answerId, rating: "down" })).status).toBe(202);
    expect(await stopProcess(second.child, "SIGTERM")).toBe(0);
    expect(feedback().map((f) => f.answerId)).toEqual([answer.answerId, again.answerId]);
  });

  it("starts with no credentials at all and says which platforms are off", async () => {
    const server = await startServerProcess({ ...env, SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "", MicrosoftAppId: "" });
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as Json;
    expect(ready.status).toBe("ready");
    expect(server.logs()).toMatch(/platform slack: off/u);
    expect(await stopProcess(server.child)).toBe(0);
    expect(server.logs()).toMatch(/shutting down/u);
  });

  it("refuses to start with bad configuration, naming each bad variable", async () => {
    const { spawnSync } = await import("node:child_process");
    const result = spawnSync(process.execPath, ["--import", "tsx", "server/main.ts"], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, ...env, PORT: "http", REDIS_URL: "localhost:6379", SLACK_BOT_TOKEN: "xoxp-user-token" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT="http"/u);
    expect(result.stderr).toMatch(/REDIS_URL must look like redis:\/\//u);
    expect(result.stderr).toMatch(/SLACK_BOT_TOKEN must be the bot token that starts with xoxb-/u);
  });
});
