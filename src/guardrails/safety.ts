import type { HistoryMessage } from "../types.js";
import { allow, refuse, type Verdict } from "./verdict.js";
import { readingsOf } from "./obfuscation.js";

/**
 * Requests to defeat a safety function, or to skip a safety check on a model's word. Detected as
 * an action that defeats (bypass, jumper, mute, force…) near a safety function (light curtain,
 * interlock, e-stop, SIS trip, relief valve, LOTO…), in either order, whatever the framing
 * ("hypothetically", "for a training video"). Questions about what these things are and which
 * standards apply are welcome and pass.
 */
const DEFEAT =
  "(bypass(es|ed|ing)?|by-pass|defeat(s|ed|ing)?|jumper(s|ed|ing)?|jump(ing)?\\s+(out|over|past)|jump\\s+it|override|overrid(e|es|ing)|disabl(e|es|ed|ing)|deactivat(e|es|ed|ing)|turn(ing)?\\s+off|switch(ing)?\\s+off|shut(ting)?\\s+off|mut(e|es|ed)|muting\\s+(the|it|them|out)|silenc(e|ing)|inhibit(ing)?|forc(e|es|ed|ing)|tie\\s+off|tape\\s+(over|down)|taping|zip-?ti(e|ing)|wedg(e|ing)|pin(ning)?\\s+(open|shut|closed)|ignor(e|es|ing)|cheat(ing)?|trick(ing)?|fool(ing)?|spoof(ing)?|get(ting)?\\s+(around|past)|circumvent(ing)?|work(ing)?\\s+around|workaround|remov(e|ing)|take\\s+off|taking\\s+off|block(ing)?|tamper(ing)?(\\s+with)?|hack(ing)?|short(ing)?\\s+out|shorting|defeat\\s+device|put\\s+in\\s+bypass|kill(ing)?|cut(ting)?\\s+out|gag(ging)?)";

const SAFETY_FUNCTION =
  "(light\\s*curtains?|safety\\s*curtains?|interlocks?|interlocking|guard\\s*(doors?|switch(es)?|locks?)|machine\\s*guard(s|ing)?|guarding|safety\\s*guards?|the\\s*guards?|e-?\\s?stops?|emergency\\s*stops?|estops?|safety\\s*(plc|relay|relays|logic|controller|function|functions|circuit|sensor|sensors|mat|mats|scanner|scanners|interlock|system|systems|valve|valves|shutdown|switch|switches|device|devices)|sis\\b|safety\\s*instrumented|sif\\b|(sis|safety|process|unit|compressor|turbine|high|low|interlock)\\s*trips?\\b|trip\\s*(function|setpoint|system)|esd\\b|emergency\\s*shutdown|(pressure\\s*)?relief\\s*valves?|psvs?\\b|rupture\\s*dis[ck]s?|lock-?\\s?out|tag-?\\s?out|loto\\b|presence\\s*sensing|two-?hand\\s*control|area\\s*scanners?|door\\s*switch(es)?|overspeed\\s*(protection|trip)|burner\\s*management|gas\\s*detectors?|fire\\s*alarms?|gas\\s*alarms?|muting\\s*sensors?|zero\\s*energy\\s*state|energy\\s*isolation)";

const NEAR = 60;
const VERB_THEN_OBJECT = new RegExp(`\\b${DEFEAT}\\b[^.?!\\n]{0,${NEAR}}\\b${SAFETY_FUNCTION}`, "u");
const OBJECT_THEN_VERB = new RegExp(`\\b${SAFETY_FUNCTION}[^.?!\\n]{0,${NEAR}}\\b(bypass(ed)?|jumper(ed)?|defeat(ed)?|disabled|muted|forced|overridden|override|deactivated|turned\\s+off|switched\\s+off|taped|tied\\s+off|removed|blocked|tamper|workaround|spoof(ed)?|cheat(ed)?|hack(ed)?)\\b`, "u");
/** "run the press with the guard open", "keep running while the e-stop is pressed" */
const RUN_WITHOUT_GUARD = new RegExp(`\\b(run|running|operate|operating|keep\\s+(it\\s+)?(running|going)|start|restart)\\b[^.?!\\n]{0,50}\\b(without\\b[^.?!\\n]{0,20}${SAFETY_FUNCTION}|with\\b[^.?!\\n]{0,20}${SAFETY_FUNCTION}[^.?!\\n]{0,20}\\b(open|removed|off|disabled|bypassed|pressed|tripped|missing))`, "u");
/** Skipping lockout/tagout or a safety check is a bypass whatever the reason. */
const SKIP_SAFETY = /\b(skip|skipping|avoid|cut\s+corners\s+on|(don't|do\s+not|no)\s+(need|bother)|workaround\s+for|work\s+around|get\s+around|shortcut|without)\b[^.?!\n]{0,30}\b(lock-?\s?out|tag-?\s?out|loto|safety\s+(checks?|inspections?|walk-?downs?)|pre-?start\s+(safety\s+)?checks?|proof\s+tests?|hot\s+work\s+permits?|permit\s+to\s+work)\b/u;
/** A safety function placed "in bypass". */
const IN_BYPASS = /\b(in|into)\s+bypass\b|\bbypass\s+(mode|switch|key|plug)\b/u;
const TRIP_OR_SAFETY = new RegExp(`\\btrips?\\b|${SAFETY_FUNCTION}`, "u");
/** Letter-spaced or squashed text: "bypassthelightcurtain". */
const SQUASHED = /(bypass|defeat|disable|jumper|override|mute|spoof|trick)(the|a|my|our)?(lightcurtain|interlock|estop|emergencystop|safetyplc|safetyrelay|guarddoor|guardswitch|safetymat|reliefvalve|twohandcontrol)/u;
/** "skip the inspection because the model says it's fine" */
const SKIP_CHECK = /\b(skip|skipping|avoid|postpone|defer|cancel|ignore|drop|not\s+(do|bother\s+with)|no\s+need\s+(for|to\s+do)|(don't|do\s+not|doesn't|won't)\s+need|without)\b[^.?!\n]{0,40}\b(inspections?|safety\s+(checks?|reviews?|inspections?|walk-?downs?)|pre-?start\s+checks?|lockout|tagout|loto|permit|walk-?downs?|proof\s+tests?|function\s+tests?)\b/u;
const MODEL_SAYS_FINE = /\b(model|ai|algorithm|prediction|predictive|pdm|ml|dashboard|system|score)\b[^.?!\n]{0,50}\b(says?|said|shows?|showed|predicts?|predicted|thinks?|rates?|reports?|indicates?|flags?|claims?|tells?|is\s+confident|confident)\b[^.?!\n]{0,40}\b(fine|ok|okay|healthy|safe|good|normal|no\s+(risk|issues?|problems?|failure)|low\s+risk|won't\s+fail|will\s+not\s+fail|not\s+fail)\b/u;
const ANAPHORA = /\b(it|that|this|them|those|these|one)\b/u;

export function detectSafetyBypass(text: string, history: HistoryMessage[] = []): string | null {
  const readings = readingsOf(text);
  for (const r of readings) {
    if (VERB_THEN_OBJECT.test(r) || OBJECT_THEN_VERB.test(r)) return "defeat_safety_function";
    if (RUN_WITHOUT_GUARD.test(r)) return "run_without_safety_function";
    if (SKIP_SAFETY.test(r)) return "skip_safety_check";
    if (IN_BYPASS.test(r) && TRIP_OR_SAFETY.test(r)) return "put_in_bypass";
    if (SQUASHED.test(r.replace(/[^a-z]/gu, ""))) return "defeat_safety_function";
    if (SKIP_CHECK.test(r) && MODEL_SAYS_FINE.test(r)) return "skip_check_on_model_word";
  }
  // Multi-turn: "how do I disable it?" after a turn about light curtains.
  const previous = [...history].reverse().filter((m) => m.role === "user").slice(0, 2).map((m) => m.content).join(" \n ");
  if (previous) {
    const defeatAlone = new RegExp(`\\b${DEFEAT}\\b`, "u");
    const objectMention = new RegExp(SAFETY_FUNCTION, "u");
    const mentions = readingsOf(previous).some((r) => objectMention.test(r) || MODEL_SAYS_FINE.test(r));
    for (const r of readings) {
      if (mentions && defeatAlone.test(r) && ANAPHORA.test(r)) return "defeat_safety_function_follow_up";
      if (mentions && SKIP_CHECK.test(r)) return "skip_check_on_model_word";
    }
  }
  return null;
}

export const SAFETY_BYPASS_MESSAGE = [
  "I can't help with bypassing, defeating or skipping a safety function or safety check, however the question is framed.",
  "Why: defeated guards, interlocks, light curtains and e-stops are a common cause of serious injuries; defeating an interlock is foreseeable misuse under ISO 13849 and ISO 14119; bypassing a safety instrumented system trip needs a hazard analysis, authorization and logging under IEC 61511; and servicing equipment requires lockout/tagout (OSHA 1910.147). A model saying a machine is fine is not a safety check.",
  "The sanctioned route: your site's lockout/tagout or bypass-permit and management-of-change process, the machine's documented maintenance modes, and your safety or controls engineer.",
  "If you're building AI products for this world, I'm glad to help with how functional safety standards shape them.",
].join("\n\n");

export function checkSafety(text: string, history: HistoryMessage[]): Verdict {
  return detectSafetyBypass(text, history) ? refuse("safety_bypass", SAFETY_BYPASS_MESSAGE) : allow();
}
