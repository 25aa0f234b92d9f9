import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ConfigInvalidError, asCoachError, IndexCorruptError } from "../src/errors.js";

describe("config", () => {
  it("has working defaults with an empty environment", () => {
    const c = loadConfig({}, "/srv/coach");
    expect(c).toMatchObject({ port: 3978, logLevel: "info", dataDir: "/srv/coach/data", knowledgeDir: "/srv/coach/knowledge", llmProvider: "none", embeddings: "local" });
  });

  it("names every bad variable in one error and says how to fix it", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "99999", LOG_LEVEL: "chatty", LLM_PROVIDER: "openai", MAX_INPUT_CHARS: "-1" }); // openai without a key
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigInvalidError);
    const problems = (error as ConfigInvalidError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/PORT="99999" must be a whole number from 1 to 65535/u);
    expect(problems.join("\n")).toMatch(/Missing credentials: set OPENAI_API_KEY/u);
  });
});

describe("errors", () => {
  it("wraps unknown throwables and keeps coach errors as they are", () => {
    const wrapped = asCoachError(new TypeError("boom"));
    expect(wrapped.code).toBe("coach_unknown");
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(asCoachError("a string").message).toBe("a string");
    const own = new IndexCorruptError("bad");
    expect(asCoachError(own)).toBe(own);
    expect(own.code).toBe("coach_index_corrupt");
  });
});
