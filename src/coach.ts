import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Answer, Turn } from "./types.js";
import type { CoachConfig } from "./config.js";
import type { Logger } from "./logger.js";
import { Glossary } from "./knowledge/glossary.js";
import { openIndex } from "./retrieval/index-store.js";
import { HybridRetriever } from "./retrieval/retriever.js";
import { isAnswerable, loadAnswerabilityModel } from "./retrieval/answerability.js";
import { composeExtractiveAnswer } from "./compose/extractive.js";
import { emptyInputRail, inputLengthRail } from "./guardrails/input.js";
import type { InputRail } from "./guardrails/verdict.js";
import { asCoachError } from "./errors.js";
import { normalizeText, splitSentences } from "./text/normalize.js";
import { englishRarity } from "./text/english.js";

export interface Coach {
  ask(turn: Turn): Promise<Answer>;
  /** The chunks of the loaded index, for renderers and evals that resolve citations. */
  readonly retriever: HybridRetriever;
}

interface CoachProfile {
  sampleQuestions: string[];
}

export async function createCoach(config: CoachConfig, logger: Logger): Promise<Coach> {
  const glossary = Glossary.fromFile(join(config.knowledgeDir, "glossary.json"));
  const profile = JSON.parse(readFileSync(join(config.knowledgeDir, "coach.json"), "utf8")) as CoachProfile;
  const index = await openIndex(config.knowledgeDir, config.dataDir, logger);
  const retriever = new HybridRetriever(index, glossary);
  const answerability = loadAnswerabilityModel();
  englishRarity("warm"); // load the word list now, not during the first question
  const inputRails: InputRail[] = [emptyInputRail, inputLengthRail(config.maxInputChars)];

  const notInGuide = (latencyStart: number): Answer => ({
    outcome: "no_answer",
    reason: "not_in_guide",
    text:
      "The guide I coach from doesn't cover that, so I won't guess. I can help with AI use cases in manufacturing, factory-floor constraints, companies hiring AI PMs, and how to position yourself for the role.",
    citations: [],
    followUps: profile.sampleQuestions.slice(0, 3),
    mode: "extractive",
    latencyMs: elapsed(latencyStart),
  });

  async function ask(turn: Turn): Promise<Answer> {
    const started = performance.now();
    const text = typeof turn.text === "string" ? turn.text : "";
    for (const rail of inputRails) {
      const verdict = rail.check(text);
      if (verdict.kind === "refuse") {
        logger.info({ rail: rail.name, reason: verdict.reason, conversationId: turn.conversationId }, "input refused");
        return { outcome: "refused", reason: verdict.reason, text: verdict.message, citations: [], followUps: [], mode: "extractive", latencyMs: elapsed(started) };
      }
    }
    try {
      const retrieval = await retriever.retrieve(focusOf(text), Array.isArray(turn.history) ? turn.history : []);
      // Calibrated evidence, not keywords, decides whether the guide covers the question.
      if (retrieval.results.length === 0 || !isAnswerable(answerability, retrieval.evidence)) {
        logger.debug({ evidence: retrieval.evidence }, "not enough evidence in the guide");
        return notInGuide(started);
      }
      const composed = composeExtractiveAnswer(retrieval, retriever.chunks);
      return { outcome: "answered", reason: null, ...composed, mode: "extractive", latencyMs: elapsed(started) };
    } catch (error) {
      const coachError = asCoachError(error);
      logger.error({ code: coachError.code, err: coachError }, "answer failed");
      return { outcome: "refused", reason: "internal_error", text: coachError.userMessage, citations: [], followUps: [], mode: "extractive", latencyMs: elapsed(started) };
    }
  }

  return { ask, retriever };
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
