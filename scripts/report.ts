/**
 * `npm run report`: what people asked and how the coach did, from the answer and feedback logs
 * under DATA_DIR (JSONL files; with REDIS_URL, the Redis streams): questions by outcome and
 * reason, the most frequent no-answer questions (gaps in the guide), coaching use (and the
 * practice sections people miss most), and feedback.
 */
import { join } from "node:path";
import { loadConfig } from "../src/config.js";
import { readAnswerLog, readJsonl, type AnswerRecord, type FeedbackRecord } from "../src/state/feedback.js";

const config = loadConfig();
const answerLog = await readAnswerLog<AnswerRecord>(join(config.dataDir, "answers.jsonl"));
const feedbackLog = await readJsonl<FeedbackRecord>(join(config.dataDir, "feedback.jsonl"));
let answers = answerLog.records;
let feedback = feedbackLog.records;
// Counted less than the files hold: say where, so a torn or hand-edited line is not silently lost.
const badByFile = new Map<string, number[]>();
for (const bad of [...answerLog.badLines, ...feedbackLog.badLines]) badByFile.set(bad.path, [...(badByFile.get(bad.path) ?? []), bad.line]);
for (const [path, lines] of badByFile) {
  const shown = lines.slice(0, 10);
  process.stderr.write(`Skipped ${lines.length} unreadable line${lines.length === 1 ? "" : "s"} in ${path} (line ${shown.join(", ")}${lines.length > shown.length ? ", …" : ""}).\n`);
}

if (config.redisUrl) {
  const { createClient } = await import("redis");
  const client = createClient({ url: config.redisUrl, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const read = async <T>(stream: string) => ((await client.xRange(`coach:${stream}`, "-", "+")) ?? []).map((e) => JSON.parse(String(e.message.json)) as T);
    answers = [...answers, ...(await read<AnswerRecord>("answers"))];
    // Feedback is in the local file and in the shared stream: count each record once.
    const seen = new Set(feedback.map(feedbackKey));
    feedback = [...feedback, ...(await read<FeedbackRecord>("feedback")).filter((f) => !seen.has(feedbackKey(f)))];
    await client.quit();
  } catch (error) {
    process.stderr.write(`Redis at REDIS_URL not reachable (${(error as Error).message}); reporting the local files only.\n`);
  }
}

function feedbackKey(f: FeedbackRecord): string {
  return f.id ?? `${f.answerId}|${f.userKey}|${f.at}|${f.rating}`;
}

const count = <T>(items: T[], key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
// Practice answers and checklist ticks are not questions to the guide; they get their own section.
const coachingSteps = answers.filter((a) => a.coaching);
answers = answers.filter((a) => !a.coaching);
const out: string[] = [];
out.push(`Questions: ${answers.length}`);
for (const [k, n] of count(answers, (a) => `${a.outcome}${a.reason ? ` / ${a.reason}` : ""}`)) out.push(`  ${String(n).padStart(6)}  ${k}`);
out.push("", "By platform:");
for (const [k, n] of count(answers, (a) => a.platform)) out.push(`  ${String(n).padStart(6)}  ${k}`);
const gaps = count(
  answers.filter((a) => a.outcome === "no_answer" && a.reason === "not_in_guide"),
  (a) => a.question.trim().toLowerCase().replace(/\s+/gu, " "),
);
out.push("", "Most frequent questions the guide could not answer (gaps to fill):");
for (const [q, n] of gaps.slice(0, 15)) out.push(`  ${String(n).padStart(6)}  ${q.slice(0, 120)}`);
if (gaps.length === 0) out.push("  none");
out.push("", `Coaching steps: ${coachingSteps.length}`);
for (const [k, n] of count(coachingSteps, (a) => `${a.coaching!.mode} / ${a.coaching!.stage}`)) out.push(`  ${String(n).padStart(6)}  ${k}`);
const graded = coachingSteps.filter((a) => a.coaching!.grade);
if (graded.length) {
  out.push("", "Practice answers by grade:");
  for (const [k, n] of count(graded, (a) => a.coaching!.grade!)) out.push(`  ${String(n).padStart(6)}  ${k}`);
  // A practice feedback's first source is the section of the question that was answered.
  const missed = count(
    graded.filter((a) => a.coaching!.grade === "not_yet" && a.sections[0]),
    (a) => a.sections[0]!,
  );
  if (missed.length) out.push("", "Practice sections answered \"not yet\" most often (worth a closer look):");
  for (const [section, n] of missed.slice(0, 10)) out.push(`  ${String(n).padStart(6)}  ${section}`);
}
const up = feedback.filter((f) => f.rating === "up").length;
out.push("", `Feedback: ${feedback.length} (👍 ${up}, 👎 ${feedback.length - up})`);
const bySection = new Map<string, { up: number; down: number }>();
const answerById = new Map(answers.map((a) => [a.answerId, a]));
for (const f of feedback) {
  const section = answerById.get(f.answerId)?.sections[0] ?? "(answer not in the log)";
  const entry = bySection.get(section) ?? { up: 0, down: 0 };
  entry[f.rating]++;
  bySection.set(section, entry);
}
for (const [section, { up: u, down: d }] of [...bySection.entries()].sort((a, b) => b[1].down - a[1].down)) out.push(`  👍 ${u} 👎 ${d}  ${section}`);
const comments = feedback.filter((f) => f.rating === "down" && f.comment);
if (comments.length) {
  out.push("", "What was wrong (latest 10 comments):");
  for (const f of comments.slice(-10)) out.push(`  - ${f.comment!.slice(0, 200)}`);
}
process.stdout.write(`${out.join("\n")}\n`);
