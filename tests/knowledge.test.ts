import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKnowledge, parseMarkdown } from "../src/knowledge/markdown.js";
import { Glossary } from "../src/knowledge/glossary.js";
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
