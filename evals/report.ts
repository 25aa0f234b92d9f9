import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalReport } from "./harness.js";
import type { Rate, Summary } from "./metrics.js";

const pct = (r: Rate | null) => (r ? r.value.toFixed(3) : "–");
const ci = (r: Rate | null) => (r ? `${r.value.toFixed(3)} [${r.low.toFixed(2)}–${r.high.toFixed(2)}]` : "–");
const num = (x: number | null) => (x === null ? "–" : x.toFixed(3));

const COLUMNS: [string, (s: Summary) => string][] = [
  ["cases", (s) => String(s.cases)],
  ["pass", (s) => String(s.passed)],
  ["outcome", (s) => pct(s.outcomeAccuracy)],
  ["hit@1", (s) => pct(s.hitAt1)],
  ["hit@3", (s) => pct(s.hitAt3)],
  ["hit@5", (s) => pct(s.hitAt5)],
  ["MRR", (s) => num(s.mrr)],
  ["nDCG@5", (s) => num(s.ndcg5)],
  ["facts", (s) => pct(s.keyFactRecall)],
  ["lead", (s) => pct(s.leadFactRecall)],
  ["false no-answer", (s) => pct(s.falseNoAnswerRate)],
  ["unrelated", (s) => pct(s.unrelatedRate)],
  ["false refusals", (s) => pct(s.falseRefusalRate)],
  ["citations valid", (s) => pct(s.citationValidity)],
  ["leaks", (s) => String(s.forbiddenLeaks)],
];

/** The per-category table for a terminal. */
export function consoleTable(report: EvalReport): string {
  const rows = [...Object.entries(report.categories), ["ALL", report.overall] as const];
  const header = ["category", ...COLUMNS.map(([h]) => h)];
  const body = rows.map(([name, s]) => [name, ...COLUMNS.map(([, f]) => f(s))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...body.map(line)].join("\n");
}

const LANGUAGE_COLUMNS: [string, (s: Summary) => string][] = [
  ["cases", (s) => String(s.cases)],
  ["refused as expected", (s) => ci(s.refusalRecall)],
  ["answered (must refuse)", (s) => (s.refusalRecall ? String(s.answeredWhenRefusalExpected) : "–")],
  ["false refusals", (s) => ci(s.falseRefusalRate)],
  ["outcome", (s) => ci(s.outcomeAccuracy)],
];

/** Rows for the per-language table: each category with a "lang" field, then each of its languages. */
function languageRows(report: EvalReport): [string, Summary][] {
  const rows: [string, Summary][] = [];
  for (const [cat, langs] of Object.entries(report.languages ?? {})) {
    const summary = report.categories[cat];
    if (summary) rows.push([cat, summary]);
    for (const [lang, s] of Object.entries(langs)) rows.push([`  ${lang}`, s]);
  }
  return rows;
}

/** Recall and false refusals with Wilson 95% intervals, per category and language. */
export function languageTable(report: EvalReport): string {
  const rows = languageRows(report);
  if (rows.length === 0) return "";
  const header = ["category / language", ...LANGUAGE_COLUMNS.map(([h]) => h)];
  const body = rows.map(([name, s]) => [name, ...LANGUAGE_COLUMNS.map(([, f]) => f(s))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...body.map(line)].join("\n");
}

export function markdown(report: EvalReport, baselineDiff?: string): string {
  const o = report.overall;
  const out: string[] = [];
  out.push(`## Coach eval: ${report.gate.passed ? "✅ gate passed" : "❌ gate failed"}`, "");
  out.push(`${o.passed}/${o.cases} cases passed · mode \`${report.mode}\` · datasets: ${report.datasets.map((d) => `\`${d}\``).join(", ")}`, "");
  if (!report.gate.passed) out.push("**Missed thresholds:**", ...report.gate.misses.map((m) => `- ${m}`), "");
  out.push("### Overall (rates with Wilson 95% intervals)", "", "| metric | value |", "| --- | --- |");
  out.push(`| outcome accuracy | ${ci(o.outcomeAccuracy)} |`, `| hit@1 / hit@3 / hit@5 | ${pct(o.hitAt1)} / ${pct(o.hitAt3)} / ${pct(o.hitAt5)} |`);
  out.push(`| MRR / nDCG@5 | ${num(o.mrr)} / ${num(o.ndcg5)} |`, `| key-fact recall | ${ci(o.keyFactRecall)} |`, `| lead-fact recall (first two sentences) | ${ci(o.leadFactRecall)} |`, `| false no-answer rate | ${ci(o.falseNoAnswerRate)} |`, `| answers citing an unrelated section | ${ci(o.unrelatedRate)} |`, `| false-refusal rate | ${ci(o.falseRefusalRate)} |`);
  out.push(`| citation validity | ${ci(o.citationValidity)} |`, `| forbidden leaks | ${o.forbiddenLeaks} |`, `| latency p50 / p95 | ${o.latencyP50} ms / ${o.latencyP95} ms |`, "");
  out.push("### By category", "", `| category | ${COLUMNS.map(([h]) => h).join(" | ")} |`, `| --- | ${COLUMNS.map(() => "---:").join(" | ")} |`);
  for (const [name, s] of Object.entries(report.categories)) out.push(`| ${name} | ${COLUMNS.map(([, f]) => f(s)).join(" | ")} |`);
  const byLanguage = languageRows(report);
  if (byLanguage.length) {
    out.push("", "### By language (rates with Wilson 95% intervals)", "", `| category / language | ${LANGUAGE_COLUMNS.map(([h]) => h).join(" | ")} |`, `| --- | ${LANGUAGE_COLUMNS.map(() => "---:").join(" | ")} |`);
    for (const [name, s] of byLanguage) out.push(`| ${name.trim() === name ? `**${name}**` : name.trim()} | ${LANGUAGE_COLUMNS.map(([, f]) => f(s)).join(" | ")} |`);
  }
  out.push("", "### Refusals by reason code", "", "| reason | recall | precision |", "| --- | --- | --- |");
  for (const [reason, s] of Object.entries(report.reasons)) out.push(`| \`${reason}\` | ${ci(s.recall)} | ${ci(s.precision)} |`);
  out.push("", `### LLM-as-judge`, "", `${report.judge.status === "skipped" ? "Skipped" : "Ran"}: ${report.judge.note}`, "");
  if (baselineDiff) out.push("### Against the baseline", "", baselineDiff, "");
  const failed = report.cases.filter((c) => !c.passed);
  out.push(`### Failed cases (${failed.length})`, "");
  if (failed.length === 0) out.push("None.");
  for (const c of failed) {
    out.push(`- **${c.id}** (${c.category}): ${escapeMd(c.question.slice(0, 200))}`);
    out.push(`  - expected: ${c.expect.outcome.join("|")}${c.expect.sections.length ? `; sections ${c.expect.sections.join(" | ")}` : ""}${c.expect.facts.length ? `; facts ${c.expect.facts.map((f) => f.join("/")).join(", ")}` : ""}`);
    out.push(`  - got: ${c.answer.outcome}/${c.answer.reason ?? "-"}: ${escapeMd(c.answer.text.replace(/\s+/gu, " ").slice(0, 200))}`);
    out.push(`  - why: ${c.failures.join("; ")}`);
  }
  return `${out.join("\n")}\n`;
}

function escapeMd(text: string): string {
  return text.replace(/[|<>]/gu, (c) => `\\${c}`);
}

// XML 1.0 forbids most control characters; an eval question may contain any of them.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/gu;

function xml(text: string): string {
  return text.replace(/[<>&"']/gu, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!).replace(XML_INVALID, "");
}

export function junit(report: EvalReport): string {
  const suites = Object.keys(report.categories).map((cat) => {
    const cases = report.cases.filter((c) => c.category === cat);
    const failures = cases.filter((c) => !c.passed).length;
    const time = cases.reduce((a, c) => a + c.answer.latencyMs, 0) / 1000;
    const body = cases
      .map((c) => {
        const open = `    <testcase classname="eval.${xml(cat)}" name="${xml(c.id)}" time="${(c.answer.latencyMs / 1000).toFixed(4)}">`;
        if (c.passed) return `${open}</testcase>`;
        return `${open}\n      <failure message="${xml(c.failures.join("; "))}">${xml(`question: ${c.question}\nexpected: ${JSON.stringify(c.expect)}\ngot: ${c.answer.outcome}/${c.answer.reason ?? "-"}\n${c.answer.text}`)}</failure>\n    </testcase>`;
      })
      .join("\n");
    return `  <testsuite name="${xml(cat)}" tests="${cases.length}" failures="${failures}" time="${time.toFixed(4)}">\n${body}\n  </testsuite>`;
  });
  const failures = report.cases.filter((c) => !c.passed).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="coach-eval" tests="${report.cases.length}" failures="${failures}">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** Deltas per overall metric and the cases that went from pass to fail. */
export function compareWithBaseline(report: EvalReport, baseline: EvalReport): { text: string; regressions: string[] } {
  const lines = ["| metric | baseline | now | Δ |", "| --- | ---: | ---: | ---: |"];
  for (const [key] of Object.entries(report.overall)) {
    const now = metricValue(report.overall[key as keyof Summary]);
    const before = metricValue(baseline.overall?.[key as keyof Summary]);
    if (now === null || before === null) continue;
    const delta = now - before;
    lines.push(`| ${key} | ${before.toFixed(3)} | ${now.toFixed(3)} | ${delta >= 0 ? "+" : ""}${delta.toFixed(3)} |`);
  }
  const passedBefore = new Set((baseline.cases ?? []).filter((c) => c.passed).map((c) => c.id));
  const regressions = report.cases.filter((c) => !c.passed && passedBefore.has(c.id)).map((c) => c.id);
  lines.push("", regressions.length ? `Cases that passed before and fail now: ${regressions.join(", ")}` : "No case went from pass to fail.");
  return { text: lines.join("\n"), regressions };
}

function metricValue(x: unknown): number | null {
  if (typeof x === "number") return x;
  if (x && typeof x === "object" && "value" in x && typeof (x as Rate).value === "number") return (x as Rate).value;
  return null;
}

export function writeReports(report: EvalReport, outDir: string, baselineDiff?: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, "report.md"), markdown(report, baselineDiff));
  writeFileSync(join(outDir, "junit.xml"), junit(report));
}
