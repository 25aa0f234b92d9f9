import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Coach } from "../src/coach.js";
import type { Answer, HistoryMessage, Turn } from "../src/types.js";
import { testCoach } from "./helpers.js";
import { memoryOf, resolveReference } from "../src/compose/references.js";

/**
 * Answers that answer the question: each kind of question gets its own shape, and the first
 * sentence says the thing asked. Questions here are written for these tests, not taken from the
 * eval sets (a test in evals.test.ts keeps eval questions out of the code).
 */

let coach: Coach;
let cleanup: () => void;
beforeAll(async () => {
  ({ coach, cleanup } = await testCoach());
});
afterAll(() => cleanup());

let conversation = 0;
/** A fresh conversation per question, unless a test carries one on. */
function ask(text: string, history: HistoryMessage[] = [], conversationId = `answers-${++conversation}`): Promise<Answer> {
  const turn: Turn = { text, history, user: { id: "answers-test", platform: "cli" }, conversationId };
  return coach.ask(turn);
}

/** The answer's opening as a person reads it: its first two sentences, labels included. */
function opening(a: Answer): string {
  return a.parts
    .map((p) => (p.label ? `${p.label}: ${p.text}` : p.text))
    .join(" ")
    .split(/(?<=[.!?])\s+/u)
    .slice(0, 2)
    .join(" ");
}

/** A conversation as a chat surface runs it: each answer joins the history the next turn carries. */
async function chat(...turns: string[]): Promise<Answer[]> {
  const id = `answers-chat-${++conversation}`;
  const history: HistoryMessage[] = [];
  const answers: Answer[] = [];
  for (const text of turns) {
    const a = await ask(text, [...history], id);
    answers.push(a);
    history.push({ role: "user", content: text }, { role: "assistant", content: a.text });
  }
  return answers;
}

describe("question types", () => {
  it("how much: the figure first, with what it measures", async () => {
    const a = await ask("roughly what salary can a senior AI product manager expect in this field?");
    expect(a.outcome).toBe("answered");
    expect(opening(a)).toMatch(/\$200K-\$320K/u);
  });

  it("how long: the duration first", async () => {
    const a = await ask("how long would it take me to become fluent in OT basics?");
    expect(opening(a)).toMatch(/40-60 hours/u);
  });

  it("a list of a whole: every item, in the guide's order", async () => {
    const a = await ask("what are the main AI applications factories run today?");
    const items = a.parts.filter((p) => p.kind === "item").map((p) => p.label);
    expect(items).toEqual(["Predictive maintenance", "Computer vision quality control", "Supply chain and demand forecasting", "Digital twins", "Generative design", "Energy optimization"]);
    // Status reads as words, not as raw metadata.
    expect(a.text).not.toMatch(/\(status:/u);
    expect(a.parts.find((p) => p.label === "Generative design")!.text).toMatch(/^Emerging\./u);
  });

  it("which ones are in production: the groups, from the sections' status lines", async () => {
    const a = await ask("which of the factory AI applications are already in production?");
    expect(a.parts[0]!.label).toBe("In production");
    expect(a.parts[0]!.text).toMatch(/Predictive maintenance.*Energy optimization/u);
    expect(a.parts.map((p) => p.label)).toEqual(["In production", "Scaling", "Emerging"]);
  });

  it("who: the names first", async () => {
    const a = await ask("who offers digital twin platforms?");
    expect(opening(a)).toMatch(/Siemens/u);
    expect(opening(a)).toMatch(/PTC/u);
  });

  it("compare X or Y: both sides, each named, and the sentence that weighs them first", async () => {
    const a = await ask("Emerson or Augury for someone who wants a fast learning curve?");
    expect(a.outcome).toBe("answered");
    const labels = a.parts.map((p) => p.label ?? "").join(" | ");
    expect(labels).toMatch(/Emerson/u);
    expect(labels).toMatch(/Augury/u);
    expect(a.citations.map((c) => c.title)).toEqual(expect.arrayContaining(["Industrial giants with software product divisions", "Pure-play industrial AI vendors"]));
  });

  it("yes/no: the verdict first, and 'not yet' from a status", async () => {
    const gen = await ask("has generative design reached production yet?");
    expect(gen.parts[0]!.label).toBe("Not yet");
    expect(gen.parts[0]!.text).toMatch(/emerging/u);
    const pay = await ask("do the industrial giants pay less than the pure-play vendors?");
    expect(pay.parts[0]!.label).toMatch(/^Yes/u);
    expect(pay.parts[0]!.text).toMatch(/lower than pure-play/u);
    const flipped = await ask("do the pure-play vendors pay less than the industrial giants?");
    expect(flipped.parts[0]!.label).toMatch(/^No/u);
  });

  it("how do I get in: the guide's steps, in its order", async () => {
    const a = await ask("how can I break into AI product management in manufacturing?");
    const steps = a.parts.map((p) => p.label).filter(Boolean);
    expect(steps).toEqual(["Build a domain-signal portfolio project", "Get OT literate before the interview", "Use the analyst-to-PM track at industrial AI vendors", "Leverage existing manufacturing employer relationships"]);
  });

  it("a personal situation: the path that fits the person first", async () => {
    const inside = await ask("I'm a reliability engineer at a paper mill. How would I get into an AI PM role?");
    expect(opening(inside)).toMatch(/internal AI PM role on an adjacent team/u);
    const analyst = await ask("I'm a data analyst at an industrial AI software company, no product title yet. What path into PM fits me?");
    expect(opening(analyst)).toMatch(/business analysts or solution engineers without PM titles/u);
  });

  it("partial coverage: says what the guide does not cover, then what it says about the name asked", async () => {
    const a = await ask("What stock options does Augury give new product managers?");
    expect(a.outcome).toBe("no_answer");
    expect(a.parts[0]!.text).toMatch(/doesn't answer that, so I won't guess. What it does say about Augury/u);
    expect(a.text).toMatch(/Augury/u);
    expect(a.citations.length).toBeGreaterThan(0);
  });

  it("a company the guide names is not off-topic", async () => {
    for (const q of ["Is Rockwell Automation a big employer of AI PMs?", "what is Cognite?"]) {
      const a = await ask(q);
      expect(a.outcome, q).toBe("answered");
    }
  });

  it("nothing unrelated is appended: a summary section never trails another answer", async () => {
    const a = await ask("what does a twin of a production line let engineers do?");
    expect(a.citations.map((c) => c.title)).not.toContain("TL;DR");
  });
});

describe("questions in people's words, not the guide's", () => {
  it("finds the sentence people mean by a word the guide does not use", async () => {
    const a = await ask("Which KPIs should my factory AI product report on?");
    expect(a.outcome).toBe("answered");
    expect(opening(a)).toMatch(/success metrics.*leading indicators/u);
  });

  it("answers how long a move takes with the move's duration, not another duration the guide gives", async () => {
    const a = await ask("How long until I can move from analyst into a PM role?");
    expect(opening(a)).toMatch(/12-18 months/u);
    expect(a.text).not.toMatch(/12-24 months/u);
  });

  it("a person who never worked in a plant gets the route from outside, not the internal transfer", async () => {
    const a = await ask("I'm a backend dev and have never set foot in a plant. How would I get into this field?");
    expect(a.outcome).toBe("answered");
    expect(opening(a)).not.toMatch(/internal AI PM role/u);
    expect(opening(a)).toMatch(/business analysts or solution engineers|achievable/u);
  });
});

describe("a phrasing that shares only a topic's name is not what was asked", () => {
  it("'what is <use case>?' is answered from that use case, not from a sentence elsewhere that names it", async () => {
    const a = await ask("Can you explain predictive maintenance to me?");
    expect(a.citations[0]!.title).toBe("Predictive maintenance");
    expect(a.parts[0]!.text).toMatch(/predict equipment failure/u);
  });

  it("'which companies are …vendors?' leads with the names, not with a sentence about that tier's risks", async () => {
    const a = await ask("which companies are considered pure-play industrial AI vendors?");
    expect(a.parts[0]!.text).toMatch(/C3\.ai, Sight Machine/u);
  });

  it("markup around a question is not part of it", async () => {
    const a = await ask("<p>What is <i>predictive maintenance</i>?</p>");
    expect(a.parts[0]!.text).toMatch(/predict equipment failure/u);
  });
});

describe("two use cases' statuses weighed against each other", () => {
  it("'is X as widely used as Y?' gets the verdict and both statuses, said as sentences", async () => {
    const a = await ask("Is generative design used in factories as broadly as predictive maintenance is?");
    expect(a.parts[0]!.label).toBe("Not yet");
    expect(a.parts[0]!.text).toMatch(/^Generative design is emerging; predictive maintenance is in production\./u);
    expect(a.text).not.toMatch(/status:/iu);
  });

  it("'is X more mature than Y?' says which way they differ, with the verb a plural heading takes", async () => {
    const a = await ask("Are digital twins more mature than computer vision quality control?");
    expect(a.parts[0]!.label).toBe("No");
    expect(a.parts[0]!.text).toMatch(/Digital twins are scaling; computer vision quality control is in production/u);
  });
});

describe("how to learn the OT side", () => {
  it("'fastest way to get OT literate? books, videos?' gives the ways and the hours, in the guide's order", async () => {
    const a = await ask("quickest route to becoming OT literate - books, videos, anything?");
    expect(a.parts[0]!.label).toBe("The fastest path to OT literacy");
    expect(a.text).toMatch(/ISA-95/u);
    expect(a.text).toMatch(/YouTube channels/u);
    expect(a.text).toMatch(/40-60 hours/u);
  });
});

describe("comparisons in other words", () => {
  it("'how is being a PM on X different from Y?' gives both use cases, each named", async () => {
    const a = await ask("How is product work on energy optimization different from product work on supply chain forecasting?");
    const labels = a.parts.map((p) => p.label ?? "").join(" | ");
    expect(labels).toMatch(/Energy optimization/u);
    expect(labels).toMatch(/Supply chain and demand forecasting/u);
  });

  it("'is a digital twin the same as …? how do they differ' reads the second question without its '?' and the singular name", async () => {
    const a = await ask("is a digital twin basically the same as energy optimization? how do they differ");
    const labels = a.parts.map((p) => p.label ?? "").join(" | ");
    expect(labels).toMatch(/Digital twins/u);
    expect(labels).toMatch(/Energy optimization/u);
  });

  it("'are there as many … as …?' is not a 'Yes' above a sentence that says 'a fraction of'", async () => {
    const a = await ask("Does manufacturing have as many AI PM job postings as SaaS does?");
    expect(a.parts[0]!.label).toBe("No");
    expect(a.text).toMatch(/a fraction of those/u);
  });
});

describe("a lead that leans on its heading", () => {
  it("'AI PM roles here…' or 'Used by…' opens with the heading it leans on", async () => {
    const a = await ask("who uses generative design?");
    expect(a.parts[0]!.label).toBe("Generative design");
    expect(a.parts[0]!.text).toMatch(/^Used by Airbus/u);
  });

  it("a sentence with commas under its heading is not remembered as a list of names; a list line is", () => {
    const cite = (id: string, title: string) => ({ id, document: "Guide", title, section: title, path: [title], score: 1, text: "" });
    const sentence = memoryOf([{ kind: "lead", label: "Overview", text: "The market has three tiers: vendors, giants, and clouds.", cites: [0] }], [cite("ov", "Overview")]);
    expect(sentence.names).toBeUndefined();
    const list = memoryOf([{ kind: "lead", label: "Vendors", text: "Acme, Globex, Initech", cites: [0] }], [cite("v", "Vendors")]);
    expect(list.names).toEqual(["Acme", "Globex", "Initech"]);
  });
});

describe("review fixes: rules that must not misfire", () => {
  it("'how fast does X need to be?' is not a question about learning", async () => {
    const a = await ask("how fast does edge inference need to be for real-time inspection?");
    expect(a.text).not.toMatch(/40-60 hours/u);
  });

  it("'is X as widely deployed as Y?' is Yes when X is further along", async () => {
    const a = await ask("Is computer vision quality control as widely deployed as digital twins?");
    expect(a.parts[0]!.label).toBe("Yes");
  });

  it("'do A pay as much as B?' gives no verdict from a sentence about B", async () => {
    const a = await ask("Do pure-play vendors pay as much as industrial giants?");
    expect(a.parts[0]!.label ?? "").not.toBe("No");
  });

  it("what a person plays down is not what they choose for", async () => {
    const a = await ask("Salary isn't the point for me, I want to learn fast. Which kind of company should I target?");
    expect(opening(a)).toMatch(/fastest learning curve/u);
    const b = await ask("I would trade a bit of pay for stability. Where should I apply?");
    expect(opening(b)).toMatch(/stability is higher/u);
  });

  it("'which use case should I target?' from someone in security work is not a choice of employer", async () => {
    const a = await ask("I'm a PM for network security tools at a vendor. Which use case should I target first?");
    expect(opening(a)).not.toMatch(/stability is higher/u);
  });

  it("a choice among the tiers in one question does not bring back the conversation's earlier list", async () => {
    const [, , second] = await chat("what are the main AI use cases in factories?", "among the employer tiers, where is compensation highest?", "tell me about the second one");
    expect(second!.citations[0]!.title).not.toBe("Computer vision quality control");
  });
});

describe("questions about learning the OT side are covered", () => {
  it("'what should I read to pick up OT know-how?' is answered with the guide's resources, not 'not covered'", async () => {
    const a = await ask("which study materials would you point me to for OT know-how?");
    expect(a.outcome).toBe("answered");
    expect(a.text).toMatch(/ISA-95/u);
  });
});

describe("pros and cons", () => {
  it("'X vs Y: pros and cons?' leads with the sentence that weighs one against the other", async () => {
    const a = await ask("Emerson vs Instrumental: pros and cons for a first PM job?");
    expect(a.parts[0]!.text).toMatch(/Compensation is typically lower than pure-play vendors but stability is higher/u);
    expect(a.parts.map((p) => p.label ?? "").join(" | ")).toMatch(/Instrumental, pure-play/u);
  });
});

describe("a comparison that asks about speed or pay is still a comparison", () => {
  it("'Rockwell vs Uptake: pay, stability, how quickly I'd grow?' weighs both tiers, not a study plan", async () => {
    const a = await ask("Rockwell vs Uptake for a first product job: how do they compare on pay, stability and how quickly I'd grow?");
    expect(a.outcome).toBe("answered");
    const labels = a.parts.map((p) => p.label ?? "").join(" | ");
    expect(labels).toMatch(/Rockwell, industrial giants/u);
    expect(labels).toMatch(/Uptake, pure-play/u);
    expect(a.text).toMatch(/Compensation is typically lower than pure-play vendors/u);
    expect(a.text).not.toMatch(/40-60 hours/u);
  });
});

describe("yes/no about a status, and a question after an 'if' clause", () => {
  it("'real yet, or just hype?' gets the status verdict first", async () => {
    const yes = await ask("Is energy optimization real yet, or just hype?");
    expect(yes.parts[0]!.label).toBe("Yes");
    expect(yes.parts[0]!.text).toMatch(/Energy optimization is in production/u);
    const notYet = await ask("is generative design actually real yet or mostly demos?");
    expect(notYet.parts[0]!.label).toBe("Not yet");
  });

  it("no 'Yes' from a sentence that says the thing cannot work", async () => {
    const a = await ask("Can a vision inspection system send its images to a cloud API to make the defect call?");
    expect(a.parts[0]!.label ?? "").not.toMatch(/^Yes/u);
    expect(a.text).toMatch(/latency|edge/u);
  });

  it("'if I land a job…, is it true…?' asks the main clause, not how to land the job", async () => {
    const a = await ask("if I land a job at a vendor, is it true deals take a year or more to close?");
    expect(a.parts.some((p) => p.kind === "item")).toBe(false);
    expect(opening(a)).toMatch(/12-24 months/u);
  });
});

describe("what the guide does not say about", () => {
  it("a place the guide never names: says so, then what the guide does say, cited", async () => {
    const a = await ask("What are typical AI PM salaries in Poland, in zloty?");
    expect(a.outcome).toBe("no_answer");
    expect(a.parts[0]!.text).toMatch(/doesn't say anything about Poland/u);
    expect(a.text).toMatch(/\$200K-\$320K/u);
    expect(a.citations.length).toBeGreaterThan(0);
  });

  it("a field word the guide never covers, as a name of several words, is said as such", async () => {
    const a = await ask("Would a Lean Six Sigma belt help me land an AI PM role at a plant?");
    expect(a.outcome).toBe("no_answer");
    expect(a.parts[0]!.text).toMatch(/doesn't say anything about Lean Six Sigma/u);
  });

  it("capitals in a shouted question are not names", async () => {
    const a = await ask("WHICH COMPANIES ARE PURE-PLAY INDUSTRIAL AI VENDORS");
    expect(a.outcome).toBe("answered");
  });
});

describe("what a person asks about their own move", () => {
  it("a story with a question about interviews is answered with what interviewers check, not a topic from the story", async () => {
    const a = await ask("I spent eight years configuring MES and ERP systems for a brewery group. When I get in front of an interviewer for an AI PM role, what will they probe?");
    expect(a.outcome).toBe("answered");
    expect(opening(a)).toMatch(/hiring managers can quickly identify candidates/u);
    expect(a.text).toMatch(/SCADA and DCS/u);
  });

  it("asked what the guide does not speak to (age), it says so first, then gives the path that fits the person", async () => {
    const a = await ask("I'm 57 and have run a stamping plant for a car maker for two decades. Is my age going to count against me, and what would be my way in?");
    expect(a.parts[0]).toMatchObject({ kind: "note" });
    expect(a.parts[0]!.text).toMatch(/doesn't speak to age/u);
    expect(a.text).toMatch(/internal AI PM role on an adjacent team/u);
  });

  it("asked only what the guide does not speak to, and not about their own move, it names the topic and answers nothing else", async () => {
    const a = await ask("Should I be networking with people on LinkedIn to find these roles?");
    expect(a.outcome).toBe("no_answer");
    expect(a.reason).toBe("not_in_guide");
    expect(a.text).toMatch(/doesn't speak to networking/u);
    expect(a.citations).toEqual([]);
  });

  it("'how long will my switch take?' from a person leads with the step that states a time", async () => {
    const a = await ask("I'm a shipping coordinator at a distribution center. Roughly how long does it take to move from a job like mine into AI product management?");
    expect(opening(a)).toMatch(/12-18 months/u);
  });

  it("an outsider's list of steps says the internal step by who it is for, never 'you already have the domain context'", async () => {
    const a = await ask("I'm a credit-risk modeller at a bank with zero factory time. How should I sell my experience to get an AI PM job in manufacturing?");
    expect(a.text).not.toMatch(/already have the domain context/u);
    expect(a.text).toMatch(/If you're at a large manufacturer/u);
  });

  it("'where do I start?' is answered by the first step, not by a sentence that merely says 'starts'", async () => {
    const a = await ask("I'm wrapping up a master's in industrial statistics and want product work instead of research. Where do I start?");
    expect(a.citations[0]!.title).not.toMatch(/Procurement cycles/u);
    expect(a.citations.map((c) => c.title)).toContain("Build a domain-signal portfolio project");
  });

  it("a remark after the question asks too: '…? the salary side worries me'", async () => {
    const a = await ask("Process engineer at a glass plant for six years. Would my experience carry over into AI product work? the salary side worries me a bit");
    expect(opening(a)).toMatch(/harder to fill/u);
    expect(a.text).toMatch(/\$200K-\$320K/u);
  });

  it("a question about the person's own interview, without a story, is answered with what interviewers check", async () => {
    const a = await ask("Say I reach the final interview round with a robotics firm: which areas will the interviewer dig into?");
    expect(opening(a)).toMatch(/hiring managers can quickly identify candidates/u);
  });

  it("'could I do it inside my current company?' is the internal move", async () => {
    const a = await ask("Could I switch into an AI PM role inside my current company rather than applying elsewhere?");
    expect(opening(a)).toMatch(/internal AI PM role on an adjacent team/u);
  });

  it("a number the guide does not give is said to be missing, with what it says nearby", async () => {
    const a = await ask("How many weeks of sensor history does a vision inspection model need before it is trusted?");
    expect(a.outcome).toBe("no_answer");
    expect(a.parts[0]!.text).toMatch(/gives no figure/u);
    expect(a.citations.length).toBeGreaterThan(0);
  });

  it("a question the guide cannot answer names what it does not speak to, even beside a number it could give", async () => {
    const a = await ask("my family keeps me in a small town far from any plant. could I work remotely in this job, and how long would my switch take?");
    expect(a.text).toMatch(/doesn't speak to remote work/u);
  });

  it("asked what the guide does not speak to but has help nearby for (a résumé), it says so, then gives that help, cited", async () => {
    const a = await ask("Which achievements should my resume highlight when I apply for AI PM jobs at industrial companies?");
    expect(a.outcome).toBe("no_answer");
    expect(a.parts[0]!.text).toMatch(/doesn't speak to résumés/u);
    expect(a.parts.filter((p) => p.kind === "item").map((p) => p.label)).toContain("Build a domain-signal portfolio project");
    expect(a.citations.length).toBeGreaterThanOrEqual(4);
  });

  it("the words of an ask inside an ordinary question about the field do not make it one", async () => {
    for (const q of [
      "Does the age of my machines matter for predictive maintenance?",
      "Should my team build the vision model internally or buy one?",
      "How do I improve my CV model's false reject rate on the line?",
      "I'm a reliability engineer. Does predictive maintenance pay off for my plant?",
      "Do I need to read PLC code to integrate a historian?",
    ]) {
      const a = await ask(q);
      expect(a.text, q).not.toMatch(/doesn't speak to/u);
      expect(a.text, q).not.toMatch(/\$200K-\$320K/u);
    }
  });

  it("'CV' in a question about vision systems is computer vision, not a résumé", async () => {
    const a = await ask("As the PM of a CV inspection product, which problems will I hit first?");
    expect(a.outcome).toBe("answered");
    expect(a.text).toMatch(/class imbalance/u);
    expect(a.text).not.toMatch(/résumé/u);
  });
});

describe("comparing two employers", () => {
  it("'a predictive maintenance startup' is a startup (a pure-play vendor), not the predictive maintenance use case", async () => {
    const a = await ask("Should my first PM job be at Rockwell or at a predictive maintenance startup?");
    const titles = a.citations.map((c) => c.title);
    expect(titles).toContain("Pure-play industrial AI vendors");
    expect(titles).not.toContain("Predictive maintenance");
  });

  it("pros and cons give each side its upside and its catch", async () => {
    const a = await ask("Pros and cons of Uptake versus ABB for my first product role?");
    expect(a.text).toMatch(/fastest learning curve/u);
    expect(a.text).toMatch(/seed-to-series-C risk/u);
    expect(a.text).toMatch(/stability is higher/u);
  });
});

describe("lists of a section's members, and choosing among them", () => {
  it("'what are the big X that…' lists the whole family in the guide's order", async () => {
    const a = await ask("What are the big constraints a factory imposes on AI products?");
    const labels = a.parts.filter((p) => p.kind === "item").map((p) => p.label ?? "");
    expect(labels.length).toBe(5);
    expect(labels[0]).toMatch(/^OT\/IT convergence/u);
    expect(labels[4]).toMatch(/^Procurement cycles/u);
  });

  it("'which of those slows things down most?' picks the item whose section states the longest time, and leads with that time", async () => {
    const [, pick] = await chat("What are the big constraints a factory imposes on AI products?", "Which of those would delay a launch the longest?");
    expect(pick!.parts[0]!.label).toMatch(/^Procurement cycles/u);
    expect(opening(pick!)).toMatch(/12-24 months/u);
  });

  it("'which of those slows a launch the least?' does not pick the slowest", async () => {
    const [, pick] = await chat("What are the big constraints a factory imposes on AI products?", "Which of those slows a launch the least?");
    expect(pick!.parts[0]!.label ?? "").not.toMatch(/^Procurement cycles/u);
  });

  it("'the second one' followed by more words ('…in an interview') still counts in the last list", async () => {
    const [, second] = await chat("What are the big constraints a factory imposes on AI products?", "Give me talking points on the second one in my next screening call");
    expect(second!.citations[0]!.title).toMatch(/^Edge vs\. cloud/u);
  });

  it("a heading that starts with an acronym keeps its capitals inside a sentence", async () => {
    const a = await ask("Should I take an ML certificate or just build projects?");
    expect(a.text).not.toMatch(/\boT\/IT\b/u);
  });
});

describe("a person's own path", () => {
  it("a story full of words the guide never uses does not hide a question it answers", async () => {
    const a = await ask("Former Navy electrician, ten years aboard destroyers and submarines. I think camera-based inspection would suit me. What makes that hard for a PM?");
    expect(a.outcome).toBe("answered");
    expect(a.text).toMatch(/class imbalance/u);
  });

  it("'what should I study first?' from someone without the OT layer leads with the OT step", async () => {
    const a = await ask("Data scientist at a bank, never touched PLCs or SCADA. What should I study first to pivot into industrial AI PM?");
    expect(a.parts[0]!.label).toMatch(/OT litera/u);
  });

  it("'what must I learn and how long?' from an outsider: the study budget first, then what to learn, and no list of vendors", async () => {
    const a = await ask("I run product for a fintech app and have never been inside a plant. What would I have to learn, and how many hours is that?");
    expect(opening(a)).toMatch(/40-60 hours/u);
    expect(a.text).toMatch(/PLC/u);
    expect(a.text).not.toMatch(/Sight Machine/u);
  });

  it("'how long and where do I learn it?' gives the time and the places to learn, not the step's reasons", async () => {
    const a = await ask("I'm a web PM and plant systems are new to me. How long until I'm fluent, and where can I study it?");
    expect(opening(a)).toMatch(/40-60 hours/u);
    expect(a.text).toMatch(/ISA-95/u);
    expect(a.text).toMatch(/PTC University/u);
    expect(a.text).not.toMatch(/hiring managers can quickly identify/u);
  });

  it("a person who names one of the steps in their story gets that step, not their path", async () => {
    const a = await ask("I'm finishing a statistics degree and I'd like a portfolio project for factory AI roles. What should it be, and how do I show it?");
    expect(a.parts[0]!.label).toMatch(/portfolio project/u);
    expect(a.text).toMatch(/NASA Bearing/u);
    expect(a.text).toMatch(/frames the project as a PM/u);
  });

  it("the employer named inside the question ('the plant where I work') makes the person an insider", async () => {
    const a = await ask("How can I land an AI product role at the plant where I work?");
    expect(opening(a)).toMatch(/internal AI PM role/u);
  });

  it("what matters most to the person (pay, stability, learning) picks the employer section that speaks to it", async () => {
    const pay = await ask("I lead product at an e-commerce firm. The salary is what I care about most. Which kind of employer in this space should I aim for?");
    expect(opening(pay)).toMatch(/compensation is highest/u);
    const stable = await ask("I'm an operations analyst with a family to support, so job security comes first for me. Where should I apply?");
    expect(opening(stable)).toMatch(/stability is higher/u);
    const learning = await ask("I'm a consultant and I want the steepest learning curve I can find. Which type of company should I target?");
    expect(opening(learning)).toMatch(/fastest learning curve/u);
    // It answers the choice; the steps into the role are another question.
    expect(learning.parts.filter((p) => p.kind === "item")).toHaveLength(0);
  });

  it("a person whose question is about one part of the guide gets that part, not the ways into the role", async () => {
    const a = await ask("Interaction designer, eight years on banking apps. How does designing for workers on a production line differ?");
    expect(a.citations[0]!.title).toBe("Factory floor UX: workers in PPE don't use MacBooks");
    expect(a.text).toMatch(/gloves/u);
    expect(a.parts.filter((p) => p.kind === "item")).toHaveLength(0);
  });

  it("'where's a good place to start?' from a person is about the move", async () => {
    const a = await ask("Instrument technician at a paper mill for a decade, keen on AI product work. Where's a good place to start?");
    expect(opening(a)).toMatch(/internal AI PM role/u);
  });

  it("'what could I build?' asks for the step whose heading starts with that verb", async () => {
    const a = await ask("Second-year chemistry grad, no internships so far. What could I build over the summer that would impress a manufacturing AI hiring manager?");
    expect(a.parts[0]!.label).toMatch(/portfolio project/u);
    expect(a.text).toMatch(/NASA Bearing/u);
  });

  it("'what should I build?' after a story about the person is about the portfolio step, even when the story names employers", async () => {
    const a = await ask("Operations analyst at a shipping firm, decent at SQL. I'd like industrial AI vendors to take me seriously. What should I build?");
    expect(a.parts[0]!.label).toMatch(/portfolio project/u);
  });

  it("a company is a manufacturer when its industry says so: a packaging company, not a software company", async () => {
    const inside = await ask("I'm a quality analyst at a packaging company. What's my best route into AI product management?");
    expect(opening(inside)).toMatch(/internal AI PM role/u);
    const outside = await ask("I'm a backend engineer at a software company. What's my best route into AI product management?");
    expect(opening(outside)).not.toMatch(/internal AI PM role/u);
  });

  it("a product manager at a company the guide lists among the industrial giants moves from inside", async () => {
    const a = await ask("Product manager for motors at Emerson here. How do I become an AI PM without quitting?");
    expect(opening(a)).toMatch(/internal AI PM role/u);
  });

  it("someone who programs PLCs at a plant gets the internal path first and no 'get OT literate' step", async () => {
    const a = await ask("I've programmed PLCs at a bottling plant for six years. How should I go about becoming an AI PM?");
    expect(opening(a)).toMatch(/internal AI PM role/u);
    expect(a.parts.map((p) => p.label ?? "")).not.toContain("Get OT literate before the interview");
  });
});

describe("follow-ups that follow", () => {
  it("an ordinal picks from the last list", async () => {
    const [, second, last] = await chat("what are the main AI applications factories run today?", "and the second one?", "what about the last one?");
    expect(second!.citations[0]!.title).toBe("Computer vision quality control");
    expect(last!.citations[0]!.title).toBe("Energy optimization");
  });

  it("an ordinal over the guide's steps counts the step that leads the answer", async () => {
    const [steps, third] = await chat("what are the key steps for getting into AI product management in manufacturing?", "ok, and the third one?");
    expect(steps!.parts.filter((p) => p.label).length).toBe(4);
    expect(third!.citations[0]!.title).toBe("Use the analyst-to-PM track at industrial AI vendors");
  });

  it("'which of those … most?' picks the item of the last list whose section says it, named first, and the list stays", async () => {
    const [, pay, learning, stable] = await chat("how many employer tiers are there for AI PMs in manufacturing, and what are they?", "which of them pays best?", "and which one has the fastest learning curve?", "which of those is the most stable?");
    expect(pay!.parts[0]!.label).toBe("Cloud hyperscalers with manufacturing verticals");
    expect(opening(pay!)).toMatch(/compensation is highest/u);
    expect(learning!.parts[0]!.label).toBe("Pure-play industrial AI vendors");
    expect(stable!.parts[0]!.label).toBe("Industrial giants with software product divisions");
  });

  it("a choice among the tiers asked in one question ('which tier pays least?') is answered by that tier", async () => {
    const least = await ask("Of the three employer tiers, which one pays the least?");
    expect(least.parts[0]!.label).toBe("Industrial giants with software product divisions");
    const most = await ask("among the employer tiers, where is compensation highest?");
    expect(most.parts[0]!.label).toBe("Cloud hyperscalers with manufacturing verticals");
  });

  it("'who's in the second tier?' counts in the last list: the noun names the list, it asks nothing new", async () => {
    const [, second] = await chat("what kinds of organisations hire AI product managers in manufacturing?", "and who is in the second tier?");
    expect(second!.citations[0]!.title).toBe("Industrial giants with software product divisions");
    expect(opening(second!)).toMatch(/Siemens Digital Industries/u);
  });

  it("an ordinal over a list of names picks the name", async () => {
    const [, second] = await chat("which companies are the cloud hyperscalers with manufacturing verticals?", "what does the second one offer?");
    expect(opening(second!)).toMatch(/AWS \(IoT Greengrass, SageMaker industrial\)/u);
  });

  it("pronouns and 'there' stay on the topic", async () => {
    const [, who, hard] = await chat("tell me about energy optimization", "who benefits from it?", "what are the PM challenges there?");
    expect(who!.citations[0]!.title).toBe("Energy optimization");
    expect(opening(hard!)).toMatch(/production schedule constraints/u);
  });

  it("a topic switch starts fresh", async () => {
    const [, switched] = await chat("tell me about digital twins", "forget that — what is predictive maintenance?");
    expect(switched!.citations[0]!.title).toBe("Predictive maintenance");
    expect(switched!.text).not.toMatch(/Virtual replicas/u);
  });

  it("a new question that names its own topic is not read as a follow-up", async () => {
    const [, other] = await chat("tell me about digital twins", "Name the hyperscalers that have manufacturing verticals");
    expect(other!.text).toMatch(/Microsoft/u);
    expect(other!.citations[0]!.title).not.toBe("Digital twins");
  });

  it("a switch phrase is a whole word: 'Dropping…' and 'Skipping…' begin questions, they do not change the subject", () => {
    const history = [{ role: "user" as const, content: "tell me about digital twins" }];
    for (const q of ["Dropping out of a PhD, can I become an AI PM?", "Skipping the MBA, is that a problem?"]) {
      const r = resolveReference(q, history, null, coach.retriever.facts, coach.retriever.chunks);
      expect(r.text).toBe(q);
      expect(r.switched).toBe(false);
    }
    const switched = resolveReference("ok, drop it. what is predictive maintenance?", history, null, coach.retriever.facts, coach.retriever.chunks);
    expect(switched).toMatchObject({ text: "what is predictive maintenance?", switched: true });
  });

  it("remembers the list across replicas through the history alone", async () => {
    const first = await ask("what are the main AI applications factories run today?");
    // Another conversation id (another replica, no shared memory): only the history carries the list.
    const next = await ask("and the fourth one?", [{ role: "user", content: "what are the main AI applications factories run today?" }, { role: "assistant", content: first.text }]);
    expect(next.citations[0]!.title).toBe("Digital twins");
  });
});

describe("buying and comparing back", () => {
  it("'how do factories buy software?' is the procurement section, and 'how does that compare to SaaS?' weighs it in place", async () => {
    const [buying, compared] = await chat("what is the buying process like when a plant purchases AI software?", "how does that stack up against SaaS sales?");
    expect(buying!.citations[0]!.title).toBe("Procurement cycles that outlast most product sprint cycles");
    expect(compared!.outcome).toBe("answered");
    expect(compared!.citations[0]!.title).toBe("Procurement cycles that outlast most product sprint cycles");
    expect(compared!.text).toMatch(/30-90 days/u);
  });
});

describe("a comparison that points back", () => {
  it("'how does the pay there compare to…' weighs the section 'there' points at against the other, on pay", async () => {
    const [, compared] = await chat("tell me about the industrial giants with software divisions", "how does the pay there compare to the startups?");
    expect(compared!.parts[0]!.text).toMatch(/^Compensation is typically lower than pure-play vendors/u);
    expect(compared!.parts.filter((p) => p.label).map((p) => p.label)).toContain("Pure-play industrial AI vendors");
  });
});

describe("a follow-up its referent's section does not answer", () => {
  it("'why not the cloud?' after vision QC is answered from the edge-vs-cloud section, about vision QC", async () => {
    const [, , cloud] = await chat("explain camera-based defect detection to me", "which carmakers use it?", "why not just send the images to the cloud?");
    expect(cloud!.citations[0]!.title).toMatch(/^Edge vs\. cloud/u);
    expect(opening(cloud!)).toMatch(/latency|edge inference|connectivity/u);
  });
});

describe("follow-ups about a status", () => {
  it("'that use case' after one use case asks for that one's status", async () => {
    const [, status] = await chat("who uses generative design in industry?", "what's the status of that use case?");
    expect(status!.parts[0]!.text).toMatch(/^Generative design is emerging/u);
  });
});

describe("the answer as structure", () => {
  it("every answer has parts; every claim cites a passage with its heading path and document", async () => {
    const a = await ask("why can't the vision model just run in the cloud?");
    expect(a.parts[0]!.kind).toBe("lead");
    for (const part of a.parts) {
      expect(part.text).not.toMatch(/\*\*|\[\d+\]/u);
      for (const i of part.cites) expect(a.citations[i]).toBeDefined();
    }
    expect(a.citations[0]!.path).toEqual(["Unique Constraints You'll Only Face on the Factory Floor", "Edge vs. cloud: factory floor connectivity is often poor or intentionally air-gapped"]);
    expect(a.citations[0]!.document).toMatch(/AI PM in Manufacturing/u);
  });

  it("no renderer or check parses markup back out of the answer's text", () => {
    const renderers = ["adapters/slack", "adapters/teams", "adapters/cli", "adapters/web", "adapters/web/playground"].flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => /\.(ts|js)$/u.test(f))
        .map((f) => join(dir, f)),
    );
    for (const file of [...renderers, "src/guardrails/output.ts"]) {
      const code = readFileSync(file, "utf8");
      // Reading "**bold**", "[n]" or " › " back out of a string is what the parts replaced.
      expect(code, file).not.toMatch(/\\\*\\\*\(|split\(" › "\)|\.text\.split\(|answer\.text\.replace/u);
    }
  });
});
