import { randomUUID } from "node:crypto";
import type { Citation, CoachingAction, CoachingActionName, CoachingButton, CoachingState } from "../types.js";
import type { StateStore } from "../state/store.js";
import { isStopword, stem, words } from "../text/normalize.js";
import { CitationList, type CoachingContent } from "./content.js";
import { feedbackText, hintText, pickQuestions, questionText, scoreAnswer, summaryText, withParaphrases, type QuizSession } from "./quiz.js";
import { parseTick, readinessQuestion, readinessSummary, type ReadinessSession, type Tick } from "./readiness.js";
import { composePlan, parseProfile, PLAN_INTAKE, understood, type Profile } from "./plan.js";

/**
 * The coaching modes' router: interview practice, study plan and readiness check. It runs after
 * the input guardrails and before retrieval. A session belongs to a user and is bound to the
 * conversation it runs in: there, every message is its next step; elsewhere the user gets normal
 * answers until they say "resume". Sessions live in the shared state store, so with Redis they
 * survive restarts and move between replicas.
 */

export interface CoachingTurn {
  text: string;
  userKey: string;
  conversationId: string;
  /** A pressed button's action: acts only on the session and step it was shown for, so a second press does nothing new. */
  action?: CoachingAction;
}

export type CoachingReply =
  | { kind: "reply"; text: string; citations: Citation[]; followUps: string[]; coaching: CoachingState }
  /** Not a coaching step after all (a side question mid-session): answer normally, then add the note. */
  | { kind: "aside"; note: string; coaching: CoachingState };

interface PlanIntakeSession {
  kind: "plan-intake";
  id?: string;
  conversationId: string;
  paused: boolean;
  updatedAt: number;
}

type Reply = Extract<CoachingReply, { kind: "reply" }>;

type Session = QuizSession | ReadinessSession | PlanIntakeSession;

export type SessionStore = Pick<StateStore, "getRecord" | "setRecord" | "deleteRecord">;

/**
 * LLM mode: given the practice question, the answer and the key points the word matcher missed,
 * returns the indexes of those the answer conveys in other words. Throwing means "no opinion".
 */
export type ParaphraseJudge = (question: string, answer: string, missed: readonly { label: string; sentence: string }[]) => Promise<number[]>;

const SESSION_TTL_MS = 7 * 24 * 3_600_000;
/** After this long without a message, a session stops capturing its conversation (it can be resumed). */
const CAPTURE_MS = 2 * 3_600_000;

/** How people start each mode: welcome screens and help texts offer these. */
export const COACHING_STARTERS: readonly { mode: "quiz" | "plan" | "readiness"; label: string; text: string }[] = [
  { mode: "quiz", label: "Interview practice", text: "Quiz me" },
  { mode: "plan", label: "Study plan", text: "Make me a study plan" },
  { mode: "readiness", label: "Readiness check", text: "Readiness check" },
];

const STOP = /^(stop|end|quit|exit|cancel|finish|stop (the )?(quiz|practice|check|readiness check|session|it)|end (the )?(quiz|practice|check|session)|i m done|that s enough)$/u;
const SKIP = /^(skip|next|pass|skip (it|this|this one|the question|question))$/u;
const PAUSE = /^(pause|later|pause (the )?(quiz|practice|check|session)|take a break)$/u;
const SESSION_HELP = /^(help|commands|what can i say|how does this work|options)$/u;
const HINT = /^((give me )?(a )?(hint|clue)( please)?)$/u;
const REPEAT = /^(repeat|again|repeat (the )?question|what was the question)$/u;
const RESUME = /^(resume|continue|go on|resume (the |my )?(quiz|practice|check|readiness check|session)|continue (the |my )?(quiz|practice|check|session)|back to (the |my )?(quiz|practice|check))$/u;
const QUIZ_START = /\b(quiz me|quiz|quizzes|mock interview|interview practice|practice interview|practice session|practice questions?|test me|drill me)\b|^practi[cs]e$/u;
/** "…what will the interviewer test me on": a question word, then "test/drill/quiz me" (a bounded gap). */
const QUESTION_ABOUT_A_TEST = /\b(what|which|how|where|when|why|will|would|do|does|did|might)\b[^.!?]{0,80}\b(test|drill|quiz) me\b/u;
/** The coach asked to do something: "can you quiz me…", "would you test me…". */
const ASKS_THE_COACH = /\b(can|could|would|will) you\b/u;
/** A practice session named as such ("is there a mock interview?"): a request whatever the sentence's form. */
const QUIZ_NAMED = /\b(quiz|quizzes|mock interview|interview practice|practice interview|practice session|practice questions?)\b/u;
const NEW_ROUND = /\b(new|another|fresh|restart|start over|again)\b/u;
const READINESS_START = /^ready$|\b(readiness|am i ready|how ready am i|ready for (an|the|my) (interview|role|job)|check (if|whether) i m ready)\b/u;
const PLAN_START = /\b(study|learning|prep|preparation|transition|week by week|action|career) plan\b|\bplan (for me|my (transition|prep|preparation|study|studies|learning|move|switch))\b|\b(make|build|give|create|write|draft|need) me (a|an|my) ([a-z]+ ){0,2}plan\b|^plan\b/u;
/** A side question, also after a word of surprise ("wait, what is …"): at most three such words, so the match stays linear. */
const QUESTION_START = /^((wait|hang on|hold on|sorry|sorry but|um|uh|oh|ok|okay|so|actually|quick question) ){0,3}(what|which|who|whom|whose|where|when|why|how|can|could|should|would|is|are|do|does|did|will)\b/u;
/** Words of a start command, removed before the rest is read as a topic ("quiz me on edge"). */
const COMMAND_TERMS = new Set(["quiz", "quizz", "mock", "interview", "practic", "practis", "test", "drill", "coach", "act", "start", "new", "round", "session", "question", "let", "another", "fresh", "restart", "again"]);

const QUIZ_ACTIONS: readonly [string, CoachingActionName][] = [
  ["Hint", "hint"],
  ["Skip", "skip"],
  ["Stop", "stop"],
];
const READINESS_ACTIONS: readonly [string, CoachingActionName][] = [
  ["Yes", "yes"],
  ["Partly", "partly"],
  ["Not yet", "not_yet"],
];
const TICK_OF: Partial<Record<CoachingActionName, Tick>> = { yes: "yes", partly: "partly", not_yet: "no" };

/** The step a session is at, as its buttons carry it (1-based; 0 while a plan waits for details). */
function currentStep(session: Session): number {
  return session.kind === "plan-intake" ? 0 : session.index + 1;
}

function isSession(value: unknown): value is Session {
  const s = value as Partial<Record<string, unknown>> | null;
  if (!s || typeof s !== "object" || typeof s.conversationId !== "string" || typeof s.updatedAt !== "number" || typeof s.paused !== "boolean") return false;
  if (s.kind === "quiz") return Array.isArray(s.questionIds) && s.questionIds.every((id) => typeof id === "string") && Number.isInteger(s.index) && Array.isArray(s.results);
  if (s.kind === "readiness") return Number.isInteger(s.index) && Array.isArray(s.ticks);
  return s.kind === "plan-intake";
}

export class CoachingModes {
  constructor(
    private readonly content: CoachingContent,
    private readonly store: SessionStore,
    private readonly clock: () => number = Date.now,
    private readonly judge: ParaphraseJudge | null = null,
    private readonly onJudgeFailure: (error: unknown) => void = () => undefined,
  ) {}

  async handle(turn: CoachingTurn): Promise<CoachingReply | null> {
    const said = words(turn.text).join(" ");
    const key = `coaching:${turn.userKey}`;
    const stored = await this.store.getRecord<unknown>(key);
    const session = isSession(stored) ? stored : null;
    // A record this version cannot read (an older shape, a hand edit) is dropped, not fatal.
    if (stored !== null && !session) await this.store.deleteRecord(key);
    // A session stored before sessions had ids gets one; buttons shown before then are stale.
    if (session && !session.id) {
      session.id = randomUUID();
      // Kept at once (its time unchanged), so the buttons of this reply name a session that exists.
      await this.store.setRecord(key, session, SESSION_TTL_MS);
    }
    if (turn.action) return this.pressed(key, session, turn.action, turn.conversationId);
    const captured = !!session && !session.paused && session.conversationId === turn.conversationId && this.clock() - session.updatedAt < CAPTURE_MS;

    if (captured && session) {
      if (STOP.test(said)) return this.stop(key, session);
      if (PAUSE.test(said)) return this.pause(key, session);
      if (SESSION_HELP.test(said)) return this.sessionHelp(session);
      // "resume" in a running session is a request, not an answer to score: pick up the current step.
      if (RESUME.test(said)) return this.resume(key, session, turn.conversationId);
    } else if (session && RESUME.test(said)) {
      return this.resume(key, session, turn.conversationId);
    }
    // Inside a session, long messages are answers even when they mention a plan or a quiz.
    const mayStart = !captured || said.split(" ").length <= 12;
    if (mayStart && PLAN_START.test(said)) return this.plan(key, turn, session);
    if (mayStart && READINESS_START.test(said)) {
      return session?.kind === "readiness" && !NEW_ROUND.test(said) ? this.resume(key, session, turn.conversationId) : this.startReadiness(key, turn.conversationId, session);
    }
    // "What will the interviewer test me on?" asks about someone else's test; "can you quiz me?" asks for one.
    const asksAboutATest = QUESTION_ABOUT_A_TEST.test(said) && !ASKS_THE_COACH.test(said) && !QUIZ_NAMED.test(said);
    if (mayStart && QUIZ_START.test(said) && !asksAboutATest) {
      const topic = words(said)
        .filter((w) => !isStopword(w) && !COMMAND_TERMS.has(stem(w)))
        .join(" ");
      // "quiz me" picks up a running session; "quiz me on safety" or "new quiz" starts another.
      if (session?.kind === "quiz" && !topic && !NEW_ROUND.test(said)) return this.resume(key, session, turn.conversationId);
      return this.startQuiz(key, turn, topic, session);
    }

    if (!captured || !session) return null;
    if (session.kind === "quiz") return this.quizStep(key, session, turn.text, said, null);
    if (session.kind === "readiness") return this.readinessStep(key, session, turn.text, said, null);
    // Plan intake: this message is the self-description; if it describes nothing, answer it normally.
    await this.store.deleteRecord(key);
    const profile = parseProfile(turn.text, this.content);
    return understood(profile, turn.text) ? this.planReply(profile) : null;
  }

  private save(key: string, session: Session): Promise<void> {
    return this.store.setRecord(key, { ...session, updatedAt: this.clock() }, SESSION_TTL_MS);
  }

  private reply(text: string, coaching: CoachingState, followUps: string[] = [], citations: Citation[] = []): Reply {
    return { kind: "reply", text, citations, followUps, coaching };
  }

  /** The buttons of a session's current step, each carrying its typed action. */
  private buttons(session: Session, labelled: readonly (readonly [string, CoachingActionName])[]): CoachingButton[] {
    return labelled.map(([label, action]) => ({ label, action: { action, session: session.id ?? "", step: currentStep(session) } }));
  }

  /**
   * A pressed button. It acts only on the session and step it was shown for: a second press of
   * Skip (or Yes) on a step already answered repeats the step now open instead of skipping it too,
   * whenever it arrives. Stop ends the session it belongs to; Resume picks it up.
   */
  private async pressed(key: string, session: Session | null, action: CoachingAction, conversationId: string): Promise<CoachingReply> {
    if (!session || session.id !== action.session) {
      if (session) return this.repeatStep(session, "That button belongs to an earlier session. Here is where you are now:");
      const mode = TICK_OF[action.action] ? "readiness" : "quiz";
      return this.reply(`That session has already ended. Say **${mode === "quiz" ? "quiz me" : "readiness check"}** to start a new one.`, { mode, stage: "done" }, [mode === "quiz" ? "Quiz me" : "Readiness check"]);
    }
    if (action.action === "stop") return this.stop(key, session);
    const away = session.paused || session.conversationId !== conversationId || this.clock() - session.updatedAt >= CAPTURE_MS;
    if (action.action === "resume") return away ? this.resume(key, session, conversationId) : this.repeatStep(session, "");
    if (action.step !== currentStep(session)) return this.repeatStep(session, "");
    // The button of the step now open: the session carries on in the conversation it was pressed in.
    const here = { ...session, conversationId, paused: false };
    if (here.kind === "quiz" && (action.action === "hint" || action.action === "skip")) return this.quizStep(key, here, action.action, action.action, action.action);
    const tick = TICK_OF[action.action];
    if (here.kind === "readiness" && tick) return this.readinessStep(key, here, action.action, action.action, tick);
    return this.repeatStep(session, "");
  }

  /** The step now open, asked again (nothing is scored or ticked). */
  private repeatStep(session: Session, before: string): CoachingReply {
    if (session.kind === "quiz") return this.askQuizQuestion(session, before);
    if (session.kind === "readiness") return this.askReadiness(session, before);
    return this.reply(PLAN_INTAKE, { mode: "plan", stage: "intake" });
  }

  // --- interview practice -------------------------------------------------------------------

  private async startQuiz(key: string, turn: CoachingTurn, topic: string, previous: Session | null): Promise<CoachingReply> {
    const questions = pickQuestions(this.content, topic, `${turn.userKey}:${this.clock()}`);
    const session: QuizSession = { kind: "quiz", id: randomUUID(), conversationId: turn.conversationId, questionIds: questions.map((q) => q.id), index: 0, results: [], paused: false, updatedAt: this.clock() };
    await this.save(key, session);
    return this.askQuizQuestion(session, this.replacedNote(previous));
  }

  /** One session per user: starting another says what it ended, so progress never vanishes silently. */
  private replacedNote(previous: Session | null): string {
    if (previous?.kind === "quiz" && previous.index > 0) return `(That ends your interview practice at question ${previous.index + 1} of ${previous.questionIds.length}.)`;
    if (previous?.kind === "readiness" && previous.index > 0) return `(That ends your readiness check at ${previous.index + 1} of ${this.content.readiness.length}.)`;
    return "";
  }

  private askQuizQuestion(session: QuizSession, before: string): Reply {
    const question = this.content.questions.find((q) => q.id === session.questionIds[session.index])!;
    const text = `${before ? `${before}\n\n` : ""}${questionText(this.content, question, session.index + 1, session.questionIds.length)}`;
    return this.reply(text, { mode: "quiz", stage: "question", step: session.index + 1, total: session.questionIds.length, actions: this.buttons(session, QUIZ_ACTIONS) });
  }

  /** One message (or a pressed Hint or Skip) while a practice question is open. */
  private async quizStep(key: string, session: QuizSession, text: string, said: string, pressed: "hint" | "skip" | null): Promise<CoachingReply> {
    const question = this.content.questions.find((q) => q.id === session.questionIds[session.index]);
    if (!question) {
      // The content changed under a stored session: end it rather than ask a question that is gone.
      await this.store.deleteRecord(key);
      return this.reply("The practice questions changed since this session started, so I've ended it. Say **quiz me** to start a fresh round.", { mode: "quiz", stage: "done" });
    }
    if (pressed === "hint" || (!pressed && HINT.test(said))) {
      if (pressed) await this.save(key, session);
      return this.reply(`${hintText(question)}\n\n${question.prompt}`, { mode: "quiz", stage: "question", step: session.index + 1, total: session.questionIds.length, actions: this.buttons(session, QUIZ_ACTIONS) });
    }
    if (!pressed && REPEAT.test(said)) return this.askQuizQuestion(session, "");

    const cites = new CitationList();
    let before: string;
    let score: CoachingState["score"];
    if (pressed === "skip" || SKIP.test(said)) {
      before = feedbackText(question, { covered: [], missed: question.points, grade: "not_yet" }, cites, "Skipped.");
      session.results.push({ id: question.id, topic: question.topic, matched: 0, total: question.points.length, skipped: true });
    } else {
      let scored = scoreAnswer(question, text);
      if (scored.covered.length === 0 && text.trim().endsWith("?") && QUESTION_START.test(said)) {
        await this.save(key, { ...session, paused: true });
        return {
          kind: "aside",
          note: `(Your interview practice is paused at question ${session.index + 1} of ${session.questionIds.length}. Say **resume** to go on.)`,
          coaching: { mode: "quiz", stage: "paused", step: session.index + 1, total: session.questionIds.length, actions: this.buttons(session, [["Resume", "resume"]]) },
        };
      }
      if (this.judge && scored.missed.length > 0 && said.split(" ").length >= 3) {
        try {
          const credited = await this.judge(question.prompt, text, scored.missed.map((p) => ({ label: p.label, sentence: p.quote.sentence })));
          scored = withParaphrases(question, scored, credited);
        } catch (error) {
          // The word match stands on its own; the model only ever adds credit.
          this.onJudgeFailure(error);
        }
      }
      before = feedbackText(question, scored, cites);
      score = { matched: scored.covered.length, total: question.points.length, grade: scored.grade };
      session.results.push({ id: question.id, topic: question.topic, matched: scored.covered.length, total: question.points.length });
    }
    session.index++;
    if (session.index >= session.questionIds.length) {
      await this.store.deleteRecord(key);
      const text = `${before}\n\n${summaryText(this.content, session, false)}`;
      return this.reply(text, { mode: "quiz", stage: "done", step: session.questionIds.length, total: session.questionIds.length, ...(score ? { score } : {}) }, ["Quiz me", "Readiness check", "Make me a study plan"], cites.citations);
    }
    await this.save(key, session);
    const next = this.askQuizQuestion(session, before);
    return { ...next, citations: cites.citations, coaching: { ...next.coaching, ...(score ? { score } : {}) } };
  }

  // --- readiness check ----------------------------------------------------------------------

  private async startReadiness(key: string, conversationId: string, previous: Session | null): Promise<CoachingReply> {
    const session: ReadinessSession = { kind: "readiness", id: randomUUID(), conversationId, index: 0, ticks: [], paused: false, updatedAt: this.clock() };
    await this.save(key, session);
    return this.askReadiness(session, this.replacedNote(previous));
  }

  private askReadiness(session: ReadinessSession, before: string): CoachingReply {
    const text = `${before ? `${before}\n\n` : ""}${readinessQuestion(this.content, session.index)}`;
    return this.reply(text, { mode: "readiness", stage: "question", step: session.index + 1, total: this.content.readiness.length, actions: this.buttons(session, READINESS_ACTIONS) });
  }

  /** One message (or a pressed Yes, Partly or Not yet) while a checklist item is open. */
  private async readinessStep(key: string, session: ReadinessSession, text: string, said: string, pressed: Tick | null): Promise<CoachingReply> {
    if (session.index >= this.content.readiness.length) session.index = this.content.readiness.length - 1;
    const tick: Tick | null = pressed ?? (SKIP.test(said) ? "no" : parseTick(text));
    if (tick === null) {
      if (text.trim().endsWith("?") && QUESTION_START.test(said)) {
        await this.save(key, { ...session, paused: true });
        return {
          kind: "aside",
          note: `(Your readiness check is paused at ${session.index + 1} of ${this.content.readiness.length}. Say **resume** to go on.)`,
          coaching: { mode: "readiness", stage: "paused", step: session.index + 1, total: this.content.readiness.length, actions: this.buttons(session, [["Resume", "resume"]]) },
        };
      }
      return this.askReadiness(session, "I didn't catch that.");
    }
    session.ticks[session.index] = tick;
    session.index++;
    if (session.index < this.content.readiness.length) {
      await this.save(key, session);
      return this.askReadiness(session, "");
    }
    await this.store.deleteRecord(key);
    const cites = new CitationList();
    const summary = readinessSummary(this.content, session.ticks, cites);
    return this.reply(summary, { mode: "readiness", stage: "done", step: this.content.readiness.length, total: this.content.readiness.length }, ["Make me a study plan", "Quiz me"], cites.citations);
  }

  // --- study plan ---------------------------------------------------------------------------

  private async plan(key: string, turn: CoachingTurn, session: Session | null): Promise<CoachingReply> {
    const profile = parseProfile(turn.text, this.content);
    if (understood(profile, turn.text)) {
      // A plan is one message: a practice session or checklist in progress stays as it was.
      if (session?.kind === "plan-intake") await this.store.deleteRecord(key);
      return this.planReply(profile);
    }
    if (session && session.kind !== "plan-intake") {
      // Waiting for a description here would end the session in progress; ask for it in one go.
      return this.reply(`${PLAN_INTAKE}\n\nSay it with the request, e.g. *study plan: analyst at a steel mill, 4 hours a week*, and your ${session.kind === "quiz" ? "interview practice" : "readiness check"} stays where it is.`, { mode: "plan", stage: "done" });
    }
    await this.save(key, { kind: "plan-intake", id: randomUUID(), conversationId: turn.conversationId, paused: false, updatedAt: this.clock() });
    return this.reply(PLAN_INTAKE, { mode: "plan", stage: "intake" });
  }

  private planReply(profile: Profile): CoachingReply {
    const cites = new CitationList();
    const text = composePlan(this.content, profile, cites);
    return this.reply(text, { mode: "plan", stage: "done" }, ["Readiness check", "Quiz me"], cites.citations);
  }

  // --- stop, pause, resume --------------------------------------------------------------------

  private async stop(key: string, session: Session): Promise<CoachingReply> {
    await this.store.deleteRecord(key);
    if (session.kind === "quiz") return this.reply(summaryText(this.content, session, true), { mode: "quiz", stage: "done" }, ["Quiz me"]);
    if (session.kind === "readiness") {
      if (session.ticks.length === 0) return this.reply("Readiness check stopped. Say **readiness check** whenever you want to run it.", { mode: "readiness", stage: "done" });
      const cites = new CitationList();
      const partial = { ...this.content, readiness: this.content.readiness.slice(0, session.ticks.length) };
      return this.reply(`Stopped after ${session.ticks.length} of ${this.content.readiness.length}.\n\n${readinessSummary(partial, session.ticks, cites)}`, { mode: "readiness", stage: "done" }, ["Readiness check"], cites.citations);
    }
    return this.reply("No problem. Say **study plan** with a line about yourself whenever you want one.", { mode: "plan", stage: "done" });
  }

  private sessionHelp(session: Session): CoachingReply {
    if (session.kind === "quiz") {
      return this.reply(
        `You're in interview practice, question ${session.index + 1} of ${session.questionIds.length}. Answer in your own words, or say **hint**, **repeat**, **skip**, **pause** or **stop**.`,
        { mode: "quiz", stage: "question", step: session.index + 1, total: session.questionIds.length, actions: this.buttons(session, QUIZ_ACTIONS) },
      );
    }
    if (session.kind === "readiness") {
      return this.reply(`You're in the readiness check, ${session.index + 1} of ${this.content.readiness.length}. Answer **yes**, **partly** or **not yet**, or say **pause** or **stop**.`, { mode: "readiness", stage: "question", step: session.index + 1, total: this.content.readiness.length, actions: this.buttons(session, READINESS_ACTIONS) });
    }
    return this.reply(PLAN_INTAKE, { mode: "plan", stage: "intake" });
  }

  private async pause(key: string, session: Session): Promise<CoachingReply> {
    await this.save(key, { ...session, paused: true });
    const where = session.kind === "quiz" ? `interview practice at question ${session.index + 1} of ${session.questionIds.length}` : session.kind === "readiness" ? `readiness check at ${session.index + 1} of ${this.content.readiness.length}` : "study plan";
    return this.reply(`Paused your ${where}. Say **resume** to pick it up, here or in any chat with me.`, { mode: session.kind === "plan-intake" ? "plan" : session.kind, stage: "paused", actions: this.buttons(session, [["Resume", "resume"]]) });
  }

  private async resume(key: string, session: Session, conversationId: string): Promise<CoachingReply> {
    const moved = { ...session, conversationId, paused: false };
    await this.save(key, moved);
    if (moved.kind === "quiz") return this.askQuizQuestion(moved, "Picking up where we left off:");
    if (moved.kind === "readiness") return this.askReadiness(moved, "Picking up where we left off:");
    return this.reply(PLAN_INTAKE, { mode: "plan", stage: "intake" });
  }
}
