import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoachServer, type RunningServer } from "../server/start.js";
import { recordingLogger, tempWorkspace, type Json } from "./helpers.js";
import { waitFor } from "./processes.js";

let ws: ReturnType<typeof tempWorkspace>;
let running: RunningServer;
const log = recordingLogger();

beforeAll(async () => {
  ws = tempWorkspace();
  running = await startCoachServer({ ...ws.config, port: 0, rateLimitPerMinute: 100 }, log.logger, { host: "127.0.0.1" });
});
afterAll(async () => {
  await running.stop();
  ws.cleanup();
});

const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) => fetch(`${running.url}${path}`, { method: "POST", headers, body });

describe("the coach server", () => {
  it("answers /healthz and /readyz, and says which platforms are off and why", async () => {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as Json;
    expect(body.index.chunks).toBeGreaterThan(20);
    expect(body.platforms.find((p: { name: string }) => p.name === "slack")).toMatchObject({ enabled: false, detail: expect.stringMatching(/SLACK_BOT_TOKEN/u) });
    expect(log.lines.some((l) => l.msg === "platform slack: off")).toBe(true);
  });

  it("answers a question over /api/ask with sources and an id for feedback", async () => {
    const res = await post("/api/ask", JSON.stringify({ question: "What does edge inference mean for vision on the line?", conversationId: "c1" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const answer = (await res.json()) as Json;
    expect(answer).toMatchObject({ outcome: "answered", mode: "extractive" });
    expect(answer.answerId).toMatch(/^[0-9a-f-]{36}$/u);
    expect(answer.citations[0].section).toMatch(/Edge vs\. cloud/u);
  });

  it("remembers the conversation for follow-ups", async () => {
    await post("/api/ask", JSON.stringify({ question: "What is generative design?", conversationId: "memory" }));
    const followUp = (await (await post("/api/ask", JSON.stringify({ question: "Who uses it?", conversationId: "memory" }))).json()) as Json;
    expect(followUp.text).toMatch(/Airbus/u);
  });

  it("gives clear 4xx answers to bad input and stays up", async () => {
    const malformed = await post("/api/ask", '{"question": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Json).error).toBe("Malformed JSON body.");
    const wrongShape = await post("/api/ask", JSON.stringify({ q: "hi" }));
    expect(wrongShape.status).toBe(400);
    const huge = await post("/api/ask", JSON.stringify({ question: "x".repeat(100_000) }));
    expect(huge.status).toBe(413);
    const notFound = await fetch(`${running.url}/nope`);
    expect(notFound.status).toBe(404);
    const tooLong = (await (await post("/api/ask", JSON.stringify({ question: "y".repeat(50_000) }))).json()) as Json;
    expect(tooLong).toMatchObject({ outcome: "refused", reason: "input_too_long" });
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  it("records feedback durably before acknowledging it", async () => {
    const answer = (await (await post("/api/ask", JSON.stringify({ question: "What is a digital twin?" }))).json()) as Json;
    const res = await post("/api/feedback", JSON.stringify({ answerId: answer.answerId, rating: "down", comment: "Too short; mail me at jane@corp.example" }));
    expect(res.status).toBe(202);
    const lines = readFileSync(join(ws.dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const record = lines.find((l) => l.answerId === answer.answerId);
    expect(record).toMatchObject({ rating: "down", platform: "web" });
    expect(record.comment).toContain("[email]");
    expect(record.comment).not.toContain("jane@corp.example");
    expect((await post("/api/feedback", JSON.stringify({ answerId: answer.answerId, rating: "meh" }))).status).toBe(400);
  });

  it("exposes Prometheus metrics: requests, latency histogram, outcomes by reason, feedback", async () => {
    await post("/api/ask", JSON.stringify({ question: "how do I jumper an interlock" }));
    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(text).toMatch(/coach_requests_total\{surface="web"\} \d+/u);
    expect(text).toMatch(/coach_answer_latency_seconds_bucket\{le="0.01",surface="web"\} \d+/u);
    expect(text).toMatch(/coach_answers_total\{outcome="refused",reason="safety_bypass",surface="web"\} 1/u);
    expect(text).toMatch(/coach_feedback_total\{rating="down",surface="web"\} 1/u);
    expect(text).toMatch(/coach_model_fallbacks_total/u);
  });

  it("logs the answers for `npm run report` with personal data redacted", async () => {
    await post("/api/ask", JSON.stringify({ question: "call me on +1 415 555 0133 about kanban boards" }));
    const answersLog = () => (existsSync(join(ws.dataDir, "answers.jsonl")) ? readFileSync(join(ws.dataDir, "answers.jsonl"), "utf8") : "");
    // The answer log is written through a buffered stream, after the reply.
    await waitFor(async () => answersLog().includes('"outcome":"no_answer"'), 5_000, "answer log line");
    const answers = answersLog();
    expect(answers).not.toContain("555 0133");
  });

  it("serves the playground page with a strict content security policy", async () => {
    const res = await fetch(`${running.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'/u);
    expect(await res.text()).toMatch(/<script src="\/playground.js"/u);
  });
});

describe("npm run report", () => {
  it("summarises outcomes, the guide's gaps and feedback from the logs", async () => {
    const { spawnSync } = await import("node:child_process");
    for (let i = 0; i < 2; i++) await post("/api/ask", JSON.stringify({ question: "What OEE should a bottling plant target?" }));
    const practice = { conversationId: "report-practice", clientId: "report-user" };
    await post("/api/ask", JSON.stringify({ question: "quiz me on safety standards", ...practice }));
    await post("/api/ask", JSON.stringify({ question: "No idea, GDPR maybe.", ...practice }));
    const logged = () => readFileSync(join(ws.dataDir, "answers.jsonl"), "utf8").split("What OEE should a bottling plant target?").length - 1;
    await waitFor(async () => logged() >= 2 && readFileSync(join(ws.dataDir, "answers.jsonl"), "utf8").includes('"grade":"not_yet"'), 5_000, "the questions and the practice answer in the answer log");
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/report.ts"], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, DATA_DIR: ws.dataDir, KNOWLEDGE_DIR: ws.knowledgeDir, REDIS_URL: "" },
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Questions: \d+/u);
    expect(result.stdout).toMatch(/no_answer \/ not_in_guide/u);
    expect(result.stdout).toMatch(/2 {2}what oee should a bottling plant target\?/u);
    expect(result.stdout).toMatch(/Feedback: \d+ \(👍 \d+, 👎 [1-9]/u);
    expect(await (await fetch(`${running.url}/metrics`)).text()).toMatch(/coach_coaching_steps_total\{mode="quiz",stage="question",surface="web"\} 2/u);
    expect(result.stdout).toMatch(/Coaching steps: 2\n\s+2 {2}quiz \/ question/u);
    expect(result.stdout).toMatch(/Practice sections answered "not yet" most often[^\n]*\n\s+1 {2}.*Safety-critical environments where AI mistakes injure people/u);
  });
});
