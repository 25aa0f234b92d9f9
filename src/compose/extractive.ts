import type { AnswerPart, Chunk, Citation } from "../types.js";
import type { Retrieval, RetrievedChunk } from "../retrieval/retriever.js";
import { contentTerms, isStopword, splitSentences } from "../text/normalize.js";
import { isKeyLine, listValue, namesIn, numberKinds, type KnowledgeFacts, type NamedThing } from "../knowledge/facts.js";
import { mainClause, type QuestionShape } from "./question.js";
import { CitationBuilder, plainTextOf } from "./parts.js";
import type { QuestionMatch } from "../knowledge/questions.js";

export interface ComposedAnswer {
  text: string;
  parts: AnswerPart[];
  citations: Citation[];
  followUps: string[];
}

export interface ComposeInput {
  retrieval: Retrieval;
  shape: QuestionShape;
  facts: KnowledgeFacts;
  chunks: readonly Chunk[];
  /** IDF of a term in the knowledge (rare terms say more about what is asked). */
  idf: (term: string) => number;
  /** What the conversation points at ("it", "the second one"), strongest first. */
  focus?: string[];
  /** For a person who described themselves: the path that fits them (its section, and the words of its key sentence). */
  path?: { chunkId: string; evidence: string; insider?: boolean; skipSteps?: readonly string[] } | null;
  /** For a person without the OT layer: the steps that teach it ("what should I learn first?" leads with one). */
  learnSteps?: readonly string[];
  /** The guide answers only part of the question: lead with what it says about the names asked. */
  partial?: boolean;
  /** With `partial`: the names the caller's note speaks of, so the note and the sentences agree. */
  partialNames?: readonly NamedThing[];
  /** Sections of the ways into the role (the coaching content's paths): a personal question's steps come from their group. */
  careerSteps?: readonly string[];
  /** Sentences that answer the question as people put it (knowledge/questions.json), best first. */
  asked?: readonly QuestionMatch[];
  /** The focus was chosen among the last list ("which of those pays most?"): the answer names it first. */
  chosenAmong?: boolean;
}

/** One quotable unit of a chunk: a sentence, or a whole "Companies: A, B" list line. */
interface Unit {
  chunk: Chunk;
  text: string;
  /** Position in the chunk, for the guide's order. */
  position: number;
  /** For a list line: its items as the guide writes them ("C3.ai, Sight Machine, …"). */
  list: string | null;
  terms: Set<string>;
  score: number;
  /** Share of the question's weight this unit (or its heading) matches. */
  match: number;
  /** The same share for the question sentences alone, without the background a person gave. */
  askMatch: number;
}

const MAX_POINTS = 4;
/** "Where do I start?", "how do I even begin?": asks for the first step, whatever else a sentence matches. */
const START_ASK = /\b(?:where|how) (?:do|should|would|can|could) i (?:even )?(?:begin|start)\b|\bwhere to (?:begin|start)\b|\bstarting point\b/u;
/** How much better another sentence of a step must match the question to be said instead of the step's first. */
const STEP_SENTENCE_EDGE = 0.15;
/** A supporting sentence must score this share of the lead's score and match the question itself. */
const POINT_FLOOR = 0.62;
const POINT_MIN_MATCH = 0.2;
/** A question that matches a way people ask for a sentence (this share of its weight) is answered by that sentence. */
export const ASKED_LEAD = 0.6;
/** How much less a sentence of a supplementary document weighs than one of the guide. */
const SUPPLEMENT_PENALTY = 0.12;
/**
 * Yes/no questions: the sentence that makes the claim counts for more (relevance × 1.33) and the
 * section the subject found for less (0.2 instead of 0.4), so "…in the cloud?" is answered by the
 * edge-vs-cloud sentence rather than by the vision section the subject names. Tuned on the eval set.
 */
const YESNO_SENTENCE_BOOST = 1.33;
const YESNO_SECTION_WEIGHT = 0.2;
/** A summary (the TL;DR) gives way to a full section scoring this share of it (less for yes/no, whose summary edge is smaller). */
const SUMMARY_EDGE = 0.85;
const SUMMARY_EDGE_YESNO = 0.7;
/** How much a sentence that weighs one side against the other is preferred as a comparison's lead ("pros and cons?": more). */
const WEIGH_EDGE = 0.1;
const WEIGH_EDGE_GENERIC = 0.25;
/** "What should I learn/study first?" */
const LEARN_ASK = /\b(learn|study|read up|brush up|skill up|upskill|pick up)\b/u;
/** A match this close overrides the shape a question's wording suggests. */
const ASKED_CLOSE = 0.8;
/** Below the lead's bar, a close phrasing still lifts its sentence among the candidates. */
const ASKED_SUPPORT = 0.5;
const STEPS_ASK = /\bwhat (do|should|can) i do\b|\b(place|way|point) to (start|begin)\b|\bstarting point\b|\bmov(?:e|ing) (?:myself |my career |over |across |from (?:[a-z']+ ){1,5}?)?into\b|\b(my|a|the) way in(to)?\b(?! which)|\b(use|leverage|make use of) my (experience|background|years)\b|\b(get|find|land) (an?|the|my first|a first) ([a-z]+ ){0,3}(job|role|position)\b|\bwhere (do|should|would) i (begin|start)\b|\bhow (do|should|would) i (start|begin)\b|\bfirst move\b|\b(get into|getting into|break into|become|becoming|land|landing|transition|switch|make the (move|jump|switch)|path|route|where (do|should) i start|first step|next step|what should i do|how do i start|realistic|unrealistic|possible|chance)\b/u;
const STATUS_PHRASE: Record<string, string> = { production: "in production", scaling: "scaling", emerging: "emerging" };
/** How to learn something: the ways, the places, the speed. */
const HOW_TO_LEARN = /\b(how (do|can|should|would) i|fast|fastest|quick|quickly|courses?|channels?|resources?|materials?|reading|where (do|can|should) i|steps|training|certifications?|books|videos)\b/u;
/** The question is about learning something ("fast" alone is also how fast an edge model must be). */
export const LEARNING_WORD = /\b(learn|learning|study|studying|literate|literacy|fluent|fluency|up to speed|know-how|courses?|training|certifications?|books|videos|channels?|resources?|materials?)\b/u;
/** Asking for the ways to learn, not only how in general. */
const RESOURCE_ASK = /\b(fast|fastest|quick|quickest|quickly|courses?|channels?|resources?|materials?|reading|training|certifications?|books|videos)\b/u;
/** Words that describe ways to learn (bounded text, global match counts them). */
const LEARNING_WAYS = /\b(training|courses?|university|channels?|videos?|books?|study|hours|fastest|path|certifications?)\b/gu;
/** "What could I build…?", "what project should I build…?": the verb of what the person would do. */
const STEP_VERB = /\bwhat (?:[a-z]+ )?(?:could|should|can|would|do) i (?:actually |possibly )?([a-z]+)\b/u;
/** Verbs that say nothing about which step is meant ("what should I do?"). */
const GENERIC_VERBS = new Set(["do", "be", "get", "have", "make", "use", "go", "try", "say", "know", "learn", "study"]);
/** Words of a trade-off: what a side costs as well as what it gives. */
const TRADE_OFF = /\b(risk|risks|risky|lower|stability|stable|but|however|downside|guaranteed|distance)\b/iu;
const COMPARATIVE = /\b(more|less|higher|highest|lower|lowest|broader|narrower|fewer|greater|faster|fastest|slower|largest|smallest|most|least|than|vs\.?)\b/iu;
// Words that turn a sentence against what it names ("…introduces latency that makes real-time line
// decisions impossible"): a sentence with one the question lacks never earns a "Yes".
const NEGATION = /\b(not|no|never|without|cannot|can't|isn't|aren't|don't|doesn't|won't|fail|fails|impossible|unable|unsafe)\b/giu;

// The chunk list is the index's own array, the same for every question: its lookups are built
// once per index, not per question (a 50,000-chunk corpus made them most of an answer's cost).
const chunkIndexes = new WeakMap<readonly Chunk[], Map<string, Chunk>>();
const documentIndexes = new WeakMap<readonly Chunk[], Map<string, Chunk[]>>();

function chunkIndex(chunks: readonly Chunk[]): Map<string, Chunk> {
  let index = chunkIndexes.get(chunks);
  if (!index) chunkIndexes.set(chunks, (index = new Map(chunks.map((c) => [c.id, c] as const))));
  return index;
}

function documentsOf(chunks: readonly Chunk[]): Map<string, Chunk[]> {
  let index = documentIndexes.get(chunks);
  if (!index) {
    index = new Map();
    for (const c of chunks) {
      const list = index.get(c.source);
      if (list) list.push(c);
      else index.set(c.source, [c]);
    }
    documentIndexes.set(chunks, index);
  }
  return index;
}

/**
 * The offline answer. The first part answers the question asked: sentences are chosen across the
 * retrieved sections for this question (query-focused), shaped by what kind of question it is, and
 * only sentences that clear a relevance floor follow the lead. Every part is a sentence (or a list
 * line) of the guide, or a short statement built from the guide's own structured lines (a status,
 * a list of names), and cites the section it came from.
 */
export function composeExtractiveAnswer(input: ComposeInput): ComposedAnswer {
  const { retrieval, shape, facts } = input;
  const byId = chunkIndex(input.chunks);
  const named = namesIn(shape.ask, facts).filter((n) => sectionsOf(n.thing).length <= 4);
  const weights = termWeights(retrieval, input.idf);
  const chunkScores = candidateChunks(input, named, byId);
  const units = [...chunkScores.keys()].flatMap((id) => unitsOf(byId.get(id)!));
  const askTerms = new Set(contentTerms(shape.ask));
  for (const u of units) scoreUnit(u, chunkScores.get(u.chunk.id) ?? 0, weights, askTerms, shape, named, facts.children, input.asked ?? []);
  // The guide the coaching was written for speaks first; a supplementary note (the functional-safety
  // note) answers where the guide is silent, not where both speak.
  const primary = input.careerSteps?.[0] ? byId.get(input.careerSteps[0])?.document : undefined;
  if (primary) for (const u of units) if (u.chunk.document !== primary) u.score -= SUPPLEMENT_PENALTY;
  // What the conversation points at ("the second one", "there") is what this turn is about.
  const focus = input.focus?.[0];
  if (focus) for (const u of units) if (u.chunk.id === focus) u.score += 0.35;
  units.sort((a, b) => b.score - a.score || a.chunk.order - b.chunk.order || a.position - b.position);
  // Partial coverage: what the guide says about the names the question uses, first.
  const about = input.partialNames ?? named.map((n) => n.thing);
  const pool = input.partial && about.length > 0 ? units.filter((u) => about.some((t) => mentions(u.text, t.name) || t.listedIn.includes(u.chunk.id) && u.list !== null || u.chunk.title.toLowerCase() === t.name.toLowerCase())) : units;

  const cites = new CitationBuilder();
  const personal = shape.kind === "personal";
  const parts =
    statusAnswer(input, pool, cites, byId, named) ??
    (personal ? null : compareAnswer(pool, shape, named, cites, input.idf, retrieval.question.expansionTerms, facts.children, input.focus?.[0] ? byId.get(input.focus[0]) : undefined)) ??
    (["personal", "compare", "yesno", "steps"].includes(shape.kind) || (shape.kind === "number" && shape.numberKind !== "count") || input.partial ? null : enumerationAnswer(pool, input, cites, byId)) ??
    focusedAnswer(pool.length > 0 ? pool : units, input, cites, named, weights, byId);
  return { text: plainTextOf(parts), parts, citations: cites.citations, followUps: followUpsFor(cites.citations.map((c) => byId.get(c.id)!).filter(Boolean), input.chunks) };
}

function sectionsOf(thing: NamedThing): string[] {
  return thing.listedIn.length > 0 ? thing.listedIn : thing.mentionedIn;
}

function termWeights(retrieval: Retrieval, idf: (t: string) => number): Map<string, number> {
  const weights = new Map<string, number>();
  const set = (term: string, w: number) => weights.set(term, Math.max(weights.get(term) ?? 0, w * idf(term)));
  for (const t of retrieval.contextTerms) set(t, 0.4);
  // Expansions find the section; within it, the words the person typed pick the sentence.
  for (const t of retrieval.question.expansionTerms) set(t, 0.3);
  for (const t of retrieval.question.terms) set(t, 1);
  return weights;
}

/** Retrieved sections, the sections of the guide's names in the question, and the conversation's focus. */
function candidateChunks(input: ComposeInput, named: { thing: NamedThing }[], byId: Map<string, Chunk>): Map<string, number> {
  const scores = new Map<string, number>();
  const raise = (id: string, score: number) => {
    const chunk = byId.get(id);
    if (!chunk || chunk.metadata.Kind === "promotion") return;
    scores.set(id, Math.max(scores.get(id) ?? 0, score));
  };
  for (const r of input.retrieval.results) raise(r.chunk.id, r.score);
  for (const n of named) for (const id of sectionsOf(n.thing)) raise(id, 0.9);
  input.focus?.forEach((id, i) => raise(id, i === 0 ? 0.95 : 0.8));
  if (input.path) raise(input.path.chunkId, 1);
  for (const a of input.asked ?? []) if (a.score >= ASKED_SUPPORT) raise(a.chunkId, 0.5 + 0.5 * a.score);
  if (scores.size === 0) for (const r of input.retrieval.results) scores.set(r.chunk.id, r.score);
  return scores;
}

function unitsOf(chunk: Chunk): Unit[] {
  const out: Unit[] = [];
  for (const paragraph of chunk.text.split("\n\n")) {
    const list = listValue(paragraph);
    if (list) {
      out.push({ chunk, text: paragraph, position: out.length, list: list.value, terms: new Set(contentTerms(paragraph)), score: 0, match: 0, askMatch: 0 });
      continue;
    }
    if (isKeyLine(paragraph)) continue; // "Status: Production" is read as a fact
    for (const text of splitSentences(paragraph)) out.push({ chunk, text, position: out.length, list: null, terms: new Set(contentTerms(text)), score: 0, match: 0, askMatch: 0 });
  }
  // A section's last sentence that announces what should follow it ("Here's an honest assessment
  // of …") promises something the section does not hold (a table lost in the export): not quoted.
  const last = out[out.length - 1];
  if (last && !last.list && /^(here'?s|here is|here are|the following|below)\b/iu.test(last.text)) out.pop();
  return out;
}

function scoreUnit(u: Unit, chunkScore: number, weights: Map<string, number>, askTerms: ReadonlySet<string>, shape: QuestionShape, named: { alias: string; thing: NamedThing }[], overviews: ReadonlyMap<string, unknown>, asked: readonly QuestionMatch[]): void {
  const heading = new Set(contentTerms(u.chunk.headingPath.join(" ")));
  // A section the question names by its heading is the topic of every sentence in it.
  const headingCredit = named.some((n) => n.thing.name.toLowerCase() === u.chunk.title.toLowerCase()) ? 1 : 0.35;
  let total = 0;
  let hit = 0;
  let askTotal = 0;
  let askHit = 0;
  for (const [term, w] of weights) {
    const got = u.terms.has(term) ? w : heading.has(term) ? headingCredit * w : 0;
    total += w;
    hit += got;
    if (askTerms.has(term)) {
      askTotal += w;
      askHit += got;
    }
  }
  u.match = total > 0 ? hit / total : 0;
  u.askMatch = askTotal > 0 ? askHit / askTotal : u.match;
  let bonus = 0;
  const lower = u.text.toLowerCase();
  if (shape.kind === "number" && shape.numberKind && numberKinds(u.text).includes(shape.numberKind)) bonus += 0.45;
  if (shape.aboutPay && /\b(comp|compensation|salar(y|ies)|pay)\b/u.test(lower)) bonus += 0.2;
  if ((shape.kind === "who" || shape.kind === "list") && u.list && u.match >= 0.25) bonus += 0.2;
  if (shape.kind === "who" && /\b(used by|companies like|such as)\b/u.test(lower)) bonus += 0.2;
  // A section the question names by its heading ("generative design") is what it asks about; a
  // sentence elsewhere that merely mentions the name counts for less.
  if (named.some((n) => n.thing.name.toLowerCase() === u.chunk.title.toLowerCase())) bonus += 0.4;
  else if (named.some((n) => mentions(u.text, n.alias) || mentions(u.text, n.thing.name))) bonus += 0.25;
  if (shape.comparative && COMPARATIVE.test(u.text)) bonus += 0.1;
  // The sentence people mean when they ask it this way.
  const answers = asked.find((a) => a.score >= ASKED_SUPPORT && a.chunkId === u.chunk.id && u.text.startsWith(a.answer));
  if (answers) bonus += 0.6 * answers.score;
  // An overview's summary names every subsection; for a verdict, a number or a comparison the
  // subsection that says it is the answer, not the summary.
  if (overviews.has(u.chunk.id) && (shape.comparative || shape.kind === "yesno" || shape.kind === "compare" || shape.kind === "number")) bonus -= 0.15;
  // A list line answers "who"; for other questions a sentence says more than a list of names.
  if (u.list && shape.kind !== "who" && shape.kind !== "list" && named.length === 0) bonus -= 0.15;
  // A person's story says what matters to them, but their question says what to answer first.
  const relevance = shape.kind === "personal" ? 0.45 * u.askMatch + 0.15 * u.match : 0.6 * u.match;
  // A yes/no question is about one claim ("…in the cloud?"): the sentence that makes it counts for
  // more than the section the question's subject found.
  const sectionWeight = shape.kind === "yesno" ? YESNO_SECTION_WEIGHT : 0.4;
  u.score = relevance * (shape.kind === "yesno" ? YESNO_SENTENCE_BOOST : 1) + sectionWeight * chunkScore + bonus - 0.005 * u.position;
}

/** Whether `text` names `name` as a whole word or phrase ("OT" is not in "not"). */
export function mentions(text: string, name: string): boolean {
  const at = text.toLowerCase().indexOf(name.toLowerCase());
  if (at < 0) return false;
  const before = text[at - 1] ?? " ";
  const after = text[at + name.length] ?? " ";
  return !/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after) ? true : mentions(text.slice(at + 1), name);
}

/** A lead plus the supporting sentences that clear the floor, the lead's section in the guide's order. */
function focusedAnswer(units: Unit[], input: ComposeInput, cites: CitationBuilder, named: { alias: string; thing: NamedThing }[], weights: Map<string, number>, byId: Map<string, Chunk>): AnswerPart[] {
  const { shape } = input;
  const top = units.find((u) => !u.list || shape.kind === "who" || shape.kind === "list" || named.length > 0) ?? units[0];
  const sentence = units.find((u) => !u.list);
  // A sentence that says nearly as much reads better than a bare list of names (unless "who" was asked).
  let best = top?.list && sentence && shape.kind !== "who" && shape.kind !== "list" && sentence.score >= top.score * 0.85 ? sentence : top;
  // "Who is in the second tier?": the names of what the conversation points at.
  const pointedList = shape.kind === "who" && input.focus?.[0] ? units.find((u) => u.chunk.id === input.focus![0] && u.list) : undefined;
  if (pointedList) best = pointedList;
  // A summary (the TL;DR) leads only if no section says it nearly as well in full.
  if (best && input.facts.summaries.has(best.chunk.id)) {
    const full = units.find((u) => !input.facts.summaries.has(u.chunk.id) && !u.list);
    // (A yes/no weighs the sentence more than its section, so the summary's edge is smaller there.)
    if (full && full.score >= best.score * (shape.kind === "yesno" ? SUMMARY_EDGE_YESNO : SUMMARY_EDGE)) best = full;
  }
  // An overview's summary sentence names every subsection; when a subsection says the thing asked
  // nearly as well ("compensation is highest"), that subsection answers.
  const members = best ? input.facts.children.get(best.chunk.id) : undefined;
  if (best && members?.length) {
    const child = units.find((u) => members.includes(u.chunk.id) && (!u.list || shape.kind === "who" || shape.kind === "list"));
    if (child && child.score >= best.score * 0.8) best = child;
  }
  // The path that fits the person leads when they ask about the move itself; a person who asks
  // something specific ("which tier pays most?") gets that answered first.
  const pathId = input.path?.chunkId;
  const pathSiblings = pathId ? (input.facts.children.get(byId.get(pathId)?.parentSection ?? "") ?? []) : [];
  // "What do I need to learn first?" from someone without the OT layer is about the move too: its
  // learning step answers it.
  // ("What should I learn about vision QC?" names its topic: that section answers; "the OT side"
  // names what the learning steps teach.)
  const learnAsk = shape.kind === "personal" && named.every((n) => sectionsOf(n.thing).some((id) => input.learnSteps?.includes(id))) && (input.learnSteps?.length ?? 0) > 0 && LEARN_ASK.test(shape.ask.toLowerCase());
  // A person whose question found one section of the guide outright, outside the ways into the
  // role ("…what's different designing for people on a factory floor?"), asked about that section.
  // ("What could I build…?" names a step by its verb: about the move.)
  // (Asked in the main clause: "If I move into factory AI, what changes about design?" asks about design.)
  const asksTheMove = STEPS_ASK.test(mainClause(shape.ask).toLowerCase());
  const stepVerb = STEP_VERB.exec(shape.ask.toLowerCase())?.[1];
  const namesAStepVerb = !!stepVerb && !GENERIC_VERBS.has(stepVerb);
  const clearTopic = !!best && !namesAStepVerb && input.retrieval.results[0]?.chunk.id === best.chunk.id && !(input.careerSteps ?? []).includes(best.chunk.id) && !pathSiblings.includes(best.chunk.id) && !asksTheMove && !learnAsk;
  const aboutTheMove = !clearTopic && (!best || (best.askMatch < 0.3 && best.match < 0.3) || asksTheMove || pathSiblings.includes(best.chunk.id) || learnAsk || namesAStepVerb);
  const pathUnits = pathId && aboutTheMove ? units.filter((u) => u.chunk.id === pathId) : [];
  const pathUnit = pathUnits.find((u) => u.text.includes(input.path!.evidence)) ?? pathUnits.sort((a, b) => b.match - a.match || a.position - b.position)[0];
  // A sentence that answers the question as people ask it leads, even for a person with a path
  // (whose path then follows it).
  const top1 = input.asked?.[0];
  // A list or a "who" keeps its own shape; so do the steps of the move, unless the question is
  // nearly word for word a way people ask for one sentence.
  const ownShape = shape.kind === "who" || shape.kind === "list" || (shape.kind === "steps" && (top1?.score ?? 0) < ASKED_CLOSE);
  // Someone already inside a manufacturer asking about the move gets their path first: what people
  // usually mean by "is it realistic?" ("achievable without industrial backgrounds") is not them.
  // (Unless they asked for something else in so many words: "what will the interviewer probe?")
  const insiderMove = !!pathUnit && input.path?.insider === true && top1?.explicit !== true;
  const askedUnit = top1 && top1.score >= ASKED_LEAD && !ownShape && !insiderMove ? units.find((u) => u.chunk.id === top1.chunkId && u.text.startsWith(top1.answer)) : undefined;
  // A person whose question is matched to one sentence outside the ways into the role asked that
  // (how interfaces change for people on the line): no list of steps.
  const specificAsk = !!askedUnit && (top1?.alone === true || (!(input.careerSteps ?? []).includes(askedUnit.chunk.id) && !pathSiblings.includes(askedUnit.chunk.id) && !asksTheMove));
  let lead = askedUnit ?? pathUnit ?? best;
  if (!lead) return [];
  // "How do I…" about the whole move, or a person's own situation: the guide's steps, in order;
  // without a path that fits the person, the first step leads.
  // Steps the person has already taken (OT literacy, for someone who programs PLCs) are left out.
  const steps = ((shape.kind === "personal" && aboutTheMove) || shape.kind === "steps") && !specificAsk ? (stepsFor(lead, input, weights, byId)?.filter((id) => !input.path?.skipSteps?.includes(id)) ?? null) : null;
  // Without a path that fits, a sentence that answers what they asked ("is it realistic?") leads if
  // there is one; otherwise the first step does.
  // (From the steps' own document: "where do I start?" is not answered by a safety procedure that
  // says "before work starts".)
  const stepsDocument = steps?.[0] ? byId.get(steps[0])?.document : undefined;
  // ("Where do I start?" is answered by the first step, not by a sentence that says "starts".)
  const answersAsked = !!askedUnit || (best && !START_ASK.test(shape.ask.toLowerCase()) && !steps?.includes(best.chunk.id) && best.askMatch >= 0.3 && !best.list && (!stepsDocument || best.chunk.document === stepsDocument));
  // "What should I learn first?" from someone without the OT layer: the learning step leads.
  const learningStep = LEARN_ASK.test(shape.ask.toLowerCase()) ? steps?.find((id) => input.learnSteps?.includes(id)) : undefined;
  if (learnAsk && learningStep) return learningAnswer(learningStep, input, cites, weights, byId);
  // "Steps to get OT literate fast? courses, channels…" from anyone: the learning section that says
  // how (the resources, the hours) leads, then the other.
  if (shape.kind !== "personal" && (input.learnSteps?.length ?? 0) > 0 && HOW_TO_LEARN.test(shape.ask.toLowerCase()) && LEARNING_WORD.test(shape.ask.toLowerCase())) {
    const sections = [...new Set(input.learnSteps)];
    // The section that says how: the one that speaks most of ways to learn (training, courses,
    // channels, hours of study).
    const howTo = sections
      .map((id) => {
        const chunk = byId.get(id);
        // Asked for the ways ("courses? videos? the fastest route?"): the section that speaks of them;
        // otherwise ("how do I prep?") the section the question found first.
        const ways = chunk && RESOURCE_ASK.test(shape.ask.toLowerCase()) ? (`${chunk.title} ${chunk.text}`.toLowerCase().match(LEARNING_WAYS) ?? []).length : 0;
        return { id, match: ways + Math.max(0, ...units.filter((u) => u.chunk.id === id).map((u) => u.score)) };
      })
      .sort((a, b) => b.match - a.match)[0];
    if (howTo && howTo.match > 0) return learningAnswer(howTo.id, input, cites, weights, byId, MAX_POINTS, false);
  }
  // A person who names one of the steps ("I want a portfolio project… what should I build?") asks
  // about that step: it leads, before their path.
  const namedStep = (shape.kind === "personal" || shape.kind === "steps") && !askedUnit && steps ? stepNamedBy(`${shape.situation ?? ""} ${shape.ask}`, shape.ask, steps, byId, input.idf) : undefined;
  if (namedStep && namedStep !== pathId) {
    const stepUnits = units.filter((u) => u.chunk.id === namedStep && !u.list);
    const first = stepUnits.sort((a, b) => b.askMatch - a.askMatch || a.position - b.position)[0] ?? unitsOf(byId.get(namedStep)!).find((u) => !u.list);
    if (first) {
      const rest = unitsOf(byId.get(namedStep)!).filter((u) => !u.list && u.text !== first.text).slice(0, 3);
      const parts: AnswerPart[] = [{ ...leadPart(first, input, cites, named), label: first.chunk.title }];
      for (const u of rest) parts.push({ kind: "point", text: u.text, cites: [cites.cite(u.chunk)] });
      // Asked also where to start ("…where do I begin, and what could I make?"): the way into
      // the role that fits the person follows the step they asked about.
      const alsoTheMove = /\b(start|begin|first move|path|route)\b/u.test(shape.ask.toLowerCase());
      const path = pathId && alsoTheMove ? byId.get(pathId) : undefined;
      const pathSentence = path && input.path ? unitsOf(path).find((u) => u.text.includes(input.path!.evidence)) : undefined;
      if (pathSentence) parts.push({ kind: "point", label: path!.title, text: pathSentence.text, cites: [cites.cite(path!)] });
      return parts;
    }
  }
  // "How long does the switch take?" from a person: the first step that states a time leads, with
  // that sentence, unless the sentence found already states one.
  const figureKind = shape.numberKind;
  const figureStep = steps && !learningStep && !askedUnit && figureKind && !numberKinds(lead.text).includes(figureKind) ? steps.map((id) => unitsOf(byId.get(id)!).find((u) => !u.list && numberKinds(u.text).includes(figureKind))).find((u) => !!u) : undefined;
  const stepLead = (steps && !pathUnit && !answersAsked) || learningStep || figureStep;
  if (steps && stepLead) {
    const first = byId.get(learningStep ?? steps[0]!)!;
    lead = (figureStep && (units.find((u) => u.chunk.id === figureStep.chunk.id && u.text === figureStep.text) ?? figureStep)) ?? units.filter((u) => u.chunk.id === first.id && !u.list).sort((a, b) => b.match - a.match || a.position - b.position)[0] ?? unitsOf(first).find((u) => !u.list) ?? lead;
  }
  const parts: AnswerPart[] = [leadPart(lead, input, cites, named)];
  if (steps?.includes(lead.chunk.id) && (!pathUnit || learningStep)) parts[0] = { ...parts[0]!, label: lead.chunk.title };
  // The employer section chosen for what matters to the person is named first ("Industrial giants…: … stability is higher").
  if ((askedUnit && top1?.alone && lead === askedUnit) || (input.chosenAmong && lead.chunk.id === input.focus?.[0])) parts[0] = { ...parts[0]!, label: lead.chunk.title };

  const floor = Math.max(lead.score * POINT_FLOOR, 0.2);
  // Guide sections are short and their sentences lean on each other: the rest of the lead's section
  // follows it (in the guide's order), then other sections only where they clear the floor.
  // (A summary's other sentences summarise other things: only those that match the question.)
  const leadIsSummary = input.facts.summaries.has(lead.chunk.id);
  // For "how much"/"how long", another figure of the same kind competes with the answer even in
  // its own section ("$200K-$320K" under "what does one avoided stoppage save?").
  const rivalFigure = (u: Unit) => shape.kind === "number" && !!shape.numberKind && numberKinds(u.text).includes(shape.numberKind) && numberKinds(lead.text).includes(shape.numberKind);
  const sameSection = units.filter((u) => u !== lead && u.chunk.id === lead.chunk.id && (!leadIsSummary || u.match >= POINT_MIN_MATCH * 2) && !rivalFigure(u));
  // Another section's sentence must match the question about as well as the lead does: a summary
  // that merely shares a word or two ("AI PM") is not appended.
  const leadNamed = named.some((n) => n.thing.name.toLowerCase() === lead.chunk.title.toLowerCase());
  // A summary section (the TL;DR) restates others: it may lead, but never trails another answer.
  // A lead that answers the question as people ask it is followed by the other sentences people
  // mean by it, not by sentences that merely share a word ("take" in "takes 12-24 months").
  const otherAsked = (input.asked ?? []).filter((a) => a.score >= ASKED_LEAD && a.score >= 0.9 * (top1?.score ?? 0));
  // Nor is another document's sentence appended (the bypass log "shows on the operator's screens"
  // is not about screen design), nor, for "how long"/"how much", another number of the same kind:
  // it answers a different question ("takes 12-24 months" under "how long does the switch take").
  const competing = (u: Unit) => u.chunk.document !== lead.chunk.document || (shape.kind === "number" && !!shape.numberKind && numberKinds(u.text).includes(shape.numberKind));
  const elsewhere = steps || leadNamed ? [] : askedUnit ? units.filter((u) => u.chunk.id !== lead.chunk.id && otherAsked.some((a) => a.chunkId === u.chunk.id && u.text.startsWith(a.answer))) : units.filter((u) => !competing(u)).filter((u) => u.chunk.id !== lead.chunk.id && !input.facts.summaries.has(u.chunk.id) && u.score >= floor && u.match >= Math.max(POINT_MIN_MATCH, lead.match * 0.5));
  const maxPoints = MAX_POINTS + (shape.kind === "yesno" || shape.kind === "number" ? 0 : 1);
  // The lead's section: its best-matching sentences, read in the guide's order.
  // The one that best supports the lead first, the rest in the guide's order.
  // Before the steps, one supporting sentence; two for the person's own path, which is their answer.
  const ranked = [...sameSection].sort((a, b) => b.score - a.score).slice(0, steps ? (lead === pathUnit ? 2 : 1) : 4);
  const points: Unit[] = [...ranked.slice(0, 1), ...ranked.slice(1).sort((a, b) => a.position - b.position)];
  if (askedUnit && pathUnit && pathUnit.chunk.id !== lead.chunk.id && !specificAsk) points.unshift(pathUnit);
  const perSection = new Set<string>();
  for (const u of elsewhere) {
    if (points.length >= maxPoints) break;
    if (perSection.has(u.chunk.id) || points.some((p) => p.text === u.text)) continue;
    perSection.add(u.chunk.id);
    points.push(u);
  }
  for (const u of points.slice(0, maxPoints)) {
    const cite = cites.cite(u.chunk, u.score);
    // (A list in the lead's own section needs no heading when the lead already carries it.)
    const labelledLead = u.chunk.id === lead.chunk.id && parts[0]?.label === lead.chunk.title;
    const label = (u.list && !labelledLead) || u.chunk.id !== lead.chunk.id ? u.chunk.title : undefined;
    parts.push({ kind: "point", text: u.list ?? u.text, cites: [cite], ...(label ? { label } : {}) });
  }
  for (const id of steps ?? []) {
    if (id === lead.chunk.id) continue;
    const chunk = byId.get(id)!;
    // A step is said by its first sentence (who it is for, what it is: "If you're at a large
    // manufacturer…"), unless another of its sentences clearly answers the question better: a
    // sentence that presumes the premise ("You already have the domain context") is not said alone.
    const first = unitsOf(chunk).find((u) => !u.list);
    const matched = units.filter((u) => u.chunk.id === id && !u.list).sort((a, b) => b.match - a.match || a.position - b.position)[0];
    const firstMatch = units.find((u) => u.chunk.id === id && u.text === first?.text)?.match ?? 0;
    const best = matched && (!first || matched.match >= firstMatch + STEP_SENTENCE_EDGE) ? matched : (first ?? matched);
    if (best) parts.push({ kind: "item", label: chunk.title, text: best.text, cites: [cites.cite(chunk)] });
  }
  return parts;
}

/**
 * "What do I need to learn first (and how long will it take)?" from someone without the OT layer:
 * the learning step's own sentences in the guide's order, then from the other learning sections
 * the figure asked for ("how long": the study budget) and the sentence that best matches.
 */
function learningAnswer(stepId: string, input: ComposeInput, cites: CitationBuilder, weights: Map<string, number>, byId: Map<string, Chunk>, ownCount = 2, withOthers = true): AnswerPart[] {
  const step = byId.get(stepId)!;
  const own = unitsOf(step).filter((u) => !u.list);
  const others = [...new Set(withOthers ? (input.learnSteps ?? []) : [])].filter((id) => id !== stepId).map((id) => byId.get(id)).filter((c): c is Chunk => !!c);
  const elsewhere = others.flatMap((c) => unitsOf(c).filter((u) => !u.list));
  for (const u of elsewhere) {
    let hit = 0;
    let total = 0;
    for (const [term, w] of weights) {
      total += w;
      if (u.terms.has(term)) hit += w;
    }
    u.match = total > 0 ? hit / total : 0;
  }
  // "How long will it take?": the figure first, then what to learn.
  const kind = input.shape.numberKind;
  const figure = kind ? elsewhere.find((u) => numberKinds(u.text).includes(kind)) : undefined;
  // "How long, and where do I learn it?" asks for the time and the places, not what the step is.
  const whatToLearn = !figure || /\bwhat\b/u.test(input.shape.ask.toLowerCase());
  const ordered = [...(figure ? [figure] : []), ...(whatToLearn ? own.slice(0, ownCount) : []), ...elsewhere.filter((u) => u !== figure).sort((a, b) => b.match - a.match || a.position - b.position)];
  const [lead, ...points] = ordered;
  if (!lead) return [];
  const parts: AnswerPart[] = [{ kind: "lead", label: lead.chunk.title, text: lead.text, cites: [cites.cite(lead.chunk, 1)] }];
  let labelled = lead.chunk.id;
  for (const u of points.slice(0, MAX_POINTS)) {
    const label = u.chunk.id !== labelled ? u.chunk.title : undefined;
    labelled = u.chunk.id;
    parts.push({ kind: "point", text: u.text, cites: [cites.cite(u.chunk, u.match)], ...(label ? { label } : {}) });
  }
  return parts;
}

/** The step whose heading the person's words mostly hold ("portfolio project" for "Build a domain-signal portfolio project"). */
function stepNamedBy(text: string, question: string, steps: readonly string[], byId: Map<string, Chunk>, idf: (t: string) => number): string | undefined {
  // "What could I build…?" asks for the step whose heading starts with that verb ("Build a …").
  const verb = STEP_VERB.exec(text.toLowerCase())?.[1];
  if (verb && !GENERIC_VERBS.has(verb)) {
    const byVerb = steps.find((id) => byId.get(id)?.title.toLowerCase().startsWith(`${verb} `));
    if (byVerb) return byVerb;
  }
  const said = new Set(contentTerms(text));
  const asked = new Set(contentTerms(question));
  const titles = steps.map((id) => [...new Set(contentTerms(byId.get(id)?.title ?? ""))]);
  let best: { id: string; share: number } | undefined;
  for (const [i, id] of steps.entries()) {
    // Weighed by rarity: "industrial AI vendors" is where people work, "portfolio project" is a step.
    const title = titles[i]!;
    const total = title.reduce((sum, t) => sum + idf(t), 0);
    if (total <= 0) continue;
    // A rare word only this step's heading has ("portfolio") names it on its own.
    // (In the question itself: "quality analyst" in a story is a role, not the analyst track.)
    const ownWord = title.some((t) => asked.has(t) && idf(t) > 2 && titles.every((other, j) => j === i || !other.includes(t)));
    const share = ownWord ? 0.5 : title.filter((t) => said.has(t)).reduce((sum, t) => sum + idf(t), 0) / total;
    if (share >= 0.5 && (!best || share > best.share)) best = { id, share };
  }
  return best?.id;
}

/**
 * The guide's steps for a question about the whole move: the subsections under the heading that
 * best matches the question ("How to position yourself for the first role"), unless the question
 * is about one of them in particular (a question about learning OT is answered by that step alone).
 */
function stepsFor(lead: Unit, input: ComposeInput, weights: Map<string, number>, byId: Map<string, Chunk>): string[] | null {
  const asked = new Set(contentTerms(input.shape.ask));
  const total = [...weights.values()].reduce((a, b) => a + b, 0) || 1;
  let best: { ids: string[]; score: number } | null = null;
  for (const ids of input.facts.children.values()) {
    if (ids.length < 3) continue;
    const members = ids.map((id) => byId.get(id)!).filter(Boolean);
    const specific = members.some((c) => {
      const title = contentTerms(c.title);
      return title.length > 0 && title.filter((t) => asked.has(t)).length / title.length >= 0.5;
    });
    if (specific && input.shape.kind !== "personal") continue;
    const holdsLead = members.some((c) => c.id === lead.chunk.id);
    if (input.shape.kind === "personal") {
      // The group that holds most of the ways into the role (the paths), else the lead's own group.
      if (input.careerSteps && ids.filter((id) => input.careerSteps!.includes(id)).length >= 2) return ids;
      if (holdsLead && !input.careerSteps?.length) return ids;
      continue;
    }
    const parentTitle = members[0]!.headingPath[members[0]!.headingPath.length - 2] ?? "";
    let score = 0;
    for (const t of new Set(contentTerms(parentTitle))) score += weights.get(t) ?? 0;
    if (score / total >= 0.12 && (!best || score > best.score)) best = { ids, score };
  }
  // A question about the move itself whose words name no heading gets the ways into the role.
  const career = input.careerSteps?.length ? [...input.facts.children.values()].find((ids) => ids.filter((id) => input.careerSteps!.includes(id)).length >= 2) : undefined;
  return best?.ids ?? (input.shape.kind === "steps" ? (career ?? null) : null);
}

/** The lead: a verdict first for yes/no questions, the list's owner named for a list line. */
function leadPart(lead: Unit, input: ComposeInput, cites: CitationBuilder, named: { alias: string; thing: NamedThing }[]): AnswerPart {
  const cite = cites.cite(lead.chunk, lead.score);
  const { shape } = input;
  if (lead.list) {
    const who = named.find((n) => lead.list!.toLowerCase().includes(n.alias));
    const verdict = shape.kind === "yesno" && who ? "Yes" : undefined;
    return { kind: "lead", label: verdict ? `${verdict}, ${lowerFirst(lead.chunk.title)}` : lead.chunk.title, text: lead.list, cites: [cite] };
  }
  const verdict = shape.kind === "yesno" ? verdictFor(lead, shape, named) : null;
  // A sentence that leans on its heading ("AI PM roles here…", "This is a viable first step",
  // "Used by Airbus…") opens the answer with that heading, so it says what it is about.
  const leansOnHeading = LEANS_ON_HEADING.test(lead.text.slice(0, 80)) ? lead.chunk.title : undefined;
  const label = verdict && leansOnHeading ? `${verdict}, ${lowerFirst(leansOnHeading)}` : (verdict ?? leansOnHeading);
  return { kind: "lead", text: lead.text, cites: [cite], ...(label ? { label } : {}) };
}

/** The opening words of a sentence that cannot stand without its heading. */
const LEANS_ON_HEADING = /^(?:this|these|those|it|its|they|their|here|there)\b|^[^.,;:]{0,40}\b(?:here|there|these (?:companies|roles|tools))\b|^(?:used by|companies like|expect)\b/iu;

/**
 * "Yes"/"No" only when the guide's sentence decides it: it matches most of the question, and its
 * negations (and, for "more"/"less" questions, its direction) agree or disagree with the question's.
 */
function verdictFor(lead: Unit, shape: QuestionShape, named: { thing: NamedThing }[]): string | null {
  if (lead.match < 0.4) return null;
  const askNeg = (shape.ask.match(NEGATION) ?? []).length % 2;
  const leadNeg = (lead.text.match(NEGATION) ?? []).length % 2;
  if (shape.comparative) {
    // The sentence speaks of its own section; when the question's subject is another section, flip.
    const subject = named[0] ? sectionsOf(named[0].thing) : [];
    return comparativeVerdict(lead, shape, subject.length > 0 && !subject.includes(lead.chunk.id));
  }
  // "As many … as …?" asks for a match: a sentence that says "a fraction of" or "fewer" answers No,
  // and one that merely contrasts ("unlike…", "yet…") gives no verdict.
  if (/\bas (many|much|big|large|common|high|often|widely)\b[^?]{0,80}\bas\b/u.test(shape.ask.toLowerCase())) {
    // Only when the sentence is about the question's own subject: "giants pay lower than pure-play"
    // answers "do giants pay as much?", not "do pure-play vendors pay as much as giants?".
    const subject = named[0] ? sectionsOf(named[0].thing) : [];
    // Without a name, the sentence's "than …" tells: "lower than pure-play vendors" is about the
    // other side when the question's subject (before "as much") is the pure-play vendors.
    const ask = shape.ask.toLowerCase();
    const subjectWords = new Set(contentTerms(ask.slice(0, ask.search(/\bas (many|much|big|large|common|high|often|widely)\b/u))));
    const thanWhat = /\bthan ((?:[\p{L}-]+ ?){1,3})/iu.exec(lead.text)?.[1] ?? "";
    const aboutOther = contentTerms(thanWhat).some((t) => subjectWords.has(t));
    const aboutSubject = subject.length === 0 ? !aboutOther : subject.includes(lead.chunk.id);
    if (/\b(fraction|fewer|less|lower|smaller|far from)\b/iu.test(lead.text)) return aboutSubject ? "No" : null;
    if (/\b(unlike|yet|but|however|whereas)\b/iu.test(lead.text)) return null;
  }
  // Negations that agree make a "Yes"; a "No" is said only from the guide's structure (a status,
  // a comparison), never from counting "not"s, which misreads too easily.
  return askNeg === leadNeg && lead.match >= 0.5 ? "Yes" : null;
}

/**
 * "Which use cases are in production?", "Is generative design mature?": answered from the
 * sections' Status lines, grouped, the group asked about first.
 */
function statusAnswer(input: ComposeInput, units: Unit[], cites: CitationBuilder, byId: Map<string, Chunk>, named: { thing: NamedThing }[]): AnswerPart[] | null {
  const { shape, facts } = input;
  const ask = shape.ask.toLowerCase();
  // "Is X used as widely as Y?" weighs two use cases' adoption: their statuses answer it.
  const weighsAdoption = /\b(as|more|less|most|least) (widely|broadly|commonly)\b/u.test(ask);
  if ((!shape.asksStatus && !weighsAdoption) || facts.statuses.length === 0) return null;
  const askedStatus = facts.statuses.map((s) => s.status).find((s) => ask.includes(s.toLowerCase())) ?? (/\b(early|new)\b/u.test(ask) ? facts.statuses.find((s) => /emerg/iu.test(s.status))?.status : undefined) ?? facts.statuses[0]!.status;
  // The use case named, or the one the conversation points at ("that use case").
  const subject = facts.statuses.find((s) => named.some((n) => n.thing.mentionedIn.includes(s.chunkId) && n.thing.name.toLowerCase() === s.title.toLowerCase())) ?? facts.statuses.find((s) => s.chunkId === input.focus?.[0]);
  // "Is X more mature than Y?" weighs two use cases: a comparison, not one status with a verdict.
  const namedStatuses = facts.statuses.filter((s) => named.some((n) => n.thing.mentionedIn.includes(s.chunkId) && n.thing.name.toLowerCase() === s.title.toLowerCase()));
  if (namedStatuses.length === 2) return statusComparison(input, namedStatuses, units, cites, byId);
  if (!shape.asksStatus) return null;
  if (shape.comparative || namedStatuses.length > 1) return null;
  // Without a use case to speak of, only a question about statuses as such gets the groups: "what
  // slows things down before production?" asks something else.
  const namesAStatus = facts.statuses.some((st) => ask.includes(st.status.toLowerCase())) || /\b(status|statuses|stage|maturity|mature|production[- ]ready)\b/u.test(ask);
  if (!subject && shape.kind !== "list" && shape.kind !== "who" && shape.kind !== "yesno" && !namesAStatus) return null;
  const phrase = (status: string) => STATUS_PHRASE[status.toLowerCase()] ?? status.toLowerCase();
  if (subject) {
    const chunk = byId.get(subject.chunkId)!;
    // "Not yet" only when the section is less mature than the status asked about; past it, "No".
    const maturity = (status: string) => ["emerging", "scaling", "production"].indexOf(status.toLowerCase());
    const yes = subject.status === askedStatus;
    const verdict = shape.kind === "yesno" ? (yes ? "Yes" : maturity(subject.status) < maturity(askedStatus) ? "Not yet" : "No") : undefined;
    // What it is, and who uses it: the evidence a status rests on ("Used by Airbus…").
    const own = unitsOf(chunk).filter((u) => !u.list);
    const matched = units.filter((u) => u.chunk.id === chunk.id && !u.list).sort((a, b) => b.match - a.match || a.position - b.position)[0] ?? own[0];
    const users = own.find((u) => u !== matched && u.text !== matched?.text && /\b(used by|companies like|such as)\b/iu.test(u.text));
    return [
      { kind: "lead", text: `${subject.title} ${isOrAre(subject.title)} ${phrase(subject.status)}.`, cites: [cites.cite(chunk)], ...(verdict ? { label: verdict } : {}) },
      ...[matched, users].filter((u): u is Unit => !!u).map((u) => ({ kind: "point" as const, text: u.text, cites: [cites.cite(chunk)] })),
    ];
  }
  const groups = new Map<string, typeof facts.statuses>();
  for (const s of facts.statuses) groups.set(s.status, [...(groups.get(s.status) ?? []), s]);
  const order = [askedStatus, ...[...groups.keys()].filter((k) => k !== askedStatus)];
  return order.map((status, i) => {
    const members = groups.get(status) ?? [];
    const label = phrase(status).replace(/^./u, (c) => c.toUpperCase());
    return { kind: i === 0 ? "lead" : "item", label, text: `${joinNames(members.map((m) => m.title))}.`, cites: members.map((m) => cites.cite(byId.get(m.chunkId)!)) };
  });
}

/** "Digital twins are", "predictive maintenance is": a heading that ends in a plural noun takes "are". */
function isOrAre(title: string): string {
  return /[^s'iu]s$/iu.test(title.trim()) ? "are" : "is";
}

/**
 * "Is generative design as widely deployed as predictive maintenance?", "is X more mature than Y?":
 * both statuses, said as sentences, with the verdict they give; then what each section says.
 */
function statusComparison(input: ComposeInput, pair: KnowledgeFacts["statuses"], units: Unit[], cites: CitationBuilder, byId: Map<string, Chunk>): AnswerPart[] {
  const { shape } = input;
  const ask = shape.ask.toLowerCase();
  const maturity = (status: string) => ["emerging", "scaling", "production"].indexOf(status.toLowerCase());
  const phrase = (status: string) => STATUS_PHRASE[status.toLowerCase()] ?? status.toLowerCase();
  // The question's subject is the use case it names first.
  const at = (title: string) => {
    const i = ask.indexOf(title.toLowerCase());
    return i < 0 ? Infinity : i;
  };
  const [first, second] = [...pair].sort((a, b) => at(a.title) - at(b.title)) as [KnowledgeFacts["statuses"][number], KnowledgeFacts["statuses"][number]];
  const diff = maturity(first.status) - maturity(second.status);
  // "As … as" / "same" asks whether they match; "more"/"less" asks which way they differ.
  // "As widely as" is met by as much or more; "more than" needs more, "less than" less.
  const wanted = shape.comparative === "more" ? diff > 0 : shape.comparative === "less" ? diff < 0 : diff >= 0;
  const verdict = shape.kind !== "yesno" ? undefined : wanted ? "Yes" : shape.comparative === null && diff < 0 ? "Not yet" : "No";
  const firstChunk = byId.get(first.chunkId)!;
  const secondChunk = byId.get(second.chunkId)!;
  const parts: AnswerPart[] = [
    {
      kind: "lead",
      text: `${first.title} ${isOrAre(first.title)} ${phrase(first.status)}; ${lowerFirst(second.title)} ${isOrAre(second.title)} ${phrase(second.status)}.`,
      cites: [cites.cite(firstChunk), cites.cite(secondChunk)],
      ...(verdict ? { label: verdict } : {}),
    },
  ];
  for (const chunk of [firstChunk, secondChunk]) {
    const said = units.filter((u) => u.chunk.id === chunk.id && !u.list).sort((a, b) => b.match - a.match || a.position - b.position)[0] ?? unitsOf(chunk).find((u) => !u.list);
    if (said) parts.push({ kind: "point", label: chunk.title, text: said.text, cites: [cites.cite(chunk)] });
  }
  return parts;
}

/** "Rockwell or C3.ai?", "pure-play vs hyperscalers": both sides, and the sentence that compares them first. */
/** Up to three words before an employer noun ("predictive maintenance startup"): what that employer does. */
const EMPLOYER_NOUN = /(?<![\p{L}\p{N}-])((?:[\p{L}\p{N}-]+ ){1,3})(?:startup|startups|start-up|start-ups|vendor|vendors|company|companies|firm|firms|player|players|provider|providers)\b/gu;

function compareAnswer(units: Unit[], shape: QuestionShape, named: { alias: string; thing: NamedThing }[], cites: CitationBuilder, idf: (t: string) => number, expansions: readonly string[], overviews: ReadonlyMap<string, unknown>, focus?: Chunk): AnswerPart[] | null {
  if (shape.kind !== "compare" && !shape.comparative) return null;
  // "How does the pay there compare to…?": what "there" points at is the first side.
  const sides: { name: string; chunkId: string }[] = focus && !overviews.has(focus.id) ? [{ name: focus.title, chunkId: focus.id }] : [];
  const askLower = shape.ask.toLowerCase();
  // "…a small predictive maintenance startup": the words before an employer noun say what the
  // employer does; the employer (a startup, a vendor) is the side, found by the glossary's word for it.
  // (Only the words right before the noun: "is Cognite a vendor" names no kind of vendor.)
  const employers = [...askLower.matchAll(EMPLOYER_NOUN)].map((m) => {
    const before = m[1]!.trim().split(/\s+/u);
    const run = before.slice(before.findLastIndex((w) => isStopword(w)) + 1);
    return new Set(contentTerms(run.join(" ")));
  });
  const describesEmployer = (name: string) => {
    const terms = contentTerms(name).filter((t) => idf(t) > 0.9);
    return terms.length > 0 && employers.some((words) => terms.every((t) => words.has(t)));
  };
  for (const n of named) {
    // "How does that compare to SaaS deals?" after procurement: the section pointed at already
    // weighs itself against the name ("Enterprise SaaS deals close in 30-90 days").
    if (sides[0] && focus && mentions(focus.text, n.thing.name)) continue;
    if (describesEmployer(n.thing.name)) continue;
    // The section whose heading names it ("Factory floor UX…" for "UX"), before one that mentions it.
    const found = sectionsOf(n.thing);
    const id = found.find((f) => mentions(units.find((u) => u.chunk.id === f)?.chunk.title ?? "", n.thing.name)) ?? found[0];
    if (id && !sides.some((s) => s.chunkId === id)) sides.push({ name: n.thing.name, chunkId: id });
  }
  // A side can also be a section named by its heading ("pure-play vendors", "industrial giants"),
  // or by the glossary's word for it ("a startup" is a pure-play vendor).
  const asked = new Set([...contentTerms(shape.ask), ...expansions]);
  const seen = new Set<string>();
  for (const u of units) {
    if (seen.has(u.chunk.id) || sides.some((s) => s.chunkId === u.chunk.id) || overviews.has(u.chunk.id)) continue;
    seen.add(u.chunk.id);
    // Only the heading's distinctive words count: "manufacturing" or "AI" name no side.
    const title = contentTerms(u.chunk.title).filter((t) => idf(t) > 0.9);
    const shared = title.filter((t) => asked.has(t)).length;
    if (shared > 0 && shared / title.length >= 0.34 && !describesEmployer(u.chunk.title)) sides.push({ name: u.chunk.title, chunkId: u.chunk.id });
  }
  if (sides.length < 2) return null;
  // The question's order: the side it names first is its subject.
  const at = (name: string) => {
    const i = askLower.indexOf(name.toLowerCase().split(" ")[0]!);
    return i < 0 ? Infinity : i;
  };
  sides.sort((a, b) => (a.chunkId === focus?.id ? -1 : b.chunkId === focus?.id ? 1 : at(a.name) - at(b.name)));
  // Each side's sentence about it by name first ("GE Digital's APM suite"), then one that weighs it
  // (a trade-off: "lower", "fastest", "broader"), then the best match.
  const sideName = new Map(sides.map((s) => [s.chunkId, s.name] as const));
  // "Pros and cons?", "which is better?": the trade-off each side carries (risk, stability, a
  // "but") is what the person weighs.
  const generic = /\b(pros|cons|trade-?offs?|better|difference|differ|compare|worth it)\b/u.test(shape.ask.toLowerCase());
  const rank = (u: Unit) => (mentions(u.text, sideName.get(u.chunk.id) ?? "\u0000") ? 2 : 0) + (COMPARATIVE.test(u.text) ? 1 : 0) + (generic && TRADE_OFF.test(u.text) ? 1 : 0);
  const sideUnits = (id: string) => units.filter((u) => u.chunk.id === id && !u.list).sort((a, b) => rank(b) - rank(a) || b.score - a.score);
  const inSides = (u: Unit) => sides.slice(0, 2).some((s) => s.chunkId === u.chunk.id);
  // The sentence that weighs one side against the other ("lower than pure-play vendors") leads.
  const otherSide = (u: Unit) => sides.slice(0, 2).some((s) => s.chunkId !== u.chunk.id && contentTerms(s.name).some((t) => idf(t) > 0.9 && u.terms.has(t)));
  const weigh = (u: Unit) => (/\bthan\b/iu.test(u.text) || otherSide(u) ? 2 : 0) + (COMPARATIVE.test(u.text) ? 1 : 0);
  // What the question weighs them on (pay, learning, stability) decides; a sentence
  // that compares the sides gets a small edge.
  const edge = generic ? WEIGH_EDGE_GENERIC : WEIGH_EDGE;
  const lead = units.filter((u) => inSides(u) && !u.list).sort((a, b) => b.score + edge * weigh(b) - (a.score + edge * weigh(a)))[0] ?? sideUnits(sides[0]!.chunkId)[0];
  if (!lead) return null;
  const labelOf = (side: { name: string; chunkId: string }, chunk: Chunk) => (side.name === chunk.title ? chunk.title : `${side.name}, ${lowerFirst(chunk.title)}`);
  const leadSide = sides.find((s) => s.chunkId === lead.chunk.id)!;
  const verdict = shape.kind === "yesno" ? comparativeVerdict(lead, shape, lead.chunk.id !== sides[0]!.chunkId) : null;
  const parts: AnswerPart[] = [{ kind: "lead", label: verdict ? `${verdict}, ${lowerFirst(labelOf(leadSide, lead.chunk))}` : labelOf(leadSide, lead.chunk), text: lead.text, cites: [cites.cite(lead.chunk, lead.score)] }];
  // Two sides, unless the question names three.
  // Each side gets what it says by name or by weighing, and its next best sentence (two
  // sentences a side say what each is, not just that they differ).
  const shown = named.length >= 3 ? 3 : 2;
  for (const side of sides.slice(0, shown)) {
    const ranked = sideUnits(side.chunkId).filter((u) => u !== lead);
    // Pros and cons: a side whose first sentence is all upside also shows its catch (a risk, a "but").
    const catchOf = generic && ranked[0] && !TRADE_OFF.test(ranked[0].text) && !(lead.chunk.id === side.chunkId && TRADE_OFF.test(lead.text)) ? ranked.slice(1).find((u) => TRADE_OFF.test(u.text)) : undefined;
    const second = generic ? ranked[1] : [...ranked].sort((a, b) => b.score - a.score).find((u) => u !== ranked[0]);
    const chosen = catchOf ? [ranked[0], ranked.find((u) => u !== ranked[0] && u !== catchOf), catchOf] : [ranked[0], second];
    for (const u of chosen.filter((x): x is Unit => !!x).slice(0, shown === 2 ? chosen.length : 1)) {
      // A side is named once, on its first sentence: the next one reads as more about it.
      const alreadyNamed = parts.some((p) => p.label && p.cites.includes(cites.cite(u.chunk, u.score)));
      parts.push({ kind: "point", ...(alreadyNamed ? {} : { label: labelOf(side, u.chunk) }), text: u.text, cites: [cites.cite(u.chunk, u.score)] });
    }
  }
  return parts;
}

/** A "more"/"less" question against a sentence that says "lower than …" / "highest": do they agree? */
function comparativeVerdict(lead: Unit, shape: QuestionShape, aboutOther: boolean): string | null {
  const said = /\b(less|lower|lowest|fewer|smaller|slower|narrower|least)\b/iu.test(lead.text) ? "less" : /\b(more|higher|highest|broader|greater|faster|fastest|largest|most|bigger)\b/iu.test(lead.text) ? "more" : null;
  if (!said || !shape.comparative) return null;
  return (said === shape.comparative) !== aboutOther ? "Yes" : "No";
}

/**
 * An overview section ("six use cases", "three tiers") asked about as a whole is answered with its
 * subsections, whole and in the guide's order, one item each.
 */
function enumerationAnswer(units: Unit[], input: ComposeInput, cites: CitationBuilder, byId: Map<string, Chunk>): AnswerPart[] | null {
  const { shape, facts, retrieval } = input;
  // A follow-up about one thing ("and who buys it") is about that thing, not its whole family.
  const top = input.focus?.[0] ? byId.get(input.focus[0]) : retrieval.results.find((r) => r.chunk.metadata.Kind !== "promotion")?.chunk;
  if (!top) return null;
  // The overview itself was found first, or a list question found one of its subsections and
  // does not name that subsection ("which companies hire…" finds a tier's list).
  let overview = facts.children.has(top.id) ? top : null;
  // A list question may find a subsection first by a shared word; an overview just behind it
  // whose heading the question asks about ("AI use cases") is what it wants listed.
  if (!overview && !input.focus?.length && (shape.kind === "list" || shape.kind === "who")) {
    const asked = new Set([...retrieval.question.terms, ...retrieval.question.expansionTerms]);
    const runnerUp = retrieval.results.slice(0, 3).find((r) => r.score >= 0.85 && facts.children.has(r.chunk.id) && contentTerms(r.chunk.title).filter((t) => input.idf(t) > 0.9).some((t) => asked.has(t)));
    if (runnerUp) overview = runnerUp.chunk;
  }
  if (!overview && !input.focus?.length && (shape.kind === "who" || shape.kind === "list") && units[0]) {
    const parent = byId.get(units[0].chunk.parentSection);
    const asked = new Set(contentTerms(shape.ask));
    const child = contentTerms(units[0].chunk.title);
    const namesChild = child.filter((t) => asked.has(t)).length / Math.max(1, child.length) >= 0.5;
    if (parent && facts.children.has(parent.id) && !namesChild) overview = parent;
  }
  if (!overview) return null;
  const members = facts.children.get(overview.id)!;
  if (members.length < 2) return null;
  const asked = new Set([...retrieval.question.terms, ...retrieval.question.expansionTerms]);
  const distinctive = (title: string) => contentTerms(title).filter((t) => input.idf(t) > 0.9);
  // The question must ask about the overview's subject ("use cases", "companies hiring")…
  if (!input.focus?.length && !distinctive(overview.title).some((t) => asked.has(t))) return null;
  // …and not name one of its subsections ("the cloud hyperscalers"), which then answers alone.
  // A heading's word no sibling heading has ("giants", "hyperscalers") names it on its own.
  const memberTitles = members.map((id) => distinctive(byId.get(id)?.title ?? ""));
  const ownWord = (title: string[], i: number) => title.some((t) => asked.has(t) && input.idf(t) > 2 && memberTitles.every((other, j) => j === i || !other.includes(t)));
  if (memberTitles.some((title, i) => title.length > 0 && (title.filter((t) => asked.has(t)).length / title.length >= 0.5 || ownWord(title, i)))) return null;
  // "Which companies are good for learning?" asks about something one subsection says and the
  // overview does not: that subsection answers it, not the whole list.
  const overviewTerms = new Set(contentTerms(`${overview.headingPath.join(" ")} ${overview.text}`));
  const memberTerms = new Set(members.flatMap((id) => contentTerms(byId.get(id)?.text ?? "")));
  // (Unless the question's own words lead to the overview by the glossary: "why do projects fail?"
  // means the constraints as a whole, though one of them says "fail".)
  // (Two adjacent words of its heading, "unique constraints", not one shared word, "companies".)
  const headingWords = contentTerms(overview.title);
  const ledToOverview = headingWords.some((t, i) => i + 1 < headingWords.length && retrieval.question.expansionTerms.includes(t) && retrieval.question.expansionTerms.includes(headingWords[i + 1]!));
  // (Nor when a list question found the overview itself first: "which big limits make … difficult?"
  // restates the family in its own words; it does not single out one member.)
  const listFoundOverview = shape.kind === "list" && overview === top;
  if (!ledToOverview && !listFoundOverview && retrieval.question.terms.some((t) => !overviewTerms.has(t) && memberTerms.has(t) && input.idf(t) > 2.2)) return null;
  const leadUnit = units.filter((u) => u.chunk.id === overview.id && !u.list).sort((a, b) => b.score - a.score)[0] ?? unitsOf(overview).find((u) => !u.list);
  if (!leadUnit) return null;
  const parts: AnswerPart[] = [{ kind: "lead", text: leadUnit.text, cites: [cites.cite(overview, leadUnit.score)] }];
  for (const id of members) {
    const chunk = byId.get(id)!;
    const own = unitsOf(chunk);
    const scored = units.filter((u) => u.chunk.id === id);
    const list = own.find((u) => u.list);
    const status = chunk.metadata.Status ? `${(STATUS_PHRASE[chunk.metadata.Status.toLowerCase()] ?? chunk.metadata.Status).replace(/^./u, (c) => c.toUpperCase())}. ` : "";
    const best = (shape.kind === "who" || shape.kind === "list") && list ? list : (scored.filter((u) => !u.list && u.match > 0).sort((a, b) => b.match - a.match || a.position - b.position)[0] ?? own.find((u) => !u.list) ?? list);
    if (!best) continue;
    parts.push({ kind: "item", label: chunk.title, text: `${status}${best.list ?? best.text}`, cites: [cites.cite(chunk)] });
  }
  return parts;
}

/** A heading inside a sentence ("Yes, industrial giants…"), lower-cased unless it starts with an acronym ("OT/IT convergence"). */
function lowerFirst(text: string): string {
  return /^\p{Lu}[\p{Lu}\d/&-]/u.test(text) ? text : text.replace(/^./u, (c) => c.toLowerCase());
}

function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** Sections named by the coaching content (what the guide has nearby for an ask it does not speak to), one item each: heading and first sentence, in order. */
export function composeSectionsList(sections: readonly Chunk[]): ComposedAnswer {
  const cites = new CitationBuilder();
  const parts: AnswerPart[] = [];
  for (const chunk of sections) {
    const first = unitsOf(chunk).find((u) => !u.list);
    if (first) parts.push({ kind: "item", label: chunk.title, text: first.text, cites: [cites.cite(chunk)] });
  }
  return { text: plainTextOf(parts), parts, citations: cites.citations, followUps: [] };
}

/** The chunks an answer should draw on, for the model's context: the best match, and its subsections when it is an overview. */
export function chooseChunks(results: RetrievedChunk[], allChunks: readonly Chunk[]): RetrievedChunk[] {
  const usable = results.filter((r) => r.chunk.metadata.Kind !== "promotion");
  const pool = usable.length > 0 ? usable : results;
  const [first, ...rest] = pool;
  if (!first) return [];
  const children = (documentsOf(allChunks).get(first.chunk.source) ?? []).filter((c) => c.parentSection === first.chunk.id && c.metadata.Kind !== "promotion");
  if (children.length > 0) {
    const scoreOf = new Map(results.map((r) => [r.chunk.id, r] as const));
    const ranked = children.map((chunk) => scoreOf.get(chunk.id) ?? { chunk, score: 0, dense: 0, lexical: 0 }).sort((a, b) => b.score - a.score || a.chunk.order - b.chunk.order);
    return [first, ...ranked.slice(0, 6)];
  }
  return [first, ...rest.filter((r) => r.score >= 0.55 && r.lexical > 0).slice(0, 2)];
}

/** Two or three questions about the sections next to the answer's main section. */
function followUpsFor(used: Chunk[], allChunks: readonly Chunk[]): string[] {
  const top = used[0];
  if (!top) return [];
  const usedIds = new Set(used.map((c) => c.id));
  // Suggestions stay in the answer's own document (a question about tiers is not followed by the
  // functional-safety note).
  const candidates = (documentsOf(allChunks).get(top.source) ?? []).filter((c) => !usedIds.has(c.id) && c.metadata.Kind !== "promotion");
  const siblings = candidates.filter((c) => c.parentSection === top.parentSection && c.parentSection !== "");
  const children = candidates.filter((c) => c.parentSection === top.id);
  const byDistance = (a: Chunk, b: Chunk) => Math.abs(a.order - top.order) - Math.abs(b.order - top.order) || a.order - b.order;
  const picks = [...children.sort(byDistance), ...siblings.sort(byDistance), ...candidates.sort(byDistance)];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of picks) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    out.push(`Tell me about “${c.title}”`);
    if (out.length === 3) break;
  }
  return out;
}
