import { normalizeText, words } from "../text/normalize.js";
import { CitationList, type CoachingContent } from "./content.js";

/** Readiness check: a short checklist the user ticks through, ending with gaps and what to read. */

export type Tick = "yes" | "partly" | "no";

export interface ReadinessSession {
  kind: "readiness";
  /** Carried by the session's buttons, so a button from an earlier session acts on nothing. Absent in sessions stored before ids. */
  id?: string;
  conversationId: string;
  index: number;
  ticks: Tick[];
  paused: boolean;
  updatedAt: number;
}

const NO = /^(no|nope|nah|n|not yet|not really|not at all|never|i can ?not|i cant|i can't|i don'?t|i do not|i haven'?t|i have not|haven'?t|don'?t|cannot|can'?t|❌|👎)\b/u;
const PARTLY = /^(partly|partially|somewhat|kind of|kinda|sort of|sorta|a bit|a little|some|sometimes|halfway|half|more or less|roughly|in part|maybe|not fully|not completely|🤏)\b/u;
const YES = /^(yes|yeah|yep|yup|y|sure|definitely|absolutely|of course|i can|i do|i have|i've got|ive got|done|ready|correct|true|✅|👍)\b/u;

/** The same signals anywhere in a longer reply ("I've only read about it, so partly"). */
const NO_ANYWHERE = /\b(no|not yet|nope|not really|nothing yet|haven'?t|have not|don'?t have|do not have|can'?t|cannot|never)\b/u;
const PARTLY_ANYWHERE = /\b(partly|partially|somewhat|kind of|sort of|a bit|halfway|more or less|not fully|not completely|in part)\b/u;
const YES_ANYWHERE = /\b(yes|yeah|yep|sure|ready|definitely|absolutely|of course|i can|i do|i have)\b/u;

/** "Yes", "partly" or "not yet" from a free-text reply; null when the reply says neither or is torn. */
export function parseTick(reply: string): Tick | null {
  const text = words(reply).join(" ");
  const raw = normalizeText(reply).toLowerCase();
  for (const [pattern, tick] of [[NO, "no"], [PARTLY, "partly"], [YES, "yes"]] as const) {
    if (pattern.test(text) || pattern.test(raw)) return tick;
  }
  const found = ([[PARTLY_ANYWHERE, "partly"], [NO_ANYWHERE, "no"], [YES_ANYWHERE, "yes"]] as const).filter(([p]) => p.test(raw)).map(([, t]) => t);
  // "Partly" wins over the "no"/"yes" it is usually said with ("not fully, partly").
  if (found.includes("partly")) return "partly";
  return found.length === 1 ? found[0]! : null;
}

export function readinessQuestion(content: CoachingContent, index: number): string {
  const item = content.readiness[index]!;
  return [`**Readiness check · ${index + 1} of ${content.readiness.length}: ${item.label}**`, "", item.ask, "", "Answer **yes**, **partly** or **not yet** (or **stop**)."].join("\n");
}

/** The end of the checklist: what is ready, and for each gap what the guide says to do next. */
export function readinessSummary(content: CoachingContent, ticks: Tick[], cites: CitationList): string {
  const points = ticks.reduce((a, t) => a + (t === "yes" ? 1 : t === "partly" ? 0.5 : 0), 0);
  const total = content.readiness.length;
  const lines = [`**Readiness: ${points} of ${total}.**`];
  const ready = content.readiness.filter((_, i) => ticks[i] === "yes");
  const gaps = content.readiness.map((item, i) => ({ item, tick: ticks[i] })).filter((g) => g.tick !== "yes");
  // Blank lines between blocks: Teams and Slack show each block as its own paragraph or list.
  if (ready.length) lines.push("", `Ready: ${ready.map((r) => r.label).join("; ")}.`);
  if (gaps.length === 0) {
    lines.push("", "No gaps on this checklist. Keep your stories sharp with **quiz me**.");
    for (const item of content.readiness) cites.marker(item.chunk);
    return lines.join("\n");
  }
  lines.push("", "Your gaps, and what the guide says to do:");
  for (const { item, tick } of gaps) {
    lines.push("", `**${item.label}** (${tick === "partly" ? "partly" : "not yet"})`);
    for (const q of item.next) lines.push(`- **Next**: ${q.sentence} ${cites.marker(q.chunk)}`);
    lines.push(`- Read: ${item.chunk.section}`);
  }
  return lines.join("\n");
}
