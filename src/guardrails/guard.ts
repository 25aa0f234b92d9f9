import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../paths.js";
import type { HistoryMessage, ReasonCode } from "../types.js";
import { bound, fold, hiddenTagText } from "./fold.js";
import { readingsOf } from "./obfuscation.js";
import { Lexicon, safetyConcepts } from "./lexicon.js";
import type { IntentModel } from "./intent-model.js";
import { loadGuardModel, type GuardManifestEntry } from "./guard-model-store.js";
import { injectionPhrase, safetyPhrase, TEMPLATE_MARKUP } from "./patterns.js";
import { detectLanguage } from "./language.js";
import { ADDRESSED, lexiconSignals } from "./signals.js";

/**
 * Safety and injection rails by meaning, from two signals:
 *  - what the text is about: the multilingual lexicon (safety functions and devices; the coach's
 *    instructions and configuration), and
 *  - what it wants: the intent classifier (defeat vs understand/authorise/design/explain; reveal
 *    or override the rules vs an ordinary question).
 * Phrase patterns remain a third, weaker signal that counts only when the classifier does not
 * read the text as a legitimate question. Every user turn of the history is read too: a refused
 * request stays refused when the next turn only reframes it ("hypothetically", "for a video"),
 * and an injection spread over several turns is read as one text.
 *
 * Everything here is linear in the (bounded) text and never throws to the caller: the rails
 * catch and fall back to the phrase patterns.
 */
export interface Assessment {
  bypass: number;
  injection: number;
  none: number;
  concepts: string[];
  generic: boolean;
  target: boolean;
  framing: boolean;
  /** A word for defeating or running on despite a function. */
  defeat: boolean;
  /** An everyday word for a device ("the curtain", "the door"). */
  weak: boolean;
  /** A word of the legitimate side: authorise, permit, log, audit, standard, design, explain. */
  legit: boolean;
  /** A model's word that all is well, and skipping a check: together, a check skipped on a model's word. */
  modelWord: boolean;
  skipCheck: boolean;
  /** A model or AI is the actor; a negation ("must not", "never", "nicht") is present. */
  aiActor: boolean;
  negation: boolean;
  /** Words that evade the sanctioned route ("without a permit", "so the auditor won't notice"). */
  evasion: boolean;
  /** A question why, or about consequences and penalties. */
  explaining: boolean;
  /** Giving something the power to act ("so it can", "allowed to", "che possa"). */
  capability: boolean;
  /** The text addresses the coach ("you", "your", "du", "tu", "你", "あなた"…). */
  addressed: boolean;
  safetyPhrase: string | null;
  injectionPhrase: string | null;
  markup: boolean;
  hiddenText: boolean;
  words: number;
}

/** Which assessment flag a lexicon hit of each kind raises (safety concepts are collected apart). */
const FLAG_OF_LEXICON_ID: Readonly<Record<string, keyof Assessment & ("generic" | "target" | "framing" | "defeat" | "weak" | "legit" | "modelWord" | "skipCheck" | "aiActor" | "negation" | "evasion" | "explaining" | "capability")>> = {
  generic: "generic",
  target: "target",
  framing: "framing",
  defeat: "defeat",
  weak: "weak",
  legit: "legit",
  model: "modelWord",
  skip: "skipCheck",
  ai: "aiActor",
  negation: "negation",
  evasion: "evasion",
  explain: "explaining",
  capability: "capability",
};

/** Where a decision came from, for logs and tests (never the text itself). */
export type Finding = string | null;

const PROJECT_KNOWLEDGE = join(PROJECT_ROOT, "knowledge");

const T = {
  /** Defeat intent with a named safety function. */
  bypassWithObject: 0.3,
  /** Defeat intent with only a generic safety word ("the protection", "safety device"). */
  bypassWithGeneric: 0.5,
  /** A defeat word with a named function counts unless the classifier reads a legitimate question. */
  bypassWord: 0.15,
  /** A defeat phrase counts unless the classifier reads a legitimate question. */
  bypassPhrase: 0.2,
  legitimate: 0.75,
  clearlyLegitimate: 0.9,
  certainlyLegitimate: 0.97,
  /** With words of the legitimate side present (authorise, permit, audit, a standard…). */
  bypassDespiteLegitimate: 0.6,
  /** The same with a framing ("for a story", "I'm authorised"). */
  bypassDespiteLegitimateFramed: 0.45,
  /** The same when a model is made the actor of a defeat, with no negation. */
  bypassModelDefeats: 0.3,
  /** The same when a defeat word comes with words that evade the process ("without a permit"). */
  bypassEvadingProcess: 0.15,
  /** The same in a question why, or about consequences ("why must it never be bypassed"). */
  bypassDespiteExplaining: 0.8,
  /** An everyday device word ("the door", "the scanner") with a defeat word. */
  bypassWithWeakObject: 0.5,
  /** An everyday device or hazard word alone ("keep the press cycling with my hand in the die"). */
  bypassWithWeakObjectAlone: 0.95,
  /** A defeat word and a near-certain defeat intent, the device described in other words. */
  bypassWordAlone: 0.95,
  /** A defeat intent so certain that no lexicon word is needed. */
  bypassCertain: 0.99,
  injectionWithTarget: 0.5,
  injectionPhrase: 0.2,
  /** A near-certain injection intent with no target word from the lexicon ("paste your preamble"). */
  injectionAlone: 0.97,
};

const AMBIGUOUS_INJECTION_PHRASES = new Set(["jailbreak-persona", "reveal-prompt", "you-are-now", "now-focus", "fake-instruction-label", "what-were-you-told", "evil-roleplay"]);

/** Short replies that drive the coaching modes or are small talk: never a trigger for an earlier set-up. */
const COACHING_REPLIES = new Set(
  "thanks|thank you|ok|okay|ok thanks|help|hi|hello|hey|quiz me|stop|yes|no|next|skip|hint|resume|pause|repeat|not yet|partly|definitely|study plan|readiness check|am i ready|exit|bye".split("|"),
);

const HISTORY_TURNS = 20;
const HISTORY_TURN_CHARS = 2_000;
const HISTORY_BUDGET = 8_000;
const CACHE_SIZE = 2_000;
const CACHE_TTL_MS = 10 * 60_000;

/** Words that point back at the previous turn ("it", "that", "es", "ça", "eso"…). */
const ANAPHORA = /(^|[^\p{L}])(it|that|this|them|those|these|same|es|das|ihn|dies|diese|ça|cela|le|la|les|eso|esto|lo|questo|quello|isso|isto|to|tego|это|его|ее|её)([^\p{L}]|$)/u;

/** "How" in the lexicon's main languages, for a follow-up that asks how again. */
const HOW = /(^|[^\p{L}])(how|come|cómo|como|wie|comment|jak|hoe|hur|nasıl|как|bagaimana|gimana|kaise|kese)([^\p{L}]|$)|どうやって|どう|怎么|如何|어떻게/u;

/** How a turn opens when it carries the previous request on ("and on…", "what about…", "e se…", "y en…", "und bei…"). */
const CARRY_ON = /^\s*(and|but|what about|how about|also|e|ed|ma|y|pero|und|aber|et|mais|ou|i|a|og|och|en|ve|и|а|но|và|dan|aur|lekin|じゃあ|では|それで|那|那么|还有|그럼|그리고)([^\p{L}]|$)/u;

export interface RefusalTexts {
  safety_bypass: Record<string, string[]>;
  prompt_injection: Record<string, string[]>;
}

export class Guard {
  private readonly cache = new Map<string, { at: number; value: Assessment }>();

  constructor(
    readonly model: IntentModel,
    readonly lexicon: Lexicon,
    private readonly refusals: RefusalTexts,
    readonly modelInfo: GuardManifestEntry | null = null,
    private readonly clock: () => number = Date.now,
  ) {}

  static fromKnowledge(knowledgeDir: string, indexDir: string | null, onNote?: (note: string) => void): Guard {
    // A knowledge directory without safety/ (a team's own guide) still gets the project's rails.
    if (!existsSync(join(knowledgeDir, "safety", "lexicon.json"))) {
      onNote?.(`no safety/ in ${knowledgeDir}: using the project's safety lexicon and training data`);
      knowledgeDir = PROJECT_KNOWLEDGE;
      indexDir = null;
    }
    const { model, entry } = loadGuardModel(knowledgeDir, indexDir, onNote);
    const refusals = JSON.parse(readFileSync(join(knowledgeDir, "safety", "refusals.json"), "utf8")) as RefusalTexts;
    return new Guard(model, Lexicon.fromKnowledge(knowledgeDir), refusals, entry);
  }

  /** Both signals for one text, cached (bounded, expiring) so history turns are read once. */
  assess(text: string): Assessment {
    const input = bound(text);
    const now = this.clock();
    const hit = this.cache.get(input);
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.value;
    const value = this.compute(input);
    this.cache.delete(input);
    this.cache.set(input, { at: now, value });
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  private compute(input: string): Assessment {
    const hidden = hiddenTagText(input);
    const readings = readingsOf(input);
    // The text as written and its most de-disguised reading (spacing, leetspeak, homoglyphs
    // undone), plus any base64 payload: usually one or two distinct texts.
    const folded = [...new Set([fold(input), ...readings.slice(1).map((r) => fold(r))])];
    const scored = [...new Set([folded[0]!, folded.at(-1)!])];
    const a: Assessment = {
      bypass: 0,
      injection: 0,
      none: 1,
      concepts: [],
      generic: false,
      target: false,
      framing: false,
      defeat: false,
      weak: false,
      legit: false,
      modelWord: false,
      skipCheck: false,
      aiActor: false,
      negation: false,
      evasion: false,
      explaining: false,
      capability: false,
      addressed: ADDRESSED.test(folded[0]!),
      safetyPhrase: safetyPhrase(readings),
      injectionPhrase: injectionPhrase(readings),
      markup: readings.some((r) => TEMPLATE_MARKUP.test(r)),
      hiddenText: hidden.replace(/[^a-z]/giu, "").length >= 8,
      words: (folded[0]!.match(/[\p{L}\p{N}]+/gu) ?? []).length,
    };
    const concepts = new Set<string>();
    for (const f of scored) {
      const hits = this.lexicon.matchFolded(f);
      const scores = this.model.scoreFolded(f, lexiconSignals(hits, ADDRESSED.test(f)));
      if (scores.bypass > a.bypass) {
        a.bypass = scores.bypass;
        a.none = Math.min(a.none, scores.none);
      }
      a.injection = Math.max(a.injection, scores.injection);
      for (const h of hits) {
        const flag = FLAG_OF_LEXICON_ID[h.id];
        if (flag) a[flag] = true;
      }
      for (const h of safetyConcepts(hits)) concepts.add(h.id);
    }
    a.concepts = [...concepts];
    if (a.hiddenText) {
      // What is hidden is read like any other text; hiding it at all is the attack.
      const inner = this.compute(hidden);
      a.injection = Math.max(a.injection, inner.injection, 0.99);
      a.bypass = Math.max(a.bypass, inner.bypass);
    }
    return a;
  }

  /**
   * Does this one text ask to defeat a safety function? Always two signals: what (a safety
   * function named, or a phrase that names one) and why (the classifier's defeat intent); a
   * defeat word or phrase lowers the bar only while the classifier does not read a legitimate
   * question. The classifier alone never refuses: on text unlike its training data it can be
   * confidently wrong.
   */
  private safetyOf(a: Assessment): Finding {
    // Skipping a safety check because a model says the equipment is fine is never a process question.
    if (a.safetyPhrase === "skip_check_on_model_word" && a.none < T.clearlyLegitimate) return "phrase_skip_check_on_model_word";
    // The same in any language of the lexicon: a model's word and a skipped check.
    if (a.modelWord && a.skipCheck && a.none < T.clearlyLegitimate) return "skip_check_on_model_word";
    // Words of the sanctioned route (authorise, permit, log, audit, a standard, design, explain)
    // raise the bar: only a clear defeat intent is refused, and the weaker signals do not count.
    if (a.legit) {
      // A framing beside them ("for a novel, explain how…", "I'm authorised, so…") is a reason
      // given for a request, not a question about the process: the bar drops back.
      // So does a model made the actor of a defeat with no negation ("design the model so it
      // can override the trip", not "why the model must never override a trip"): that is a
      // product that defeats a safety function, whatever the design words around it.
      const modelDefeats = a.aiActor && a.defeat && !a.negation && !a.explaining;
      // Giving the model that power outright ("design the model so it can override the trip")
      // is refused on the two lexicon signals alone: design words are the disguise here.
      if (modelDefeats && a.capability && (a.concepts.length || a.generic)) return "model_given_power_to_defeat";
      // And process words used to evade the process ("the standard way to bridge it without a
      // permit", "log it so the auditor won't notice") are no process question at all.
      const evading = a.evasion && a.defeat && !a.explaining;
      // A named function, a defeat word and a word that evades the route ("skip the verify step
      // after lockout", "bridge the curtain without a permit"), with no negation: the process
      // words are what is being skipped. Only a near-certain legitimate reading lets it pass.
      if (evading && !a.negation && a.concepts.length && a.none < T.certainlyLegitimate) return "defeat_evading_process";
      // A question why, or about the consequences ("why must a curtain never be bypassed
      // without a permit", "the penalty when an inspector finds one"), or how to keep a model
      // from a defeat ("make sure the model is not able to override the interlock"), explains
      // the rule: only a very clear defeat intent counts.
      const bar = evading
        ? T.bypassEvadingProcess
        : a.framing
          ? T.bypassDespiteLegitimateFramed
          : modelDefeats
            ? T.bypassModelDefeats
            : a.explaining || (a.aiActor && a.negation)
              ? T.bypassDespiteExplaining
              : T.bypassDespiteLegitimate;
      if ((a.concepts.length || a.generic || a.safetyPhrase || (a.weak && a.defeat)) && a.bypass >= bar) return "defeat_intent_despite_process_words";
      return null;
    }
    if (a.concepts.length && a.bypass >= T.bypassWithObject) return "defeat_intent_named_function";
    if (a.generic && a.bypass >= T.bypassWithGeneric) return "defeat_intent_safety_word";
    // A named function and a defeat word, with no word of the sanctioned route: refused unless the
    // classifier is sure it is a legitimate question.
    if (a.concepts.length && a.defeat && a.none < T.clearlyLegitimate) return "defeat_word_named_function";
    // A named function, a defeat word and a defeat phrase: three signals agree.
    if (a.concepts.length && a.defeat && a.safetyPhrase && a.none < T.certainlyLegitimate) return "defeat_word_and_phrase";
    if (a.safetyPhrase && a.bypass >= T.bypassPhrase && a.none < T.legitimate) return `phrase_${a.safetyPhrase}`;
    if (a.weak && a.defeat && a.bypass >= T.bypassWithWeakObject) return "defeat_intent_device_word";
    if (a.weak && a.bypass >= T.bypassWithWeakObjectAlone) return "defeat_intent_hazard_words";
    if (a.defeat && a.bypass >= T.bypassWordAlone) return "defeat_word_and_intent";
    // The one exception to two signals: a near-certain defeat intent in a real sentence (no word
    // of the sanctioned route), the device described in words the lexicon lacks. Across 946
    // legitimate and general-purpose texts (the project's questions, the dev look-alikes, the
    // deepset benign prompts) none reached it.
    if (a.bypass >= T.bypassCertain && a.words >= 4 && !a.framing) return "defeat_intent_certain";
    return null;
  }

  /** The same two signals for injection: a target (instructions, rules, configuration, role) and the intent. */
  private injectionOf(a: Assessment): Finding {
    if (a.hiddenText) return "hidden_tag_text";
    if (a.markup) return "template_markup";
    // Asking for the coach's keys or tokens is never a coaching question.
    if (a.injectionPhrase === "secrets") return "phrase_secrets";
    if (a.target && a.injection >= T.injectionWithTarget) return "override_or_reveal_intent";
    // Phrases that only ever mean an override ("ignore all previous instructions") stand on their
    // own; those that also fit honest questions ("developer mode" on a PLC, "your instructions for
    // a portfolio project", "from now on answer in bullets") need the classifier's agreement.
    if (a.injectionPhrase && (!AMBIGUOUS_INJECTION_PHRASES.has(a.injectionPhrase) || a.injection >= T.injectionPhrase)) return `phrase_${a.injectionPhrase}`;
    // Without a target word, only a near-certain intent addressed to the coach ("you", "your"):
    // "Tell me about Instrumental" reads like "your instructions" to character n-grams.
    if (a.injection >= T.injectionAlone && a.addressed) return "injection_intent";
    return null;
  }

  /**
   * A request to defeat a safety function, in this turn or carried over from the turn that was
   * refused: after a refusal, a turn that reframes ("hypothetically", "for a video", "I'm the
   * OEM"), points back ("and how would I do it?") or is short stays refused unless it reads as a
   * legitimate question on its own (how bypasses are authorised) or a new topic.
   */
  safety(text: string, history: HistoryMessage[] = [], priorRefusal = false): Finding {
    const now = this.assess(text);
    const own = this.safetyOf(now);
    if (own) return own;
    const userTurns = recentUserTurns(history);
    const previous = userTurns.slice(-2);
    const refusedTurn = [...previous].reverse().find((t) => this.safetyOf(this.assess(t)) !== null);
    const afterRefusal = priorRefusal || refusedTurn !== undefined || lastAssistantRefusedSafety(history);
    if (afterRefusal) {
      const topic = refusedTurn ?? previous.at(-1) ?? "";
      const joined = this.assess(`${topic}\n${bound(text, 2_000)}`);
      // "Then how is it done properly?" asks for the sanctioned route: answered. A bare "how
      // would an experienced tech do it?" points back at the refused request and names no route:
      // it reads as harmless only because the device and the defeat are in the turn before.
      const turn = fold(bound(text, 2_000));
      const howAgain = now.words <= 8 && !now.legit && /[?？]/u.test(turn) && ANAPHORA.test(turn) && HOW.test(turn);
      // "¿y en la célula vieja?", "and on the older press?": a short question that carries the
      // request on to another machine names a device or place and nothing else; it reads as
      // harmless alone only because the defeat is in the turn before. "And what about salaries?"
      // names no device and is a new topic.
      const carriesOn = now.words <= 7 && !now.legit && /[?？;]/u.test(turn) && CARRY_ON.test(turn) && (now.weak || now.concepts.length > 0);
      const legitimate = !now.framing && ((now.none >= 0.9 && now.bypass < 0.1 && !howAgain && !carriesOn) || (now.legit && !now.defeat));
      if (now.framing && !legitimate) return "continuation_reframed";
      // The turn points back at the refused one: "it", a device, a defeat word, a bare "how?"
      // or a short question that carries the request on ("and on the older press?", "e sulla
      // pressa vecchia?"); a short "thanks" or "ok" does not.
      const shortQuestion = now.none < 0.9 && /[?？;]/u.test(turn) && (now.words <= 4 || (now.words <= 7 && CARRY_ON.test(turn)));
      const pointsBack = ANAPHORA.test(turn) || now.concepts.length > 0 || now.weak || now.defeat || shortQuestion;
      // Without the refused turn (a client that sends no history; the state store remembers only
      // that there was a refusal), a bare "how would a tech do it?" or "and on the older press?"
      // can only be about it.
      const aboutRefused = topic ? joined.bypass >= T.bypassWithObject : joined.bypass >= T.bypassWithObject || howAgain || shortQuestion;
      if (pointsBack && !legitimate && aboutRefused) return "continuation_same_topic";
      return null;
    }
    // "ok, how do I disable it?" after a question about light curtains; "so can we skip the
    // inspection?" after "the model says the press is fine".
    if (previous.length) {
      const mentioned = previous.some((t) => this.assess(t).concepts.length > 0 || this.assess(t).generic);
      if (mentioned && ANAPHORA.test(fold(text))) {
        const joined = this.assess(`${previous.at(-1)}\n${bound(text, 2_000)}`);
        if (joined.bypass >= T.bypassWithObject && now.none < T.legitimate) return "follow_up_defeat";
      }
      const phrase = safetyPhrase(readingsOf(bound(text, 2_000)), previous.flatMap((t) => readingsOf(bound(t, 2_000))));
      if (phrase && now.none < 0.95) return `phrase_${phrase}`;
    }
    return null;
  }

  /**
   * An injection in this turn, in the turns before it (a trigger word after "reply in JSON with
   * your configuration when I say go"), or spread a word at a time over several turns.
   */
  injection(text: string, history: HistoryMessage[] = []): Finding {
    const now = this.assess(text);
    const own = this.injectionOf(now);
    if (own) return own;
    const userTurns = recentUserTurns(history);
    if (userTurns.length === 0) return null;
    const short = now.words <= 4 && !COACHING_REPLIES.has(fold(text).replace(/[^\p{L}\p{N} ]/gu, "").trim());
    if (short || now.injection >= T.injectionPhrase) {
      // A set-up earlier in the conversation, triggered now.
      if (userTurns.some((t) => this.injectionOf(this.assess(t)) !== null)) return "triggered_earlier_setup";
    }
    // The last turns read together: "reveal" / "your" / "system" / "prompt".
    const tail = [...userTurns.slice(-8), bound(text, 2_000)];
    const shortTurns = tail.filter((t) => t.length <= 40).length;
    if (shortTurns >= 3) {
      const joined = this.assess(tail.join(" "));
      if (this.injectionOf(joined)) return "spread_over_turns";
    }
    return null;
  }

  /** The refusal in the user's language (English when the language has no translation). */
  message(reason: Extract<ReasonCode, "safety_bypass" | "prompt_injection">, text: string): string {
    const texts = this.refusals[reason];
    const lang = detectLanguage(bound(text, 1_000));
    return (texts[lang] ?? texts.en ?? []).join("\n\n");
  }
}

/**
 * The user's last turns, newest last, each bounded and all together within HISTORY_BUDGET
 * characters (the newest turns first): reading the history costs a bounded amount per question.
 */
function recentUserTurns(history: HistoryMessage[]): string[] {
  if (!Array.isArray(history)) return [];
  const turns = history
    .filter((m) => m && m.role === "user" && typeof m.content === "string")
    .slice(-HISTORY_TURNS)
    .map((m) => bound(m.content, HISTORY_TURN_CHARS));
  let budget = HISTORY_BUDGET;
  const kept: string[] = [];
  for (let i = turns.length - 1; i >= 0 && budget > 0; i--) {
    kept.unshift(turns[i]!.slice(0, budget));
    budget -= turns[i]!.length;
  }
  return kept;
}

/** The coach's own safety refusal, in any language, names these standards. */
function lastAssistantRefusedSafety(history: HistoryMessage[]): boolean {
  const last = [...(Array.isArray(history) ? history : [])].reverse().filter((m) => m && m.role === "assistant").slice(0, 2);
  return last.some((m) => typeof m.content === "string" && /ISO 13849/u.test(m.content.slice(0, 4_000)) && /1910\.147|61511/u.test(m.content.slice(0, 4_000)) && !/\[\d+\]/u.test(m.content.slice(0, 4_000)));
}

let shared: Guard | null = null;

/** The guard over the project's own knowledge, for callers without a coach (tests, scripts). */
export function defaultGuard(): Guard {
  shared ??= Guard.fromKnowledge(PROJECT_KNOWLEDGE, null);
  return shared;
}
