/**
 * `npm run ask -- "question"`     one answer with its sources, for people
 * `npm run ask -- --json "…"`     the Answer as one JSON object
 * `npm run --silent ask -- --jsonl` batch: JSON lines in on stdin, one Answer line out per input
 * `npm run ask -- --chat`          a conversation at the terminal (follow-ups, interview practice,
 *                                  study plan, readiness check)
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createCoach, type Coach } from "../../src/coach.js";
import type { Answer, HistoryMessage, Turn } from "../../src/types.js";
import { asCoachError, ConfigInvalidError } from "../../src/errors.js";
import { messageParts } from "../../src/compose/parts.js";

const USAGE = `Usage:\n  npm run ask -- "What should I know about edge deployment?"\n  npm run ask -- --json "…"\n  npm run --silent ask -- --jsonl < questions.jsonl\n  npm run ask -- --chat     (a conversation: try "quiz me", "study plan", "readiness check")\n`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: "boolean" }, jsonl: { type: "boolean" }, chat: { type: "boolean" }, help: { type: "boolean" } }, allowPositionals: true });
  } catch (error) {
    // node:util says which option it did not know, in one sentence.
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const flags = parsed.values;
  const question = parsed.positionals.join(" ");
  if (flags.help || (!flags.jsonl && !flags.chat && !question.trim())) {
    process.stderr.write(USAGE);
    return flags.help ? 0 : 2;
  }

  // A person at their own terminal or a batch job is not rate-limited; chat platforms are.
  const config = { ...loadConfig(), rateLimitPerMinute: 0 };
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : "warn");
  const coach = await createCoach(config, logger);
  guideTitle = mainDocument(coach);

  if (flags.jsonl) {
    await runBatch(coach);
    return 0;
  }
  if (flags.chat) {
    await runChat(coach);
    return 0;
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(await coach.ask(cliTurn(question, [])))}\n`);
    return 0;
  }
  // With a model configured, print its tokens as they come; the checked answer of record follows.
  let streamed = false;
  const answer = await coach.ask(cliTurn(question, []), {
    onToken: config.llmProvider === "none" ? undefined : (t) => {
      streamed = true;
      process.stdout.write(t);
    },
  });
  if (streamed && answer.mode === "llm") process.stdout.write(`\n\n${formatForTerminal({ ...answer, text: "" }).trimStart()}`);
  else if (streamed) process.stdout.write(`\n\n(That draft did not pass the checks against the guide; here is the answer from the guide.)\n\n${formatForTerminal(answer)}`);
  else process.stdout.write(formatForTerminal(answer));
  // One question per process cannot carry a session: say where practice works.
  if (answer.coaching?.stage === "question" || answer.coaching?.stage === "intake") process.stdout.write('To answer, start a conversation: npm run ask -- --chat (then say "quiz me", "study plan" or "readiness check").\n');
  return 0;
}

function cliTurn(text: string, history: HistoryMessage[], id = "cli"): Turn {
  return { text, history, user: { id: "cli-user", platform: "cli" }, conversationId: id };
}

/**
 * A conversation at the terminal: one conversation id, so follow-ups and coaching sessions carry
 * from one line to the next. Reads lines from stdin (a person or a pipe); "exit" or EOF ends it.
 */
async function runChat(coach: Coach): Promise<void> {
  const conversationId = `cli-chat-${process.pid}-${Date.now()}`;
  const history: HistoryMessage[] = [];
  const modes = coach.coachingStarters.map((m) => `"${m.text.toLowerCase()}"`).join(", ");
  process.stdout.write(`Ask about AI product management in manufacturing, or practise: ${modes}. Type "exit" to leave.\n\n`);
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  if (process.stdin.isTTY) process.stdout.write("> ");
  for await (const line of lines) {
    if (/^\s*(exit|quit)\s*$/iu.test(line)) {
      // A terminal keeps stdin open: close it too, or the process waits for Ctrl-D.
      lines.close();
      process.stdin.destroy();
      break;
    }
    if (line.trim()) {
      const answer = await coach.ask(cliTurn(line, history.slice(-12), conversationId));
      if (answer.outcome === "answered" && !answer.coaching) history.push({ role: "user", content: line }, { role: "assistant", content: answer.text });
      process.stdout.write(`\n${formatForTerminal(answer)}`);
    }
    if (process.stdin.isTTY) process.stdout.write("> ");
  }
}

/** One output line per input line, in order; a bad line never stops the batch. */
async function runBatch(coach: Coach): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (!line.trim()) continue;
    const parsed = parseBatchLine(line, lineNumber);
    const answer = "error" in parsed ? badInput(parsed.error) : await coach.ask(cliTurn(parsed.question, parsed.history, `batch-${parsed.id ?? lineNumber}`));
    process.stdout.write(`${JSON.stringify({ id: parsed.id, ...answer })}\n`);
  }
}

type BatchLine = { id: string | null; question: string; history: HistoryMessage[] } | { id: string | null; error: string };

export function parseBatchLine(line: string, lineNumber: number): BatchLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { id: null, error: `Line ${lineNumber} is not valid JSON.` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { id: null, error: `Line ${lineNumber} must be a JSON object.` };
  const record = value as Record<string, unknown>;
  const id = typeof record.id === "string" || typeof record.id === "number" ? String(record.id) : null;
  if (typeof record.question !== "string") return { id, error: `Line ${lineNumber} needs a "question" string.` };
  const history = record.history ?? [];
  if (!Array.isArray(history) || !history.every(isHistoryMessage)) {
    return { id, error: `Line ${lineNumber}: "history" must be a list of {"role": "user"|"assistant", "content": string}.` };
  }
  return { id, question: record.question, history };
}

function isHistoryMessage(m: unknown): m is HistoryMessage {
  const r = m as Record<string, unknown> | null;
  return !!r && (r.role === "user" || r.role === "assistant") && typeof r.content === "string";
}

function badInput(message: string): Answer {
  return { outcome: "refused", reason: "bad_input", text: message, parts: messageParts(message), citations: [], followUps: [], mode: "extractive", latencyMs: 0 };
}

/** The guide's title: "the guide" to the reader. */
let guideTitle = "";

/** The guide the coaching was written for (coach.json's first guide), not whichever document is largest. */
function mainDocument(coach: Coach): string {
  return coach.retriever.guideChunks[0]?.document ?? "";
}

export function formatForTerminal(answer: Answer): string {
  const bold = process.stdout.isTTY ? (s: string) => `\u001b[1m${s}\u001b[22m` : (s: string) => s;
  const out: string[] = [];
  // From the answer's parts: labels in bold on a terminal, plain in a pipe; no markup characters.
  answer.parts.forEach((part, i) => {
    const listed = part.kind === "point" || part.kind === "item";
    const previousListed = i > 0 && (answer.parts[i - 1]!.kind === "point" || answer.parts[i - 1]!.kind === "item");
    if (i > 0 && !(listed && previousListed)) out.push("");
    const label = part.label ? `${bold(part.label)}${part.text ? ": " : ""}` : "";
    const cites = part.cites.length ? ` ${part.cites.map((c) => `[${c + 1}]`).join("")}` : "";
    out.push(`${listed ? "  - " : ""}${label}${part.text}${cites}`);
  });
  out.push("");
  if (answer.citations.length > 0) {
    // Each source names its document when the answer draws on more than one (the guide, the
    // coach's functional-safety note…), so nothing from another document reads as the guide's.
    const documents = new Set(answer.citations.map((c) => c.document));
    const only = documents.size === 1 ? answer.citations[0]!.document : null;
    out.push(bold(only === null ? "Sources:" : `Sources (from ${!only || only === guideTitle ? "the guide" : only}):`));
    answer.citations.forEach((c, i) => out.push(`  [${i + 1}] ${only === null ? `${c.document === guideTitle ? "The guide" : c.document} › ` : ""}${c.path.join(" › ")}`));
    out.push("");
  }
  // At the terminal a coaching button is a word to type ("skip", "resume").
  const sayable = [...(answer.coaching?.actions ?? []).map((a) => a.label), ...answer.followUps];
  if (sayable.length > 0) {
    out.push(bold(answer.coaching ? "You can say:" : "You could ask next:"));
    for (const f of sayable) out.push(`  - ${f}`);
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const e = asCoachError(error);
    process.stderr.write(e instanceof ConfigInvalidError ? `${e.message}\n` : `${e.code}: ${e.message}\n`);
    process.exitCode = 1;
  },
);
