import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKnowledge, parseMarkdown } from "../src/knowledge/markdown.js";
import { Glossary } from "../src/knowledge/glossary.js";
import { AnsweredQuestions } from "../src/knowledge/questions.js";
import { KNOWLEDGE, REPO } from "./helpers.js";

const chunks = loadKnowledge(KNOWLEDGE).flatMap((d) => d.chunks);
const bySection = (title: string) => chunks.find((c) => c.title === title);

describe("knowledge: the guide as Markdown", () => {
  it("gives every chunk its heading path", () => {
    expect(bySection("Predictive maintenance")?.section).toBe("The Core AI Use Cases in Manufacturing › Predictive maintenance");
    expect(bySection("Get OT literate before the interview")?.headingPath).toEqual([
      "Companies Hiring and How to Land Your First Role",
      "How to position yourself for the first role",
      "Get OT literate before the interview",
    ]);
  });

  it("has each use case, constraint, company tier and positioning tactic as its own section", () => {
    const under = (parent: string) => chunks.filter((c) => c.headingPath.at(-2) === parent).map((c) => c.title);
    expect(under("The Core AI Use Cases in Manufacturing")).toHaveLength(6);
    expect(under("Unique Constraints You'll Only Face on the Factory Floor")).toHaveLength(5);
    expect(under("Companies Hiring and How to Land Your First Role")).toHaveLength(3);
    expect(under("How to position yourself for the first role")).toHaveLength(4);
  });

  it("turns the status labels the export glued to the text into metadata", () => {
    expect(bySection("Digital twins")?.metadata.Status).toBe("Scaling");
    expect(bySection("Generative design")?.metadata.Status).toBe("Emerging");
    for (const c of chunks) expect(c.text).not.toMatch(/(Production|Scaling|Emerging)(ML|Cameras|AI|Virtual)/u);
  });

  it("keeps the guide's wording: every sentence of the source is in the knowledge", () => {
    const source = join(REPO, "..", "shared", "guide", "ai-pm-in-manufacturing.txt");
    if (!existsSync(source)) return; // the guide ships beside the repo in this workspace and in CI
    const markdown = readFileSync(join(KNOWLEDGE, "ai-pm-in-manufacturing.md"), "utf8");
    const lines = readFileSync(source, "utf8").split("\n").map((l) => l.replace(/^(Production|Scaling|Emerging)(?=[A-Z])/u, "").trim());
    const missing = lines.filter((l) => l && !["+ Transfers directly", "! Need to build"].includes(l) && !markdown.includes(l));
    expect(missing).toEqual([]);
  });

  it("names a document without front matter by its first heading, else by its file", () => {
    const doc = parseMarkdown("## Career ladder\n\nLevels one to five.", "plant-ai/career-ladder.md");
    expect(doc.title).toBe("Career ladder");
    expect(doc.chunks[0]!.document).toBe("Career ladder");
    expect(parseMarkdown("just text", "plant-ai/job_descriptions.md").title).toBe("job descriptions");
  });

  it("loads the glossary and expands acronyms, plurals included", () => {
    const glossary = Glossary.fromFile(join(KNOWLEDGE, "glossary.json"));
    expect(glossary.expansionsFor("PdM vendors?")).toContain("predictive maintenance");
    expect(glossary.expansionsFor("what do PLCs do")).toContain("Programmable Logic Controllers");
    // "it" the pronoun is not "IT" the department
    expect(glossary.expansionsFor("is it worth it")).not.toContain("information technology");
  });
});

describe("knowledge: the questions the guide answers", () => {
  const chunks = loadKnowledge(KNOWLEDGE).flatMap((d) => d.chunks);
  // Everyday words weigh little, as englishRarity makes them in the coach.
  const weight = (_term: string, word: string) => (["take", "would"].includes(word) ? 0.1 : 1);

  it("binds every entry of knowledge/questions.json to a sentence of its section", () => {
    const questions = AnsweredQuestions.fromFile(join(KNOWLEDGE, "questions.json"), chunks);
    expect(questions.entries.length).toBeGreaterThan(10);
    for (const e of questions.entries) expect(chunks.find((c) => c.id === e.chunkId)!.text).toContain(e.answer);
  });

  it("refuses an entry whose sentence is not in the named section, naming the entry", () => {
    const dir = mkdtempSync(join(tmpdir(), "questions-"));
    const file = join(dir, "questions.json");
    writeFileSync(file, JSON.stringify({ entries: [{ section: "Predictive maintenance", answer: "A sentence the guide never wrote", questions: ["what is it"] }] }));
    expect(() => AnsweredQuestions.fromFile(file, chunks)).toThrow(/entry 1: no section "Predictive maintenance" contains/u);
    rmSync(dir, { recursive: true, force: true });
  });

  it("matches a question by its telling words; one everyday word, or a key word no phrasing has, is not a match", () => {
    const questions = AnsweredQuestions.fromFile(join(KNOWLEDGE, "questions.json"), chunks);
    const salary = questions.match("salary for a senior AI PM in manufacturing?", weight)[0];
    expect(salary && chunks.find((c) => c.id === salary.chunkId)!.text.slice(0, 400)).toMatch(/\$200K-\$320K/u);
    expect(questions.match("how long would that take?", weight)).toEqual([]);
    // The same telling words asked for a different kind of thing: "how long until…" is a duration.
    const kinded = AnsweredQuestions.fromFile(join(KNOWLEDGE, "questions.json"), chunks, (q) => (/^how long\b/u.test(q) ? "duration" : null));
    expect(kinded.match("what are PLC and SCADA systems", weight, 0.3, null)[0]?.answer).toMatch(/^Factory floor equipment/u);
    // Words nearly every phrasing uses ("manufacturing", "AI", "PM") are not three shared words.
    const everyday = (_term: string, word: string) => (["get", "manufacturing", "ai", "pm"].includes(word) ? 0.1 : 1);
    expect(questions.match("how do I get into manufacturing AI PM", everyday, 0.5)).toEqual([]);
    const unknownKeyWord = questions.match("what salary does a quantum chemist earn on mars", (t) => (["quantum", "chemist", "mar"].includes(t) ? 5 : 1));
    expect(unknownKeyWord.filter((m) => m.score >= 0.6)).toEqual([]);
  });
});
