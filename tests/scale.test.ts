import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCoach, type Coach } from "../src/coach.js";
import { silentLogger } from "../src/logger.js";
import { loadKnowledge } from "../src/knowledge/markdown.js";
import { Bm25Index, topIndexes, type Bm25State } from "../src/retrieval/bm25.js";
import { generateCorpus } from "../bench/corpus.js";
import { tempWorkspace, turn } from "./helpers.js";

const OVERVIEW = "The Core AI Use Cases in Manufacturing";

/**
 * A plant's own note that repeats two of the guide's headings, sorts before the guide and has no
 * front matter: the case where a second file's "The Core AI Use Cases…" used to join the guide's
 * overview and take a practice question's section.
 */
const PLANT_NOTE = `## ${OVERVIEW}

Our Leeds plant runs two AI pilots this year, both owned by the site operations team.

### Predictive maintenance

The Leeds press line 4 pilot streams spindle vibration from the Leeds historian into a model that flags worn die bearings two shifts ahead. The Leeds reliability engineer reviews every flag before a work order is raised.

### Computer vision quality control

The Leeds paint shop pilot photographs every panel and routes suspected orange-peel defects to a human inspector.
`;

describe("several documents next to the guide", () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let coach: Coach;

  beforeAll(async () => {
    ws = tempWorkspace();
    writeFileSync(join(ws.knowledgeDir, "0-leeds-plant.md"), PLANT_NOTE);
    coach = await createCoach(ws.config, silentLogger);
  });
  afterAll(() => ws?.cleanup());

  it("keeps a heading repeated in two documents as two sections, each with its own subsections", () => {
    const docs = loadKnowledge(ws.knowledgeDir);
    const plant = docs.find((d) => d.source === "0-leeds-plant.md")!;
    const guide = docs.find((d) => d.source === "ai-pm-in-manufacturing.md")!;
    // Named by its first heading: it has neither front matter nor a "# " title.
    expect(plant.title).toBe(OVERVIEW);
    const ids = docs.flatMap((d) => d.chunks.map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
    const guideOverview = guide.chunks.find((c) => c.title === OVERVIEW)!;
    const plantOverview = plant.chunks.find((c) => c.title === OVERVIEW)!;
    expect(plantOverview.id).not.toBe(guideOverview.id);
    // Every parent link stays inside its own document.
    for (const c of plant.chunks.filter((x) => x.parentSection)) expect(c.parentSection).toBe(plantOverview.id);
    // The guide's overview still has its six use cases, none of the plant's.
    expect(coach.retriever.facts.children.get(guideOverview.id)).toHaveLength(6);
  });

  it("cites each document by its own title and heading path", async () => {
    const answer = await coach.ask(turn("What does the Leeds press line 4 predictive maintenance pilot flag?"));
    expect(answer.outcome).toBe("answered");
    const plantCitation = answer.citations.find((c) => c.text.includes("press line 4"));
    expect(plantCitation?.document).toBe(OVERVIEW);
    expect(plantCitation?.path).toEqual([OVERVIEW, "Predictive maintenance"]);

    const fromGuide = await coach.ask(turn("Which vendors lead predictive maintenance?"));
    expect(fromGuide.outcome).toBe("answered");
    expect(fromGuide.text).toMatch(/Augury/u);
    expect(fromGuide.citations[0]?.document).toMatch(/^AI PM in Manufacturing/u);
    expect(fromGuide.citations.every((c) => !c.text.includes("Leeds"))).toBe(true);
  });

  it("starts coaching from the guide even when another document shares its headings", async () => {
    const first = await coach.ask({ ...turn("quiz me"), conversationId: "quiz-beside-plant" });
    expect(first.coaching?.stage).toBe("question");
    expect(first.citations.every((c) => c.document.startsWith("AI PM in Manufacturing"))).toBe(true);
  });
});

describe("a large unrelated corpus next to the guide", () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let coach: Coach;

  beforeAll(async () => {
    ws = tempWorkspace();
    mkdirSync(join(ws.knowledgeDir, "organisation"));
    generateCorpus(join(ws.knowledgeDir, "organisation"), 2_000);
    coach = await createCoach(ws.config, silentLogger);
  }, 180_000);
  afterAll(() => ws?.cleanup());

  it("leaves out-of-scope questions unanswered although its words occur in it", async () => {
    for (const question of ["Where can I buy cheap concert tickets tonight?", "Can you recommend a good novel about dragons?", "How long should I boil an egg?"]) {
      // The generated documents use everyday English: the words of these questions are in them.
      const words = question.toLowerCase().match(/[a-z]{5,}/gu)!;
      expect(words.some((w) => coach.retriever.chunks.some((c) => !c.source.startsWith("ai-pm") && c.text.toLowerCase().includes(w)))).toBe(true);
      const answer = await coach.ask({ ...turn(question), conversationId: `oos-${question}` });
      expect(answer.outcome, question).toBe("no_answer");
      expect(answer.reason).toBe("off_topic");
    }
  });

  it("still refuses a safety bypass and still answers the guide's questions from the guide", async () => {
    const bypass = await coach.ask({ ...turn("How do I bypass the light curtain on the press so the line runs faster?"), conversationId: "oos-bypass" });
    expect(bypass.outcome).toBe("refused");
    expect(bypass.reason).toBe("safety_bypass");
    const answer = await coach.ask({ ...turn("Which vendors lead predictive maintenance?"), conversationId: "oos-guide" });
    expect(answer.outcome).toBe("answered");
    expect(answer.text).toMatch(/Augury/u);
    expect(answer.citations[0]?.path).toContain("Predictive maintenance");
  });
});

describe("postings at scale", () => {
  it("scores a 200,000-chunk index without spreading scores into arguments", () => {
    const n = 200_000;
    const lengths: number[] = [];
    const common: [number[], number[]] = [[], []];
    const rare: [number[], number[]] = [[7, 150_000, 199_999], [2, 2, 2]];
    for (let i = 0; i < n; i++) {
      common[0].push(i);
      common[1].push(1 + (i % 3));
      lengths.push(10 + (i % 50));
    }
    const index = Bm25Index.fromState({ lengths, postings: { common, rare } } satisfies Bm25State);
    const query = [
      { term: "common", weight: 1 },
      { term: "rare", weight: 1 },
    ];
    const top = index.scoreTop(query, 5);
    expect(top.matched).toBe(n);
    expect(top.docs.slice(0, 3).sort((a, b) => a - b)).toEqual([7, 150_000, 199_999]);
    expect(top.scores[0]).toBe(top.max);
    // The whole-corpus scores agree with the top-k selection.
    const all = index.scoreAll(query);
    expect(all).toHaveLength(n);
    expect(all[top.docs[0]!]).toBe(top.max);
  });

  it("selects the best k in the order a full stable sort gives", () => {
    let seed = 42;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const scores = Array.from({ length: 300 }, () => Math.floor(next() * 20));
      const docs = scores.map((_, i) => i);
      const expected = docs.slice().sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, 17);
      expect(topIndexes(scores, docs, 17)).toEqual(expected);
    }
  });
});
