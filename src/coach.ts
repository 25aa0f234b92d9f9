import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Answer, HistoryMessage, ReasonCode, Turn } from "./types.js";
import type { CoachConfig } from "./config.js";
import type { Logger } from "./logger.js";
import { Glossary } from "./knowledge/glossary.js";
import { embedderSpecOf, openIndex } from "./retrieval/index-store.js";
import { HybridRetriever } from "./retrieval/retriever.js";
import { isAnswerable, loadAnswerabilityModel } from "./retrieval/answerability.js";
import { composeExtractiveAnswer } from "./compose/extractive.js";
import { emptyInputRail, inputLengthRail, rateLimitRail } from "./guardrails/input.js";
import { createInjectionRail } from "./guardrails/injection.js";
import { Guard } from "./guardrails/guard.js";
import { createLlmGuardRail, createSafetyRail } from "./guardrails/rails.js";
import { RateLimiter } from "./guardrails/rate-limit.js";
import { MemoryStateStore, type StateStore } from "./state/store.js";
import { allowedLinkHosts, checkGrounding, checkQuotedGrounding, nameAllowlist, neutralizeControlSequences, stripDisallowedLinks } from "./guardrails/output.js";
import type { InputRail } from "./guardrails/verdict.js";
import { asCoachError } from "./errors.js";
import { LangChainChatModel, ModelCallError, ResilientChatModel, type ChatModel } from "./llm/model.js";
import { composeLlmAnswer, DraftRejected, judgeKeyPoints, loadPrompts, rewriteFollowUp } from "./compose/llm.js";
import { fileURLToPath } from "node:url";
import { normalizeText, splitSentences } from "./text/normalize.js";
import { englishRarity } from "./text/english.js";
import { loadCoachingContent } from "./coaching/content.js";
import { COACHING_STARTERS, CoachingModes, type CoachingReply } from "./coaching/modes.js";
import { smallTalkReply } from "./compose/small-talk.js";

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
}

const MAX_HISTORY = 20;

export async function createCoach(config: CoachConfig, logger: Logger, options: CoachOptions = {}): Promise<Coach> {
  const glossary = Glossary.fromFile(join(config.knowledgeDir, "glossary.json"));
  const profile = JSON.parse(readFileSync(join(config.knowledgeDir, "coach.json"), "utf8")) as CoachProfile;
  const index = await openIndex(config.knowledgeDir, config.dataDir, logger, embedderSpecOf(config));
  const retriever = new HybridRetriever(index, glossary);
  let lastDenseWarning = 0;
  retriever.onDenseFailure = (error) => {
    if (Date.now() - lastDenseWarning < 60_000) return;
    lastDenseWarning = Date.now();
    logger.warn({ code: "coach_embeddings_unavailable", cause: error.message, embedder: index.manifest.embedder.id }, "embedding model unreachable: retrieving lexically until it is back");
  };
  const answerability = loadAnswerabilityModel();
  const names = nameAllowlist(index.chunks);
  const linkHosts = allowedLinkHosts(index.chunks);

  englishRarity("warm"); // load the word list now, not during the first question
  const chatModel =
    options.chatModel !== undefined
      ? options.chatModel
      : config.llmProvider === "none"
        ? null
        : new ResilientChatModel(new LangChainChatModel(config), { timeoutMs: config.llm.timeoutMs });
  const prompts = chatModel ? loadPrompts(fileURLToPath(new URL("../prompts", import.meta.url))) : null;
  const state = options.state ?? new MemoryStateStore();
  const coaching = new CoachingModes(
    loadCoachingContent(config.knowledgeDir, index.chunks),
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
      ? [createLlmGuardRail(guard, chatModel, fileURLToPath(new URL("../prompts/guard.txt", import.meta.url)), (cause) => logger.warn({ model: chatModel.id, cause }, "guard second opinion unavailable: the offline verdict stands"))]
      : []),
  ];

  const reply = (started: number, outcome: Answer["outcome"], reason: ReasonCode | null, text: string, followUps: string[] = []): Answer => ({
    outcome,
    reason,
    text,
    citations: [],
    followUps,
    mode: "extractive",
    latencyMs: elapsed(started),
  });

  // The field's words: the profile's list plus the glossary's acronyms (PLC, SCADA, PdM…), but not
  // its everyday synonyms ("learn", "job"), which say nothing about the field.
  const fieldWords = [...(profile.domainTerms ?? []), ...glossary.entries.map((e) => e.term).filter((t) => /\p{Lu}/u.test(t))];
  const domainTerms = new Glossary(fieldWords.map((term) => ({ term, expansions: [term] })));
  /**
   * Nothing of the question is about this coach's world: answer with a redirect, not with "the
   * guide doesn't cover it", which would suggest it might.
   */
  const isOffTopic = (question: string) => domainTerms.expansionsFor(question).length === 0;

  const noAnswer = (started: number, question: string): Answer =>
    isOffTopic(question)
      ? reply(
          started,
          "no_answer",
          "off_topic",
          "That's outside what I coach on. I help people move into AI product management in manufacturing: use cases, factory-floor constraints, companies hiring, and how to land the role.",
          profile.sampleQuestions.slice(0, 3),
        )
      : reply(
          started,
          "no_answer",
          "not_in_guide",
          "The guide I coach from doesn't cover that, so I won't guess. I can help with AI use cases in manufacturing, factory-floor constraints, companies hiring AI PMs, and how to position yourself for the role.",
          profile.sampleQuestions.slice(0, 3),
        );

  async function ask(turn: Turn, askOptions: AskOptions = {}): Promise<Answer> {
    const started = performance.now();
    const text = typeof turn?.text === "string" ? turn.text : "";
    const history = sanitizeHistory(turn?.history);
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
      const coached = await coaching.handle({ text, userKey, conversationId: String(turn?.conversationId ?? "unknown"), viaButton: turn?.viaButton === true });
      if (coached?.kind === "reply") return coachingAnswer(started, coached, log);
      const social = coached ? null : smallTalkReply(text, profile.sampleQuestions, COACHING_STARTERS);
      if (social) return reply(started, "no_answer", "small_talk", social.text, social.followUps);
      const answer = await answerFromGuide(text, history, log, askOptions, started);
      if (coached?.kind !== "aside") return answer;
      // A side question mid-session: the answer, plus where the paused session stands and a way back.
      return { ...answer, text: `${answer.text}\n\n${coached.note}`, followUps: ["Resume", ...answer.followUps].slice(0, 3), coaching: coached.coaching };
    } catch (error) {
      const coachError = asCoachError(error);
      log.error({ code: coachError.code, err: coachError }, "answer failed");
      return reply(started, "refused", "internal_error", coachError.userMessage);
    }
  }

  function coachingAnswer(started: number, coached: Extract<CoachingReply, { kind: "reply" }>, log: Logger): Answer {
    const clean = neutralizeControlSequences(coached.text);
    const problems = checkQuotedGrounding(clean, coached.citations, names);
    if (problems.length > 0) {
      // The content is checked against the guide at start, so this means a bug: say so in the log.
      log.error({ problems: problems.map((p) => ({ problem: p.problem, detail: p.detail, sentence: p.sentence.slice(0, 120) })) }, "coaching message failed grounding");
    }
    log.info({ coaching: coached.coaching }, "coaching step");
    return { outcome: "answered", reason: null, text: clean, citations: coached.citations, followUps: coached.followUps, mode: "extractive", latencyMs: elapsed(started), coaching: coached.coaching };
  }

  async function answerFromGuide(text: string, history: HistoryMessage[], log: Logger, askOptions: AskOptions, started: number): Promise<Answer> {
    let question = focusOf(text);
    let retrievalHistory = history;
    if (chatModel && prompts && history.some((m) => m.role === "user")) {
      try {
        const standalone = await rewriteFollowUp(question, history, chatModel, prompts);
        if (standalone) {
          question = standalone;
          // The rewrite carries the context; lexical follow-up handling would count it twice.
          retrievalHistory = [];
        }
      } catch (error) {
        log.warn({ model: chatModel.id, cause: error instanceof ModelCallError ? error.failure : "unexpected" }, "follow-up rewrite failed: using the conversation's words instead");
      }
    }
    const retrieval = await retriever.retrieve(question, retrievalHistory, 12);
    // Calibrated evidence, not keywords, decides whether the guide covers the question.
    if (retrieval.results.length === 0 || !isAnswerable(answerability, retrieval.evidence)) {
      const answer = noAnswer(started, text);
      log.info({ reason: answer.reason, evidence: retrieval.evidence }, "no answer in the guide");
      return answer;
    }
    const extractive = composeExtractiveAnswer(retrieval, retriever.chunks);
    let composed = extractive;
    let mode: Answer["mode"] = "extractive";
    if (chatModel && prompts) {
      try {
        const drafted = await composeLlmAnswer({ question, history, retrieval, model: chatModel, prompts, names, allChunks: retriever.chunks, onToken: askOptions.onToken });
        composed = { ...drafted, followUps: extractive.followUps };
        mode = "llm";
        log.info({ model: chatModel.id, usage: drafted.usage }, "model answer accepted");
      } catch (error) {
        // Any model failure or rejected draft: the user still gets the grounded extractive answer.
        const cause = error instanceof ModelCallError ? error.failure : error instanceof DraftRejected ? `draft_${error.cause_}` : "unexpected";
        log.warn({ model: chatModel.id, cause, detail: (error as Error).message.slice(0, 300) }, "model answer not used: answering extractively");
        options.onModelFallback?.(cause);
      }
    }
    const clean = stripDisallowedLinks(neutralizeControlSequences(composed.text), linkHosts);
    const problems = mode === "extractive" ? checkGrounding(clean, composed.citations, names) : [];
    if (problems.length > 0) {
      // Extractive answers are grounded by construction; if one is not, the knowledge or the
      // composer is broken, and the user gets an honest no-answer rather than the draft.
      log.error({ problems: problems.map((p) => ({ problem: p.problem, detail: p.detail })) }, "answer failed grounding");
      return noAnswer(started, text);
    }
    log.info({ outcome: "answered", sections: composed.citations.map((c) => c.id) }, "answered");
    return { outcome: "answered", reason: null, ...composed, text: clean, mode, latencyMs: elapsed(started) };
  }

  return { ask, retriever, sampleQuestions: profile.sampleQuestions, coachingStarters: COACHING_STARTERS };
}

function sanitizeHistory(history: unknown): HistoryMessage[] {
  if (!Array.isArray(history)) return [];
  return history
    .filter((m): m is HistoryMessage => !!m && (m.role === "user" || m.role === "assistant") && typeof m.content === "string")
    .slice(-MAX_HISTORY);
}

/**
 * People often give background before they ask ("I've been a SaaS PM for six years… Which vendors
 * should I look at?"). In a long message the question sentences are what the guide must answer.
 */
export function focusOf(text: string): string {
  if (text.length < 240) return text;
  const questions = splitSentences(normalizeText(text)).filter((s) => s.endsWith("?"));
  return questions.length > 0 ? questions.slice(-2).join(" ") : text;
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
