import { readFileSync } from "node:fs";
import type { Chunk, Citation, HistoryMessage } from "../types.js";
import type { Retrieval } from "../retrieval/retriever.js";
import type { ChatMessage, ChatModel, Completion } from "../llm/model.js";
import type { DraftRejection } from "../errors.js";
import { checkLlmGrounding, guideTextOf } from "../guardrails/output.js";
import { chooseChunks, type ComposedAnswer } from "./extractive.js";
import { citationOf, plainTextOf } from "./parts.js";
import type { AnswerPart } from "../types.js";

export interface Prompts {
  system: string;
  answer: string;
  rewrite: string;
  judge: string;
}

/** Prompts live as text files (prompts/*.txt) so they can be reviewed and edited without code. */
export function loadPrompts(dir: string): Prompts {
  const read = (name: string) => readFileSync(`${dir}/${name}.txt`, "utf8");
  return { system: read("system"), answer: read("answer"), rewrite: read("rewrite"), judge: read("judge") };
}

/**
 * History-aware rewriting: a follow-up ("and which of them…?") becomes a standalone question before
 * retrieval. Returns null when the model's reply is unusable; the caller then keeps the lexical
 * follow-up handling.
 */
export async function rewriteFollowUp(question: string, history: HistoryMessage[], model: ChatModel, prompts: Prompts): Promise<string | null> {
  const { text } = await model.complete(await promptMessages([["human", prompts.rewrite]], { history: transcriptOf(history, 300), question }));
  const rewritten = text.trim().split("\n")[0]!.replace(/^["']|["']$/gu, "").trim();
  // A rewrite is a short question, not an answer or an essay.
  if (!rewritten || rewritten.length > 300 || rewritten.includes("NOT_IN_GUIDE")) return null;
  return rewritten;
}

/**
 * Interview practice with a model: which of the key points the word matcher missed does the
 * candidate's answer convey in other words? Returns their indexes. The model can only add credit
 * for points of the guide; anything unparseable counts as "no".
 */
export async function judgeKeyPoints(question: string, answer: string, points: readonly { label: string; sentence: string }[], model: ChatModel, prompts: Prompts): Promise<number[]> {
  const listed = points.map((p, i) => `${i + 1}. ${p.label} (guide: "${p.sentence}")`).join("\n");
  const { text } = await model.complete(await promptMessages([["human", prompts.judge]], { question, points: listed, answer: answer.replace(/ANSWER/gu, "answer").slice(0, 4_000) }));
  const credited = new Set<number>();
  for (const m of text.matchAll(/^\s*(\d+)\s*[:.)-]\s*(YES|NO)\b/gimu)) {
    const i = Number(m[1]) - 1;
    if (m[2]!.toUpperCase() === "YES" && i >= 0 && i < points.length) credited.add(i);
  }
  return [...credited].sort((a, b) => a - b);
}

/**
 * Fill the prompts with LangChain's ChatPromptTemplate (mustache placeholders, `{{question}}`),
 * which inserts values literally in one pass: String.replace read "$`" and "$'" in a question as
 * "the prompt text before/after", and a value containing "{{history}}" could be filled again.
 */
async function promptMessages(parts: [ "system" | "human", string][], values: Record<string, string>): Promise<ChatMessage[]> {
  // Loaded here, not at the top: only a configured model ever fills a prompt.
  const { ChatPromptTemplate } = await import("@langchain/core/prompts");
  const template = ChatPromptTemplate.fromMessages(parts, { templateFormat: "mustache" });
  const messages = await template.formatMessages(values);
  return messages.map((m) => ({ role: m.getType() === "system" ? "system" : "user", content: typeof m.content === "string" ? m.content : JSON.stringify(m.content) }));
}

/**
 * The conversation as "User:"/"Coach:" lines. Each turn is one line (its line breaks collapsed),
 * so text inside a user's turn cannot start a line of its own that reads like the coach's.
 */
function transcriptOf(history: HistoryMessage[], perTurn: number): string {
  return history
    .slice(-6)
    .map((m) => `${m.role === "user" ? "User" : "Coach"}: ${m.content.replace(/\s+/gu, " ").slice(0, perTurn)}`)
    .join("\n");
}

/** The model's draft, accepted (checked and cited) or rejected with the reason. */
export type Draft = { accepted: true; answer: ComposedAnswer & { usage: Completion["usage"] } } | { accepted: false; rejection: DraftRejection };

const rejected = (cause: DraftRejection["cause"], detail: string): Draft => ({ accepted: false, rejection: { cause, detail } });

const CONTEXT_CHUNKS = 4;

export interface LlmComposeInput {
  question: string;
  history: HistoryMessage[];
  retrieval: Retrieval;
  model: ChatModel;
  prompts: Prompts;
  names: ReadonlySet<string>;
  allChunks: readonly Chunk[];
  onToken?: (token: string) => void;
  /** The offline answer for the same question: its sections come first, and in each its chosen sentences. */
  extractive?: ComposedAnswer;
}

/**
 * A fluent answer from the model, held to the same standard as the extractive one: every
 * sentence cites a context passage that supports it, names come from the guide, and a draft that
 * fails is rejected (the caller then answers extractively), never sent.
 */
export async function composeLlmAnswer(input: LlmComposeInput): Promise<Draft> {
  // The same passages the extractive answer would use (an overview brings its subsections),
  // then the next best matches, so the model sees what a careful reader would.
  // The sections the offline composer chose for this question come first (the lead's first), and
  // within each the sentences it chose; then the rest of retrieval's best matches.
  const byId = new Map(input.allChunks.map((c) => [c.id, c] as const));
  const picked = (input.extractive?.citations ?? []).map((c) => byId.get(c.id)).filter((c): c is Chunk => !!c).map((chunk) => ({ chunk, score: 1, dense: 0, lexical: 0 }));
  const chosen = picked.length > 0 ? picked : chooseChunks(input.retrieval.results, input.allChunks);
  const rest = input.retrieval.results.filter((r) => r.chunk.metadata.Kind !== "promotion" && !chosen.some((c) => c.chunk.id === r.chunk.id));
  // With the offline answer's sections the model has what answers the question; more passages
  // only invite unrelated sentences.
  const context = picked.length > 0 ? chosen : [...chosen, ...rest].slice(0, Math.max(CONTEXT_CHUNKS, chosen.length));
  const contextText = context.map((r, i) => `[${i + 1}] ${r.chunk.section}\n${evidenceFirst(r.chunk, i, input.extractive)}`).join("\n\n");
  const messages = await promptMessages(
    [
      ["system", input.prompts.system],
      ["human", input.prompts.answer],
    ],
    { context: contextText, history: transcriptOf(input.history, 500) || "(none)", question: input.question },
  );
  const completion = await input.model.complete(messages, { onToken: input.onToken });
  const draft = completion.text.trim();
  if (!draft) return rejected("empty", "the model returned no text");
  if (draft.includes("NOT_IN_GUIDE")) return rejected("not_in_guide", "the model found no answer in the context");

  // Renumber citations in order of first use, keeping only passages the draft actually cites.
  const order: number[] = [];
  for (const m of draft.matchAll(/\[(\d+)\]/gu)) {
    const n = Number(m[1]);
    if (!order.includes(n)) order.push(n);
  }
  if (order.length === 0) return rejected("no_citations", "the draft cites no passage");
  const unknown = order.filter((n) => n < 1 || n > context.length);
  if (unknown.length) return rejected("ungrounded", `cites passages that were not given: ${unknown.join(", ")}`);
  const chunks: Chunk[] = order.map((n) => context[n - 1]!.chunk);
  const text = draft.replace(/\[(\d+)\]/gu, (_, n: string) => `[${order.indexOf(Number(n)) + 1}]`);
  const citations: Citation[] = order.map((n, i) => {
    const r = context[n - 1]!;
    return citationOf(chunks[i]!, r.score);
  });
  const problems = checkLlmGrounding(text, citations, input.names, guideTextOf(input.allChunks));
  if (problems.length) return rejected("ungrounded", problems.slice(0, 3).map((p) => `${p.problem}${p.detail ? ` ${p.detail}` : ""}: "${p.sentence.slice(0, 60)}"`).join("; "));
  const parts = partsFromDraft(text);
  return { accepted: true, answer: { text: plainTextOf(parts), parts, citations, followUps: [], usage: completion.usage } };
}

/**
 * A passage with the sentences the offline answer quoted from it first, in the order it quoted
 * them, then the rest as the guide has them: same sentences, the evidence for this question first.
 */
function evidenceFirst(chunk: Chunk, at: number, extractive: ComposedAnswer | undefined): string {
  const quoted = (extractive?.parts ?? []).filter((p) => p.cites.some((i) => extractive!.citations[i]?.id === chunk.id)).map((p) => p.text).filter((t) => chunk.text.includes(t));
  if (quoted.length === 0 || at < 0) return chunk.text;
  const paragraphs = chunk.text.split("\n\n");
  const first = quoted.filter((t, i) => quoted.indexOf(t) === i);
  const rest = paragraphs.map((p) => first.reduce((acc, t) => acc.replace(t, ""), p).replace(/\s{2,}/gu, " ").trim()).filter(Boolean);
  return [first.join(" "), ...rest].join("\n\n");
}

/**
 * The model's checked draft as the answer's parts: its first paragraph is the lead, its bullets are
 * points, the rest notes; each keeps the passages its [n] markers cite. The model writes prose, so
 * this is where its markup is read, once; renderers see only the parts.
 */
export function partsFromDraft(draft: string): AnswerPart[] {
  const parts: AnswerPart[] = [];
  for (const raw of draft.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const bullet = /^[-*•]\s+/u.test(line);
    const cites = [...new Set([...line.matchAll(/\[(\d+)\]/gu)].map((m) => Number(m[1]) - 1))];
    const text = line.replace(/^[-*•]\s+/u, "").replace(/\s*\[\d+\]/gu, "").replace(/\*\*([^*]+)\*\*/gu, "$1").trim();
    if (!text) continue;
    parts.push({ kind: bullet ? "point" : parts.length === 0 ? "lead" : "note", text, cites });
  }
  return parts;
}
