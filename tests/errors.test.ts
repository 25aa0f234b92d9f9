import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { classifyModelError, LangChainChatModel } from "../src/llm/openai-chat.js";
import { readJsonl } from "../src/state/feedback.js";
import { REPO } from "./helpers.js";

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("one error model", () => {
  it("classifies model failures by the openai client's error classes, not by their wording", () => {
    const status = (code: number) => APIError.generate(code, { message: "refused" }, "refused", new Headers());
    expect(classifyModelError(status(429)).failure).toBe("rate_limited");
    expect(classifyModelError(status(401)).failure).toBe("unauthorized");
    expect(classifyModelError(status(403)).failure).toBe("unauthorized");
    expect(classifyModelError(status(503)).failure).toBe("server_error");
    expect(classifyModelError(status(400)).failure).toBe("client_error");
    expect(classifyModelError(new APIConnectionError({ message: "Connection error." })).failure).toBe("network");
    expect(classifyModelError(new APIConnectionTimeoutError()).failure).toBe("timeout");
    // LangChain re-throws the client's timeout as a plain Error named TimeoutError.
    expect(classifyModelError(Object.assign(new Error("Request timed out."), { name: "TimeoutError" })).failure).toBe("timeout");
    // Words that once decided the class no longer do: only the type counts.
    expect(classifyModelError(new Error("socket ECONNREFUSED, fetch failed, timed out")).failure).toBe("bad_response");
    expect(classifyModelError(status(429)).retryable).toBe(true);
    expect(classifyModelError(status(401)).retryable).toBe(false);
  });

  it("a model server that is not there is a network failure, through the real LangChain client", async () => {
    const port = await closedPort();
    const config = loadConfig({ DATA_DIR: tmpdir(), LLM_PROVIDER: "openai", OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_MODEL: "m" }, REPO);
    const error = await new LangChainChatModel(config).complete([{ role: "user", content: "hi" }]).catch((e: unknown) => e);
    expect(classifyModelError(error).failure).toBe("network");
  });

  it("readJsonl keeps the good lines and reports the bad ones with their numbers", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "jsonl-")), "log.jsonl");
    writeFileSync(path, `{"a":1}\n{"a":2\n\n{"a":3}\n{"a":`);
    const contents = await readJsonl<{ a: number }>(path);
    expect(contents.records.map((r) => r.a)).toEqual([1, 3]);
    expect(contents.badLines).toEqual([
      { path, line: 2 },
      { path, line: 5 },
    ]);
    expect(await readJsonl(join(path, "..", "absent.jsonl"))).toEqual({ records: [], badLines: [] });
  });

  it("every coach_* code a log line carries comes from src/errors.ts", () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(REPO, dir)).flatMap((name) => {
        const path = join(dir, name);
        if (statSync(join(REPO, path)).isDirectory()) return name === "node_modules" || name === "playground" ? [] : sources(path);
        return name.endsWith(".ts") ? [path] : [];
      });
    const literal = /code: "coach_[a-z_]+"/u;
    const offenders = ["src", "adapters", "server", "scripts", "evals", "bench"].flatMap(sources).filter((f) => f !== join("src", "errors.ts") && literal.test(readFileSync(join(REPO, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
