import type { CoachingState } from "../types.js";
import { contentTerms, words } from "../text/normalize.js";
import { CitationList, type CoachingContent, type KeyPoint, type PracticeQuestion } from "./content.js";
import { termMatches } from "./match.js";
import { fnv1a } from "../retrieval/embedder.js";

/** Interview practice: one question at a time from the guide, each answer scored on its key points. */

export const QUIZ_LENGTH = 5;

export interface QuestionResult {
  id: string;
  topic: string;
  matched: number;
  total: number;
  /** True when the candidate skipped the question. */
  skipped?: boolean;
}

export interface QuizSession {
  kind: "quiz";
  /** Carried by the session's buttons, so a button from an earlier session acts on nothing. Absent in sessions stored before ids. */
  id?: string;
  conversationId: string;
  questionIds: string[];
  /** Index of the question being asked now. */
  index: number;
  results: QuestionResult[];
  paused: boolean;
  updatedAt: number;
}

export interface Scored {
  covered: KeyPoint[];
  missed: KeyPoint[];
  /** Of `covered`, the points a model judged conveyed in other words (LLM mode). */
  paraphrased?: KeyPoint[];
  grade: NonNullable<CoachingState["score"]>["grade"];
}

export function scoreAnswer(question: PracticeQuestion, answer: string): Scored {
  const tokens = words(answer);
  const covered: KeyPoint[] = [];
  const missed: KeyPoint[] = [];
  for (const point of question.points) (point.terms.some((t) => termMatches(tokens, t)) ? covered : missed).push(point);
  return { covered, missed, grade: gradeOf(covered.length, question.points.length) };
}

export function gradeOf(covered: number, total: number): Scored["grade"] {
  const ratio = covered / total;
  return ratio >= 0.75 ? "strong" : ratio >= 0.4 ? "partial" : "not_yet";
}

/** Credit points a model judged conveyed in other words (indexes into `scored.missed`). */
export function withParaphrases(question: PracticeQuestion, scored: Scored, credited: readonly number[]): Scored {
  if (credited.length === 0) return scored;
  const paraphrased = scored.missed.filter((_, i) => credited.includes(i));
  const covered = question.points.filter((p) => scored.covered.includes(p) || paraphrased.includes(p));
  const missed = question.points.filter((p) => !covered.includes(p));
  return { covered, missed, paraphrased, grade: gradeOf(covered.length, question.points.length) };
}

/**
 * The questions for a new session. "quiz me" gives one question per topic; "quiz me on edge and
 * safety" gives the questions whose topic, wording or key points share the most words with the
 * request, best first.
 */
export function pickQuestions(content: CoachingContent, request: string, seed: string): PracticeQuestion[] {
  const lower = ` ${words(request).join(" ")} `;
  const wanted = new Set(contentTerms(request));
  const topicHit = (topic: string) => content.topics.find((t) => t.id === topic)?.words.some((w) => lower.includes(` ${words(w).join(" ")} `)) ?? false;
  const scored = content.questions.map((q, order) => {
    const own = new Set(contentTerms(`${q.prompt} ${q.chunk.title} ${q.points.map((p) => p.label).join(" ")}`));
    const overlap = [...wanted].filter((w) => own.has(w)).length;
    return { q, order, score: overlap + (topicHit(q.topic) ? 1 : 0) };
  });
  const focused = scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score || a.order - b.order);
  if (focused.length > 0) return focused.slice(0, QUIZ_LENGTH).map((s) => s.q);
  // A stable seed, so a session's questions do not depend on the process.
  const h = fnv1a(seed);
  const byTopic = content.topics.map((topic) => content.questions.filter((q) => q.topic === topic.id)).filter((qs) => qs.length > 0);
  // With more topics than questions in a round, each round leaves out different ones.
  const start = h % byTopic.length;
  const chosen = new Set(Array.from({ length: Math.min(QUIZ_LENGTH, byTopic.length) }, (_, i) => (start + i) % byTopic.length));
  return byTopic.filter((_, i) => chosen.has(i)).map((qs, i) => qs[(h + i * 7) % qs.length]!);
}

export function topicLabel(content: CoachingContent, topic: string): string {
  return content.topics.find((t) => t.id === topic)?.label ?? topic;
}

export function questionText(content: CoachingContent, question: PracticeQuestion, step: number, total: number): string {
  return [`**Interview practice · question ${step} of ${total}** (${topicLabel(content, question.topic)})`, "", question.prompt, "", "Answer in your own words, as you would in an interview. Say **hint**, **skip**, **pause** or **stop** at any time."].join("\n");
}

const GRADE_HEADLINE: Record<Scored["grade"], string> = { strong: "Strong answer", partial: "Partly there", not_yet: "Not yet" };

/**
 * Feedback on one answer: what was right, what was missing (quoted from the guide, with its
 * source), and the section to read.
 */
export function feedbackText(question: PracticeQuestion, scored: Scored, cites: CitationList, headline?: string): string {
  const total = question.points.length;
  // The question's own section is always the first source: it is the one to read.
  cites.marker(question.chunk);
  const lines = [headline ?? `**${GRADE_HEADLINE[scored.grade]}: ${scored.covered.length} of ${total} key points.**`];
  lines.push("");
  const inWords = scored.covered.filter((p) => !scored.paraphrased?.includes(p));
  if (inWords.length > 0) lines.push(`You covered: ${inWords.map((p) => p.label).join("; ")}.`);
  if (scored.paraphrased?.length) lines.push(`In your own words (judged by the model): ${scored.paraphrased.map((p) => p.label).join("; ")}.`);
  if (scored.missed.length > 0) {
    if (scored.covered.length > 0) lines.push("");
    lines.push(scored.covered.length > 0 ? "What the guide adds:" : "What the guide says:");
    // Several points can come from one sentence of the guide: quote it once.
    const bySentence = new Map<string, KeyPoint[]>();
    for (const p of scored.missed) bySentence.set(p.quote.sentence, [...(bySentence.get(p.quote.sentence) ?? []), p]);
    for (const points of bySentence.values()) {
      const { chunk, sentence } = points[0]!.quote;
      lines.push(`- **${points.map((p) => p.label).join("; ")}**: ${sentence} ${cites.marker(chunk)}`);
    }
  }
  const sections = [...new Set([question.chunk, ...scored.missed.map((p) => p.quote.chunk)].map((c) => c.section))];
  lines.push("", `Read next: ${sections.join("; ")}`);
  return lines.join("\n");
}

export function hintText(question: PracticeQuestion): string {
  return `Hint: the guide covers this under **${question.chunk.title}**, and a strong answer names ${question.points.length} key points. Start with the one you know best.`;
}

/** Totals by topic, strongest first, for the end of a session. */
export function summaryText(content: CoachingContent, session: QuizSession, stopped: boolean): string {
  const answered = session.results;
  if (answered.length === 0) return "Practice stopped before any answer. Say **quiz me** whenever you want to practise.";
  const matched = answered.reduce((a, r) => a + r.matched, 0);
  const total = answered.reduce((a, r) => a + r.total, 0);
  const percent = Math.round((matched / total) * 100);
  const head = stopped ? `**Practice stopped after ${answered.length} question${answered.length === 1 ? "" : "s"}: ${matched} of ${total} key points (${percent}%).**` : `**Practice complete: ${matched} of ${total} key points (${percent}%).**`;
  const review = answered.filter((r) => r.matched / r.total < 0.75);
  const strong = answered.filter((r) => r.matched / r.total >= 0.75);
  const lines = [head];
  if (strong.length) lines.push("", `Strong: ${[...new Set(strong.map((r) => topicLabel(content, r.topic)))].join(", ")}.`);
  if (review.length) {
    lines.push("", "To review:");
    for (const r of review) {
      const q = content.questions.find((x) => x.id === r.id);
      if (q) lines.push(`- ${topicLabel(content, r.topic)}: ${q.chunk.section}${r.skipped ? " (skipped)" : ""}`);
    }
  }
  lines.push("", "Say **quiz me** for another round, or **readiness check** to see where you stand.");
  return lines.join("\n");
}
