/**
 * `npm run eval:injections [-- FILE]`: recall and false-positive rate of the prompt-injection
 * rail on a labelled public set ({"text", "label": 0|1} per line; default: the deepset
 * prompt-injections train split beside the repo). Measured, not tuned on: the patterns were written
 * from this bot's policy, and this set's labels are general-purpose (see README).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { detectInjection } from "../src/guardrails/injection.js";
import { detectSafetyBypass } from "../src/guardrails/safety.js";

const { values: options, positionals } = parseArgs({ options: { show: { type: "boolean" } }, allowPositionals: true });
const file = resolve(positionals[0] ?? "../shared/datasets/prompt-injections-train.jsonl");
if (!existsSync(file)) {
  process.stdout.write(`No dataset at ${file}; pass one: npm run eval:injections -- FILE\n`);
  process.exit(0);
}
const rows = readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text: string; label: number });
let tp = 0;
let fn = 0;
let fp = 0;
let tn = 0;
const missed: string[] = [];
const flagged: string[] = [];
for (const { text, label } of rows) {
  const hit = detectInjection(text) !== null || detectSafetyBypass(text) !== null;
  if (label === 1 && hit) tp++;
  else if (label === 1) {
    fn++;
    missed.push(text);
  } else if (hit) {
    fp++;
    flagged.push(text);
  } else tn++;
}
const recall = tp / (tp + fn);
const fpr = fp / (fp + tn);
const wilson = (k: number, n: number) => {
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return `[${(c - h).toFixed(3)}, ${(c + h).toFixed(3)}]`;
};
process.stdout.write(
  `Prompt-injection rail on ${rows.length} labelled prompts (${tp + fn} injections, ${fp + tn} benign) from ${file}\n` +
    `  recall               ${recall.toFixed(3)}  95% CI ${wilson(tp, tp + fn)}\n` +
    `  false-positive rate  ${fpr.toFixed(3)}  95% CI ${wilson(fp, fp + tn)}\n`,
);
if (options.show) {
  process.stdout.write(`\nMissed injections:\n${missed.map((t) => `  - ${t.slice(0, 140)}`).join("\n")}\n`);
  process.stdout.write(`\nFlagged benign prompts:\n${flagged.map((t) => `  - ${t.slice(0, 140)}`).join("\n")}\n`);
}
