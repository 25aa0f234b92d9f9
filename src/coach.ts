import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Answer, HistoryMessage, ReasonCode, Turn } from "./types.js";
import type { CoachConfig } from "./config.js";
import type { Logger } from "./logger.js";
import { escapeRegExp, Glossary } from "./knowledge/glossary.js";
import { AnsweredQuestions, termWeightIn, type QuestionMatch } from "./knowledge/questions.js";
import { embedderSpecOf, openIndex } from "./retrieval/index-store.js";
import { HybridRetriever } from "./retrieval/retriever.js";
import { isAnswerable, loadAnswerabilityModel } from "./retrieval/answerability.js";
import { composeExtractiveAnswer, composeSectionsList, LEARNING_WORD } from "./compose/extractive.js";
import { emptyInputRail, inputLengthRail, rateLimitRail } from "./guardrails/input.js";
import { createInjectionRail } from "./guardrails/injection.js";
import { Guard } from "./guardrails/guard.js";
import { createLlmGuardRail, createSafetyRail } from "./guardrails/rails.js";
import { RateLimiter } from "./guardrails/rate-limit.js";
import { MemoryStateStore, type StateStore } from "./state/store.js";
import { checkPartsGrounding, neutralizeControlSequences, stripDisallowedLinks } from "./guardrails/output.js";
import type { InputRail } from "./guardrails/verdict.js";
import { asCoachError, EmbeddingsUnavailableError, KnowledgeInvalidError, logFields, ModelCallError } from "./errors.js";
import { stripPersonalData } from "./guardrails/privacy.js";
import { ResilientChatModel, type ChatModel } from "./llm/model.js";
import { composeLlmAnswer, judgeKeyPoints, loadPrompts, rewriteFollowUp } from "./compose/llm.js";
import { PROJECT_ROOT } from "./paths.js";
import { englishRarity } from "./text/english.js";
import { loadCoachingContent, sectionsUnder } from "./coaching/content.js";
import { COACHING_STARTERS, CoachingModes, type CoachingReply } from "./coaching/modes.js";
import { smallTalkReply } from "./compose/small-talk.js";
import { inGuideWorld, namesIn, numberKinds, type NamedThing } from "./knowledge/facts.js";
import { contentTerms, isStopword, splitSentences, stem, stripTags, words } from "./text/normalize.js";
import type { Retrieval } from "./retrieval/retriever.js";
import type { Chunk } from "./types.js";
import { mainClause, SELF_QUESTION, shapeOf, type QuestionShape } from "./compose/question.js";
import { chooseAmongSubsections, memoryOf, resolveReference, type ConversationMemory } from "./compose/references.js";
import { messageParts, plainTextOf } from "./compose/parts.js";
import { partsFromCoachingText } from "./coaching/parts.js";
import { parseCoachingAction } from "./coaching/actions.js";
import { choosePath, parseProfile, type Profile } from "./coaching/plan.js";
import type { AnswerPart, Citation } from "./types.js";

export interface AskOptions {
  /** Streaming (LLM mode): called with each piece of the model's text as it arrives. The answer
   * of record is still the final, checked one: if the draft fails its checks, the returned
   * Answer is the extractive one. */
  onToken?: (token: string) => void;
}

export interface Coach {
  ask(turn: Turn, options?: AskOptions): Promise<Answer>;
  /** The loaded index, for renderers and evals that resolve citations. */
  readonly retriever: HybridRetriever;
  /** What the coach suggests asking (welcome screens, no-answer replies). */
  readonly sampleQuestions: readonly string[];
  /** The coaching modes and the message that starts each (interview practice, study plan, readiness check). */
  readonly coachingStarters: typeof COACHING_STARTERS;
  /** What the coach says about itself and when it fails, the same on every surface. */
  readonly words: CoachWords;
}

/** The coach's own sentences (knowledge/coach.json `words`): said once, shown by every surface. */
export interface CoachWords {
  /** The coach's name (coach.json `name`). */
  name: string;
  /** Opens a conversation (assistant pane, welcome). */
  greeting: string;
  /** What the coach does, for home tabs and welcome cards. */
  about: string;
  /** What it will not do. */
  limits: string;
  /** The one sentence a user sees when something failed on the coach's side. */
  apology: string;
  /** Shown under an answer with sources, by how it was written. */
  sourcesNote: { extractive: string; llm: string };
  /** The heading over an answer's sources. */
  sourcesHeading: string;
  /** Said when the guide does not cover a question in the coach's field. */
  notCovered: string;
  /** Said when a question is outside the coach's field. */
  offTopic: string;
}

export interface CoachOptions {
  /** Shared state for rate limits and coaching sessions (Redis when scaled out); in-process by default. */
  state?: Pick<StateStore, "hit" | "getRecord" | "setRecord" | "deleteRecord">;
  /** The chat model for LLM mode; by default built from config (none when LLM_PROVIDER=none). */
  chatModel?: ChatModel | null;
  /** Time for coaching sessions (tests move it). */
  clock?: () => number;
  /** Told each time a model draft is not used (for metrics). */
  onModelFallback?: (cause: string) => void;
}

interface CoachProfile {
  sampleQuestions: string[];
  domainTerms?: string[];
  name: string;
  words: Omit<CoachWords, "name"> & {
    /** Said when the guide does not speak to a topic the coach can name ("{topic}": "networking"); `notCovered` otherwise. */
    notCoveredTopic?: string;
  };
}

/** knowledge/coach.json, checked: a content owner's typo is a clear startup error, not a blank reply. */
function readProfile(path: string): CoachProfile {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Partial<CoachProfile>;
  const words = (profile.words ?? {}) as Partial<CoachWords>;
  const missing = [
    ...(typeof profile.name === "string" && profile.name ? [] : ["name"]),
    ...(Array.isArray(profile.sampleQuestions) ? [] : ["sampleQuestions"]),
    ...(["greeting", "about", "limits", "apology", "sourcesHeading", "notCovered", "offTopic"] as const).filter((k) => typeof words[k] !== "string" || !words[k]).map((k) => `words.${k}`),
    ...(typeof words.sourcesNote?.extractive === "string" && typeof words.sourcesNote.llm === "string" ? [] : ["words.sourcesNote.extractive and .llm"]),
  ];
  if (missing.length) throw new KnowledgeInvalidError(`${path}: missing or not text: ${missing.join(", ")}`);
  return profile as CoachProfile;
}

/** How long the coach remembers its last answer in a conversation (for "the second one", "it"). */
const MEMORY_TTL_MS = 2 * 3_600_000;
/** A question this close to a way people ask for a guide sentence is answerable whatever the other evidence says. */
const ASKED_ANSWERABLE = 0.7;

/** History is bounded before any rail reads it: turns, characters per turn, characters in all. */
export const HISTORY_LIMITS = { turns: 12, turnChars: 2_000, totalChars: 8_000 } as const;

export async function createCoach(config: CoachConfig, logger: Logger, options: CoachOptions = {}): Promise<Coach> {
  const glossary = Glossary.fromFile(join(config.knowledgeDir, "glossary.json"));
  const profile = readProfile(join(config.knowledgeDir, "coach.json"));
  const index = await openIndex(config.knowledgeDir, config.dataDir, logger, embedderSpecOf(config));
  const retriever = new HybridRetriever(index, glossary);
  let lastDenseWarning = 0;
  retriever.onDenseFailure = (error) => {
    if (Date.now() - lastDenseWarning < 60_000) return;
    lastDenseWarning = Date.now();
    logger.warn({ ...logFields(new EmbeddingsUnavailableError("embedding model unreachable", { cause: error })), embedder: index.manifest.embedder.id }, "embedding model unreachable: retrieving lexically until it is back");
  };
  const answerability = loadAnswerabilityModel();
  const answeredQuestions = AnsweredQuestions.fromFile(join(config.knowledgeDir, "questions.json"), retriever.guideChunks, (q) => shapeOf(q).numberKind);
  const termWeight = termWeightIn({ has: (t) => retriever.knows(t), idf: (t) => retriever.idf(t) });
  // Saved with the index at ingest (reading every chunk for them took ~1.35 s at 50,000 chunks).
  const { names, linkHosts } = index;

  englishRarity("warm"); // load the word list now, not during the first question
  const chatModel =
    options.chatModel !== undefined
      ? options.chatModel
      : config.llmProvider === "none"
        ? null
        : // The model client's packages are loaded only when a model is configured (see llm/openai-chat.ts).
          new ResilientChatModel(new (await import("./llm/openai-chat.js")).LangChainChatModel(config), { timeoutMs: config.llm.timeoutMs });
  const prompts = chatModel ? loadPrompts(join(PROJECT_ROOT, "prompts")) : null;
  const state = options.state ?? new MemoryStateStore();
  const coachingContent = loadCoachingContent(config.knowledgeDir, index.chunks);
  const coaching = new CoachingModes(
    coachingContent,
    state,
    options.clock,
    chatModel && prompts ? (question, answer, missed) => judgeKeyPoints(question, answer, missed, chatModel, prompts) : null,
    (error) => {
      logger.warn({ model: chatModel?.id, cause: error instanceof ModelCallError ? error.failure : "unexpected" }, "practice answer judged on its words only: the model was unavailable");
      options.onModelFallback?.(error instanceof ModelCallError ? error.failure : "unexpected");
    },
  );

  // Cheap structural checks first, then policy: safety before injection, so a jailbreak that
  // asks for a bypass is answered with the safety explanation. The policy rails read meaning
  // (lexicon + intent classifier, versioned with the index) over the turn and the history; with
  // a model configured, the model is asked for a second opinion that can only add a refusal.
  const guard = Guard.fromKnowledge(config.knowledgeDir, index.dir, (note) => logger.info({ note }, "guard model"));
  const inputRails: InputRail[] = [
    emptyInputRail,
    inputLengthRail(config.maxInputChars),
    rateLimitRail(new RateLimiter(config.rateLimitPerMinute, state)),
    createSafetyRail(guard, state),
    createInjectionRail(guard),
    ...(chatModel
      ? [createLlmGuardRail(guard, chatModel, join(PROJECT_ROOT, "prompts", "guard.txt"), (cause) => logger.warn({ model: chatModel.id, cause }, "guard second opinion unavailable: the offline verdict stands"))]
      : []),
  ];

  const reply = (started: number, outcome: Answer["outcome"], reason: ReasonCode | null, text: string, followUps: string[] = []): Answer => ({
    outcome,
    reason,
    text,
    parts: messageParts(text),
    citations: [],
    followUps,
    mode: "extractive",
    latencyMs: elapsed(started),
  });

  // The field's words: the profile's list plus the glossary's acronyms (PLC, SCADA, PdM…), but not
  // its everyday synonyms ("learn", "job"), which say nothing about the field.
  const fieldWords = [...(profile.domainTerms ?? []), ...glossary.entries.map((e) => e.term).filter((t) => /\p{Lu}/u.test(t))];
  const domainTerms = new Glossary(fieldWords.map((term) => ({ term, expansions: [term] })));
  // The guide's own world, read from the knowledge by the retriever: its names (companies,
  // products, standards, protocols), headings and rare terms. The field's words are domainTerms.
  const facts = retriever.facts;
  /**
   * Nothing of the question is about this coach's world: answer with a redirect, not with "the
   * guide doesn't cover it", which would suggest it might.
   */
  // The sections of the ways into the role, as the coaching content names them.
  const careerSteps = Object.values(coachingContent.plan.paths)
    .map((p) => retriever.guideChunks.find((c) => c.title.toLowerCase() === p.section.toLowerCase())?.id)
    .filter((id): id is string => !!id);
  // Words the coach knows besides the guide's own: the glossary's terms.
  // (Not the field's words: "MBA" or "Six Sigma" mark a question as in the field, and the guide
  // still says nothing about them.)
  const knownNames = new Set(glossary.entries.map((e) => e.term.toLowerCase()));
  /**
   * Capitalised words inside a sentence that no knowledge document nor the glossary knows
   * ("Germany", "Jira"; a plant's own note makes "Leeds" known): proper names the question is
   * specifically about. Sentence-initial words and "I" are
   * not names; a bounded question keeps this linear.
   */
  const namesTheGuideLacks = (question: string): string[] => {
    const found: string[] = [];
    const bounded = question.slice(0, 2_000);
    // Shouting is not naming: in an all-caps question capitals say nothing.
    const letters = bounded.replace(/[^\p{L}]/gu, "");
    if (letters.length > 0 && letters.replace(/[^\p{Lu}]/gu, "").length / letters.length > 0.5) return found;
    const unknown = (word: string) => {
      const lower = word.toLowerCase();
      if (word.length < 2 || isStopword(lower) || knownNames.has(lower) || retriever.knows(stem(lower)) || index.lexical.has(stem(lower)) || facts.worldWords.has(lower)) return false;
      // Plurals and spellings the glossary knows ("KPIs").
      return glossary.expansionsFor(word).length === 0;
    };
    // A run of capitalised words is one name ("Lean Six Sigma"), lacking if any word of it is.
    for (const m of bounded.matchAll(/(?<=[\p{L}\p{N},;:)]\s)(\p{Lu}[\p{L}\p{N}#+]*(?:\s\p{Lu}[\p{L}\p{N}#+]*){0,4})/gu)) {
      const name = m[1]!;
      if (name.split(/\s/u).some(unknown) && !found.includes(name)) found.push(name);
    }
    return found;
  };
  const employerSections = (coachingContent.plan.paths.internal.employersListedIn ?? [])
    .map((title) => retriever.guideChunks.find((c) => c.title.toLowerCase() === title.toLowerCase())?.id)
    .filter((id): id is string => !!id);
  // The steps a person with an OT background has already taken: the sections of the plan's phases
  // that such a person only needs as a refresher (coaching.json's withOtBackground).
  const otSteps = coachingContent.plan.phases
    .filter((p) => p.withOtBackground !== undefined)
    .flatMap((p) => p.lines.map((l) => retriever.guideChunks.find((c) => c.title.toLowerCase() === l.section.toLowerCase())?.id))
    .filter((id): id is string => !!id);
  // What a person says matters most when choosing an employer (coaching.json plan.priorities),
  // each with the guide sentence that speaks to it. One alternation of literal words per priority.
  const priorities = (coachingContent.plan.priorities?.items ?? []).flatMap((p) => {
    const chunk = retriever.guideChunks.find((c) => c.title.toLowerCase() === p.section.toLowerCase());
    if (!chunk) return [];
    return [{ id: p.id, chunkId: chunk.id, evidence: p.evidence, pattern: wholeWordsPattern(p.says) }];
  });
  /** The priority a person names first in their words, as the guide sentence that answers "where should I look?" for it. */
  const priorityIn = (text: string): QuestionMatch | null => {
    const lower = text.slice(0, 2_000).toLowerCase();
    let first: { at: number; match: QuestionMatch } | null = null;
    for (const p of priorities) {
      const found = p.pattern.exec(lower);
      if (!found) continue;
      const at = found.index;
      // What a person plays down ("money isn't what matters", "I'd trade some pay for…", "stability
      // over pay") is not what they are choosing for.
      const before = lower.slice(Math.max(0, at - 30), at);
      const after = lower.slice(at + found[0].length, at + found[0].length + 25);
      if (PLAYED_DOWN_BEFORE.test(before) || PLAYED_DOWN_AFTER.test(after)) continue;
      if (!first || at < first.at) first = { at, match: { chunkId: p.chunkId, answer: p.evidence, score: 1, alone: true } };
    }
    return first?.match ?? null;
  };
  // What people ask about their own move (coaching.json plan.asks): the guide sentence that answers
  // each, or the topic the guide does not speak to. One alternation of literal words per ask.
  const planAsks = (coachingContent.plan.asks?.items ?? []).flatMap((a) => {
    const chunk = a.section ? retriever.guideChunks.find((c) => c.title.toLowerCase() === a.section!.toLowerCase()) : undefined;
    if (a.section && !chunk) return [];
    const nearby = a.nearby ? sectionsUnder(retriever.guideChunks, a.nearby).map((c) => c.id) : undefined;
    return [{ id: a.id, chunkId: chunk?.id, evidence: a.evidence, notCovered: a.notCovered, nearby, pattern: wholeWordsPattern(a.says) }];
  });
  /** A question's asks about the person's own move, in the order asked: what the guide answers, and what it does not speak to. */
  const asksIn = (question: string): { answered: QuestionMatch[]; notCovered: string[]; nearby: string[][] } => {
    const lower = question.slice(0, 2_000).toLowerCase();
    const found = planAsks.flatMap((a) => {
      const at = a.pattern.exec(lower)?.index;
      return at === undefined ? [] : [{ at, ask: a }];
    }).sort((x, y) => x.at - y.at);
    return {
      answered: found.filter((f) => f.ask.chunkId && f.ask.evidence).map((f) => ({ chunkId: f.ask.chunkId!, answer: f.ask.evidence!, score: 1, explicit: true })),
      notCovered: found.flatMap((f) => (f.ask.notCovered ? [f.ask.notCovered] : [])),
      nearby: found.flatMap((f) => (f.ask.nearby?.length ? [f.ask.nearby] : [])),
    };
  };
  const isOffTopic = (question: string) => !inGuideWorld(question, facts) && domainTerms.expansionsFor(question).length === 0;

  const noAnswer = (started: number, question: string): Answer =>
    isOffTopic(question)
      ? reply(
          started,
          "no_answer",
          "off_topic",
          profile.words.offTopic,
          profile.sampleQuestions.slice(0, 3),
        )
      : reply(
          started,
          "no_answer",
          "not_in_guide",
          profile.words.notCovered,
          profile.sampleQuestions.slice(0, 3),
        );

  /** Asked what the guide does not speak to ("networking"): said by name, with what the coach can help with. */
  const notCoveredTopic = (started: number, topics: string[]): Answer => {
    const template = profile.words.notCoveredTopic;
    const text = template ? template.replace("{topic}", joinTopics(topics)) : profile.words.notCovered;
    return reply(started, "no_answer", "not_in_guide", text, profile.sampleQuestions.slice(0, 3));
  };

  async function ask(turn: Turn, askOptions: AskOptions = {}): Promise<Answer> {
    const started = performance.now();
    const text = typeof turn?.text === "string" ? turn.text : "";
    const history = sanitizeHistory(turn?.history);
    // A pressed coaching button's action came from a client: checked field by field before it acts.
    const action = parseCoachingAction(turn?.action);
    const userKey = `${turn?.user?.platform ?? "unknown"}:${turn?.user?.id ?? "anonymous"}`;
    const log = logger.child({ conversationId: turn?.conversationId, platform: turn?.user?.platform });

    for (const rail of inputRails) {
      const verdict = await rail.check({ text, history, userKey, conversationId: String(turn?.conversationId ?? "unknown") });
      if (verdict.kind === "refuse") {
        log.info({ rail: rail.name, reason: verdict.reason }, "input refused");
        return reply(started, "refused", verdict.reason, verdict.message);
      }
    }
    try {
      // Interview practice, study plans and readiness checks come before retrieval: in a running
      // session the message is the next step, not a new question.
      const coached = await coaching.handle({ text, userKey, conversationId: String(turn?.conversationId ?? "unknown"), ...(action ? { action } : {}) });
      if (coached?.kind === "reply") return coachingAnswer(started, coached, log);
      const social = coached ? null : smallTalkReply(text, profile.sampleQuestions, COACHING_STARTERS, profile.words.about);
      if (social) return reply(started, "no_answer", "small_talk", social.text, social.followUps);
      const answer = await answerFromGuide(text, history, log, askOptions, started, `conversation:${userKey}:${String(turn?.conversationId ?? "unknown")}`);
      if (coached?.kind !== "aside") return answer;
      // A side question mid-session: the answer, plus where the paused session stands and a way back.
      const parts = [...answer.parts, ...partsFromCoachingText(coached.note).map((p) => ({ ...p, kind: "note" as const }))];
      return { ...answer, parts, text: plainTextOf(parts), followUps: answer.followUps.slice(0, 2), coaching: coached.coaching };
    } catch (error) {
      const coachError = asCoachError(error);
      log.error({ code: coachError.code, err: coachError }, "answer failed");
      return reply(started, "refused", "internal_error", profile.words.apology);
    }
  }

  function coachingAnswer(started: number, coached: Extract<CoachingReply, { kind: "reply" }>, log: Logger): Answer {
    const parts = partsFromCoachingText(neutralizeControlSequences(coached.text));
    // Lines that cite the guide state its content and are checked; the coach's own prompts are not claims.
    const problems = checkPartsGrounding(parts.filter((p) => p.cites.length > 0), coached.citations, names);
    if (problems.length > 0) {
      // The content is checked against the guide at start, so this means a bug: say so in the log.
      log.error({ problems: problems.map((p) => ({ problem: p.problem, detail: p.detail, sentence: p.sentence.slice(0, 120) })) }, "coaching message failed grounding");
    }
    log.info({ coaching: coached.coaching }, "coaching step");
    return { outcome: "answered", reason: null, text: plainTextOf(parts), parts, citations: coached.citations, followUps: coached.followUps, mode: "extractive", latencyMs: elapsed(started), coaching: coached.coaching };
  }

  async function answerFromGuide(rawText: string, rawHistory: HistoryMessage[], log: Logger, askOptions: AskOptions, started: number, memoryKey: string): Promise<Answer> {
    // Contact details, ids and names say nothing about what the guide covers, and must not reach
    // a model: retrieval and the model see the question and history without them.
    const history = rawHistory.map((m) => ({ role: m.role, content: stripPersonalData(m.content) }));
    // Markup pasted from a web page or a rich-text client ("<p>What is <i>PdM</i>?</p>") is not the question's words.
    const text = stripTags(stripPersonalData(rawText));
    if (!/[\p{L}\p{N}]/u.test(text)) return noAnswer(started, rawText);
    const memory = await state.getRecord<ConversationMemory>(memoryKey).catch(() => null);
    const reference = resolveReference(text, history, memory, facts, retriever.guideChunks);
    const shape = withSituation(shapeOf(reference.text));
    const pointedAt = reference.focus[0] ? retriever.chunkById(reference.focus[0]) : undefined;
    // "Which of them ships offline models?" asks about something the last topic's
    // section does not say: it is a new question in the same conversation, not about that section.
    const focusChunk = pointedAt && followUpCovered(reference.text, pointedAt) ? pointedAt : undefined;
    if (pointedAt && !focusChunk) reference.focus = [];
    // A follow-up that points back searches with its referent's heading; a new topic starts fresh.
    // Background before a question ("I've run shifts for 8 years… what should I do?") is the
    // person's situation, read for their path; the question sentences are what retrieval answers.
    // A person's own story carries what matters to them ("comp matters most", "UX is my strength"),
    // so it is searched with their question; other long messages are searched by their question.
    // A follow-up that asks what its referent's section does not say ("why not the cloud?" after
    // vision QC) is searched as its own words plus the referent's name, without the rest of the
    // conversation, which would pull the referent's section back.
    const moved = pointedAt && !focusChunk ? pointedAt : undefined;
    const about = focusChunk ?? moved;
    let question = `${reference.text.length < 240 || shape.kind === "personal" ? reference.text.slice(0, 1_200) : shape.ask}${about ? ` (${about.title})` : ""}`;
    let retrievalHistory = reference.switched || reference.standalone || about ? [] : history;
    let rewritten = false;
    if (chatModel && prompts && !reference.switched && history.some((m) => m.role === "user")) {
      try {
        const standalone = await rewriteFollowUp(question, history, chatModel, prompts);
        if (standalone) {
          question = standalone;
          // The rewrite carries the context; lexical follow-up handling (and the offline reading
          // of "it" / "the second one") would count it twice.
          retrievalHistory = [];
          rewritten = true;
        }
      } catch (error) {
        log.warn({ model: chatModel.id, cause: error instanceof ModelCallError ? error.failure : "unexpected" }, "follow-up rewrite failed: using the conversation's words instead");
      }
    }
    const retrieval = await retriever.retrieve(question, retrievalHistory, 12);
    // "Which tier pays most?" in one question: the subsection whose section says it is the focus.
    // (Named first like a choice among a list, but the conversation's last list is not kept for it.)
    let chosenInQuestion = false;
    if (reference.focus.length === 0 && !rewritten) {
      const chosen = chooseAmongSubsections(reference.text, retrieval.results.slice(0, 3).map((r) => r.chunk.id), facts, retriever.guideChunks);
      if (chosen) {
        reference.focus = [chosen.id];
        reference.evidence = chosen.sentence;
        chosenInQuestion = true;
      }
    }
    const situation = shape.background ?? shape.situation ?? "";
    const person = shape.kind === "personal" ? parseProfile(withoutAmbition(situation), coachingContent) : null;
    const path = person ? pathFor(situation, person) : null;
    // A person's story (years in a navy, a bakery, a hospital…) is full of words the guide never uses:
    // whether the guide covers what they ask is judged on the question too, not only on the story.
    const askOnly = shape.background && shape.ask.length < question.length && !about ? await retriever.retrieve(shape.ask, [], 12) : null;
    // Steps still to learn, for a person who described themselves without the OT layer.
    // Anyone asking how to get OT literate (the top section is one of those steps) is asking to learn it.
    // (A question about learning whose best matches include how to get OT literate asks that too.)
    const aboutLearningOt = LEARNING_WORD.test(shape.ask.toLowerCase()) && retrieval.results.slice(0, 3).some((r) => otSteps.includes(r.chunk.id) && r.score >= 0.6);
    const learnSteps = person ? (person.otBackground !== true ? otSteps : []) : (retrieval.results[0] && otSteps.includes(retrieval.results[0].chunk.id)) || aboutLearningOt ? otSteps : [];
    const named = namesIn(shape.ask, facts).filter((n) => !n.thing.generic && n.thing.listedIn.length + n.thing.mentionedIn.length <= 4);
    // Calibrated evidence, not keywords, decides whether the guide covers the question. A question
    // about the person's own move, or about a name the guide uses, is answered with what the guide
    // says; when the rest of it is not covered, the answer says so first.
    // A person asking about their own move is always in the guide's remit (its paths and steps).
    // A question about a company the guide only lists ("what's the dress code at Uptake?") is
    // answerable only if what it asks about appears where the guide speaks of that company.
    // The question as people ask it, matched to the guide sentence that answers it (not for a
    // follow-up that points back at something said: what it points at decides).
    // The words of a heading the question names are its subject, not what it asks of it.
    const subject = new Set(namesIn(shape.ask, facts).filter((n) => retriever.guideChunks.some((c) => c.title.toLowerCase() === n.thing.name.toLowerCase())).flatMap((n) => contentTerms(n.thing.name)));
    const asked = pointedAt ? [] : answeredQuestions.match(mainClause(shape.ask), termWeight, 0.5, shape.numberKind, subject);
    // "Comp matters most to me… which kind of employer should I go after?": the employer section
    // that speaks to what matters to them answers, before any other match.
    const choosing = (shape.kind === "personal" || (!!shape.background && SELF_QUESTION.test(shape.ask))) && EMPLOYER_ASK.test(shape.ask.toLowerCase());
    const priority = choosing ? priorityIn(`${situation} ${shape.background ?? ""} ${shape.ask}`) : null;
    if (priority) asked.unshift(priority);
    // What a person asks about their own move ("what do I say in an interview?") is answered by the
    // guide sentence for it, in the order asked; what the guide does not speak to ("am I too old?")
    // is said first, honestly, before what it does say for them.
    // (A remark after the last question mark asks too: "…? the salary side worries me".)
    const afterQuestion = reference.text.includes("?") ? reference.text.slice(reference.text.lastIndexOf("?") + 1, reference.text.lastIndexOf("?") + 300) : "";
    const moveAsks = !pointedAt && (shape.kind === "personal" || SELF_QUESTION.test(shape.ask)) ? asksIn(`${shape.ask} ${afterQuestion}`) : { answered: [], notCovered: [], nearby: [] };
    // (Also without a story: "what will the interviewer test me on?" asks about their own move.)
    if (shape.kind === "personal" || ["explain", "yesno", "steps"].includes(shape.kind)) asked.splice(priority ? 1 : 0, 0, ...moveAsks.answered);
    // "Which of those slows a launch most?": the sentence that made the pick ("takes 12-24 months") leads.
    if (reference.evidence && reference.focus[0] && !rewritten) asked.unshift({ chunkId: reference.focus[0], answer: reference.evidence, score: 1, alone: true });
    const aboutNamed = shape.kind !== "personal" && shape.kind !== "compare" && named.length > 0 && !namedAttributeCovered(shape.ask, retrieval, named.map((n) => n.thing), retriever.guideChunks, (t) => retriever.idf(t));
    const covered = retrieval.results.length > 0 && (isAnswerable(answerability, { ...retrieval.evidence, asked: asked[0]?.score ?? 0 }) || (askOnly !== null && isAnswerable(answerability, { ...askOnly.evidence, asked: asked[0]?.score ?? 0 })) || shape.kind === "personal" || (asked[0]?.score ?? 0) >= ASKED_ANSWERABLE || aboutLearningOt) && !aboutNamed;
    // A name the guide never uses ("…in Germany", "…Jira or Aha?"): what the guide says is not about
    // it, so it is said as a partial answer, never as the answer.
    const foreign = covered && !focusChunk && shape.kind !== "personal" ? namesTheGuideLacks(shape.ask) : [];
    const answerable = covered && foreign.length === 0;
    const partial = foreign.length > 0 || (!answerable && !focusChunk && named.length > 0 && retrieval.results.length > 0);
    // Asked only what the guide does not speak to, and not about their own move: said, by topic.
    // ("…remotely? and how long would the switch take?" also asks a number the guide gives: composed, with the note.)
    const unspoken = moveAsks.notCovered.length > 0 && moveAsks.answered.length === 0 && ["yesno", "explain", "who", "list"].includes(shape.kind);
    // What the guide has nearby for it ("résumés": how to position yourself) follows the note, as its list.
    const nearby = (unspoken || (!answerable && !partial)) && !focusChunk ? moveAsks.nearby[0]?.map((id) => retriever.chunkById(id)).filter((c): c is Chunk => !!c) : undefined;
    if (((!answerable && !partial && !focusChunk) || (unspoken && !focusChunk)) && !nearby?.length) {
      const answer = moveAsks.notCovered.length > 0 ? notCoveredTopic(started, moveAsks.notCovered) : noAnswer(started, text);
      log.info({ reason: answer.reason, evidence: retrieval.evidence }, "no answer in the guide");
      return answer;
    }
    const extractive = nearby?.length ? composeSectionsList(nearby) : composeExtractiveAnswer({ retrieval, shape, facts, chunks: retriever.chunks, idf: (t) => retriever.idf(t), focus: rewritten ? [] : reference.focus, path, partial, partialNames: foreign.length > 0 ? [] : named.map((n) => n.thing), careerSteps, asked, learnSteps, chosenAmong: reference.among === true || chosenInQuestion });
    if (partial) extractive.parts.unshift(foreign.length > 0 ? foreignNote(foreign) : partialNote(named.map((n) => n.thing.name)));
    let composed: { parts: AnswerPart[]; citations: Citation[]; followUps: string[] } = extractive;
    let mode: Answer["mode"] = "extractive";
    if (chatModel && prompts && !partial && !nearby?.length) {
      // A model failure or a rejected draft: the user still gets the grounded extractive answer.
      const notUsed = (cause: string, detail: string) => {
        log.warn({ model: chatModel.id, cause, detail: detail.slice(0, 300) }, "model answer not used: answering extractively");
        options.onModelFallback?.(cause);
      };
      try {
        const draft = await composeLlmAnswer({ question, history, retrieval, model: chatModel, prompts, names, allChunks: retriever.chunks, onToken: askOptions.onToken, extractive });
        if (draft.accepted) {
          const drafted = draft.answer;
          // A verdict or status the composer read from the guide's structure ("Not yet", "Yes")
          // stays on the model's lead: it is data, not wording.
          const verdict = extractive.parts[0]?.kind === "lead" && extractive.parts[0].label && /^(Yes|No|Not yet)\b/u.test(extractive.parts[0].label) ? extractive.parts[0].label : undefined;
          const draftedParts = verdict && drafted.parts[0] ? [{ ...drafted.parts[0], label: verdict }, ...drafted.parts.slice(1)] : drafted.parts;
          composed = { ...drafted, parts: draftedParts, followUps: extractive.followUps };
          mode = "llm";
          log.info({ model: chatModel.id, usage: drafted.usage }, "model answer accepted");
        } else {
          notUsed(`draft_${draft.rejection.cause}`, `${draft.rejection.cause}: ${draft.rejection.detail}`);
        }
      } catch (error) {
        notUsed(error instanceof ModelCallError ? error.failure : "unexpected", error instanceof Error ? error.message : String(error));
      }
    }
    if (moveAsks.notCovered.length > 0 && !partial) composed = { ...composed, parts: [unspokenNote(moveAsks.notCovered, shape.kind === "personal"), ...composed.parts] };
    // "How many months of data…?", "what % of the time…?": an answer with no figure of that kind is
    // what the guide says nearby, said as such, not a dodge.
    // (Only when the number is all it asks: "how much does it cost, and is it worth it?" asks more.)
    const figureKind = shape.kind === "number" && !ALSO_ASKS.test(shape.ask.toLowerCase()) ? shape.numberKind : null;
    // (Any figure counts: "by how much…?" is answered by "45% weight reduction".)
    const noFigure = !!figureKind && !partial && moveAsks.notCovered.length === 0 && !composed.parts.some((p) => numberKinds(p.text).length > 0);
    if (noFigure) composed = { ...composed, parts: [{ kind: "note", text: "The guide gives no figure for that, so I won't guess. What it says nearby:", cites: [] }, ...composed.parts] };
    // Nothing they asked is something the guide speaks to: what it says for them is not the answer.
    const saysOnlyNearby = partial || noFigure || (moveAsks.notCovered.length > 0 && moveAsks.answered.length === 0);
    const parts = composed.parts.map((p) => ({ ...p, text: stripDisallowedLinks(neutralizeControlSequences(p.text), linkHosts), ...(p.label ? { label: neutralizeControlSequences(p.label) } : {}) }));
    const problems = mode === "extractive" ? checkPartsGrounding(parts, composed.citations, names, { everyClaimCites: !partial }) : [];
    if (problems.length > 0) {
      // Extractive answers are grounded by construction; if one is not, the knowledge or the
      // composer is broken, and the user gets an honest no-answer rather than the draft.
      log.error({ problems: problems.map((p) => ({ problem: p.problem, detail: p.detail })) }, "answer failed grounding");
      return noAnswer(started, text);
    }
    // The last list stays the list that "the fourth one" counts in until another list replaces it.
    // Remembered from the offline composition, whose structure (items, lead) is what "the second
    // one" counts in, whichever mode wrote the words.
    const remembered = memoryOf(extractive.parts, extractive.citations);
    // An answer chosen among the last list ("which of those pays most?") leaves that list to choose from again.
    const kept = reference.among && memory ? { ...remembered, list: memory.list, ...(memory.names ? { names: memory.names } : {}) } : remembered.list.length || remembered.names?.length ? remembered : { ...remembered, list: memory?.list ?? [], ...(memory?.names ? { names: memory.names } : {}) };
    await state.setRecord(memoryKey, kept, MEMORY_TTL_MS).catch(() => undefined);
    if (saysOnlyNearby) {
      // The guide does not answer the question, but it does speak of what the question names: a
      // no-answer that says so, with what the guide says, cited.
      log.info({ reason: "not_in_guide", partial: true, sections: composed.citations.map((c) => c.id) }, "partly covered");
      return { outcome: "no_answer", reason: "not_in_guide", text: plainTextOf(parts), parts, citations: composed.citations, followUps: profile.sampleQuestions.slice(0, 3), mode, latencyMs: elapsed(started) };
    }
    log.info({ outcome: "answered", kind: shape.kind, sections: composed.citations.map((c) => c.id) }, "answered");
    return { outcome: "answered", reason: null, text: plainTextOf(parts), parts, citations: composed.citations, followUps: composed.followUps, mode, latencyMs: elapsed(started) };
  }

  /** Whether the section a follow-up points at contains any of the follow-up's own distinctive words. */
  function followUpCovered(text: string, focus: Chunk): boolean {
    // Only words the guide uses in a few sections, and that are not everyday English, say what is
    // asked; "one", "using", "take" are how people ask about anything.
    // The noun an ordinal counts in ("the first tier", "the third use case") names the list, not a question.
    const own = words(text)
      .filter((w) => !isStopword(w) && englishRarity(w) >= 0.3 && !LIST_NOUNS.has(w))
      .map(stem)
      .filter((t) => retriever.knows(t) && retriever.idf(t) > 0.5);
    if (own.length === 0) return true;
    // Its key lines count ("Status: Emerging" answers "what's the status of that one?").
    const said = new Set(contentTerms(`${focus.headingPath.join(" ")} ${focus.text} ${Object.entries(focus.metadata).flat().join(" ")}`));
    return own.some((t) => said.has(t));
  }

  /** The guide's path that fits a person who described themselves (coaching.json's paths). */
  function pathFor(situation: string, parsed: Profile): { chunkId: string; evidence: string; insider: boolean; skipSteps: string[] } | null {
    // "…at ABB": a company the guide lists among manufacturers is a manufacturer.
    const atListedEmployer = namesIn(situation, facts).some((n) => n.thing.listedIn.some((id) => employerSections.includes(id)));
    const person = atListedEmployer ? { ...parsed, atManufacturer: true } : parsed;
    if (person.role === null && !person.atManufacturer) return null;
    const pathId = choosePath(person);
    // A product manager from outside has no single path: the lead is chosen by what they asked.
    if (pathId === "direct") return null;
    const { section, evidence } = coachingContent.plan.paths[pathId];
    const chunk = retriever.guideChunks.find((c) => c.title.toLowerCase() === section.toLowerCase());
    return chunk ? { chunkId: chunk.id, evidence, insider: pathId === "internal", skipSteps: person.otBackground === true ? otSteps : [] } : null;
  }

  /** "Shift lead at a foundry, 6 years. Where do I begin?" describes the person without "I'm". */
  function withSituation(shape: QuestionShape): QuestionShape {
    if (!shape.background || shape.kind === "personal") return shape;
    const person = parseProfile(withoutAmbition(shape.background), coachingContent);
    if (person.role === null && !person.atManufacturer && person.otBackground === null) return shape;
    if (!SELF_QUESTION.test(shape.ask) && shape.kind !== "explain") return shape;
    return { ...shape, situation: shape.background, kind: "personal" };
  }

  return { ask, retriever, sampleQuestions: profile.sampleQuestions, coachingStarters: COACHING_STARTERS, words: { ...profile.words, name: profile.name } };
}

/**
 * Whether what a question asks of a company the guide names is something the guide says: a
 * question with words the guide never uses ("the dress code at Uptake") is covered only if its other
 * words occur where the guide speaks of that company (its tier's section, headings and overview,
 * or the sentences naming it). Section headings named in the question are topics, not checked.
 */
function namedAttributeCovered(question: string, retrieval: Retrieval, things: NamedThing[], chunks: readonly Chunk[], idf: (t: string) => number): boolean {
  const companies = things.filter((t) => !chunks.some((c) => c.title.toLowerCase() === t.name.toLowerCase()));
  // Only a rare word the guide never uses ("equity", "interns") marks something it cannot say.
  if (companies.length === 0 || !retrieval.question.unknownWords.some((w) => englishRarity(w) >= 0.3)) return true;
  const nameTerms = new Set(companies.flatMap((t) => contentTerms(t.name)));
  // The question's own topic words: not the names, not everyday words ("product", "get").
  const everyday = new Set(retrieval.question.unknownWords.concat(question.split(/[^\p{L}\p{N}]+/u)).filter((w) => w && englishRarity(w) < 0.3).map((w) => stem(w.toLowerCase())));
  const asked = [...retrieval.question.terms, ...retrieval.question.expansionTerms].filter((t) => !nameTerms.has(t) && !everyday.has(t) && idf(t) > 0.9);
  if (asked.length === 0) return true;
  const byId = (id: string) => chunks.find((c) => c.id === id);
  return companies.some((thing) => {
    const said = [
      ...thing.listedIn.flatMap((id) => {
        const chunk = byId(id);
        return chunk ? [chunk.text, chunk.headingPath.join(" "), byId(chunk.parentSection)?.text ?? ""] : [];
      }),
      ...thing.mentionedIn.flatMap((id) => {
        const chunk = byId(id);
        return chunk ? [chunk.headingPath.join(" "), ...splitSentences(chunk.text).filter((s) => s.toLowerCase().includes(thing.name.toLowerCase()))] : [];
      }),
    ];
    const terms = new Set(said.flatMap((t) => contentTerms(t)));
    return asked.some((t) => terms.has(t));
  });
}

/** A second question joined to the first ("…, and is it worth doing?"). */
const ALSO_ASKS = /\b(?:and|or|also)\s+(?:is|are|should|do|does|can|could|would|what|how|which|why|who|where)\b/u;

/** Nouns people count a list in: "the second tier", "the last option". */
const LIST_NOUNS = new Set(["tier", "tiers", "type", "types", "kind", "kinds", "category", "categories", "option", "options", "item", "items", "group", "groups", "step", "steps", "path", "paths", "case", "cases", "point", "points"]);

/** "Where should I look?", "which kind of employer should I go after?": a person choosing among employers. */
const EMPLOYER_ASK = /\bwhere (should|do|could|would|can) i (be )?(look|apply|aim|go|target|start looking)[a-z]*\b|\b(which|what) (type|kind|sort|tier)s? of ([a-z]+ ){0,3}(employer|company|companies|firm|organi[sz]ation)s?\b|\bwhich (employer|employers|companies|company|tier)\b|\bwho should i (target|apply to|work for)\b|\b(go after|aim for|target|apply to|join)\b[^?]{0,30}\b(employers?|compan(y|ies)|firms?|tiers?)\b/u;
/** Words before a priority that play it down ("isn't about money", "trade some pay for…", "stability over pay"). */
const PLAYED_DOWN_BEFORE = /(?:\b(?:not|never|no longer|less about|over|than|rather than|instead of|care less about|don't care about|n't care about)\s+(?:(?:the|my|any|much|some|a|bit|of|lot|little|about)\s+){0,3}|\btrade\s+(?:(?:some|a|bit|of|little|lower|less)\s+){0,3})$/u;
/** Words after a priority that play it down ("money isn't what matters", "pay is secondary"). */
const PLAYED_DOWN_AFTER = /^\s*(isn't|is not|doesn't|does not|matters less|is secondary|is less important|aside)\b/u;

/** One alternation of literal, lower-cased words or phrases, matched as whole words (linear time). */
function wholeWordsPattern(says: readonly string[]): RegExp {
  const words = says.map((w) => escapeRegExp(w.toLowerCase())).join("|");
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${words})(?![\\p{L}\\p{N}])`, "u");
}

/** "I want to be an AI PM", "No PM title": a role someone wants or lacks is not the role they have. */
function withoutAmbition(text: string): string {
  return text.replace(/\b(no|not an?|without(?: an?)?|never been an?|zero)\s+(?:ai )?(?:pm|product manager|product owner|product)\b(?: title| experience| background| role)?/giu, " ").replace(/\b(want(?:s|ed)? to|wanna|hope to|hoping to|would like to|'d like to|trying to|try to|aim to|plan to|dream(?:ing)? of|love to)\s+(?:be|become|being|move into|get into|break into|land|work as|go into|join)\b[^.,;!?]*/giu, " ").replace(/\bas an? (ai )?(pm|product manager)\b/giu, " ");
}

/** A person's ask the guide does not speak to ("age"), said first: what follows is what it says for them. */
function unspokenNote(topics: string[], aboutThePerson: boolean): AnswerPart {
  return { kind: "note", text: `The guide doesn't speak to ${joinTopics(topics)}, so I won't guess. What it does say ${aboutThePerson ? "for someone in your position" : "nearby"}:`, cites: [] };
}

/** "age", "age or remote work", "age, remote work or networking". */
function joinTopics(topics: string[]): string {
  const distinct = [...new Set(topics)];
  return distinct.length <= 1 ? (distinct[0] ?? "") : `${distinct.slice(0, -1).join(", ")} or ${distinct[distinct.length - 1]}`;
}

/** A name the knowledge never uses, said first: what follows is what the guide does say nearby. */
function foreignNote(names: string[]): AnswerPart {
  const about = names.slice(0, 2).join(" or ");
  return { kind: "note", text: `The guide doesn't say anything about ${about}, so I won't guess. What it does say:`, cites: [] };
}

/** Partial coverage said first: the guide does not answer this, but it does speak of what is named. */
function partialNote(names: string[]): AnswerPart {
  const about = names.slice(0, 2).join(" and ");
  return { kind: "note", text: `The guide doesn't answer that, so I won't guess. What it does say about ${about}:`, cites: [] };
}

/** Well-formed turns only, the latest first kept, each cut to its bound, within the total bound. */
export function sanitizeHistory(history: unknown): HistoryMessage[] {
  if (!Array.isArray(history)) return [];
  // Only the latest entries are looked at: a huge array of junk is not walked to its start.
  const latest: unknown[] = history.slice(-4 * HISTORY_LIMITS.turns);
  const kept: HistoryMessage[] = [];
  let total = 0;
  for (let i = latest.length - 1; i >= 0 && kept.length < HISTORY_LIMITS.turns && total < HISTORY_LIMITS.totalChars; i--) {
    const m = latest[i] as HistoryMessage | null;
    if (!m || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string") continue;
    const content = m.content.slice(0, Math.min(HISTORY_LIMITS.turnChars, HISTORY_LIMITS.totalChars - total));
    total += content.length;
    kept.unshift({ role: m.role, content });
  }
  return kept;
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
