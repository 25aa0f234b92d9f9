import { normalizeText } from "../text/normalize.js";
import type { NumberKind } from "../knowledge/facts.js";

/**
 * What shape of answer a question wants. People ask for a list, a comparison, a number, names, the
 * steps, a verdict, or the path that fits their situation, and each is answered first with that
 * thing. Every pattern here is a plain alternation over a bounded, lower-cased string (linear time).
 */
export type QuestionKind = "personal" | "compare" | "number" | "who" | "list" | "steps" | "yesno" | "explain";

export interface QuestionShape {
  kind: QuestionKind;
  /** For "number": what is being measured. */
  numberKind: NumberKind | null;
  /** The question itself, without the background the person gave before it. */
  ask: string;
  /** The person's own situation ("I'm a controls engineer at a food plant"), when they describe one. */
  situation: string | null;
  /** What was said before or around the question that is not a question (may describe the person). */
  background: string | null;
  /** "Is it in production?", "how mature…": answered from the sections' status lines. */
  asksStatus: boolean;
  /** "Do giants pay less…?" → "less"; "…pay more…?" → "more". */
  comparative: "more" | "less" | null;
  /** "X or Y", "X vs Y", "difference between": a comparison if two things are named. */
  contrasts: boolean;
  /** Whether the question is about pay. */
  aboutPay: boolean;
}

const MAX_CHARS = 4_000;

const FIRST_PERSON = /\b(i'm|i am|im|i've|i have|i work|i worked|i've been|i have been|i do|i spent|i lead|i run|i was|i led|i ran|i managed|i got|i left|i quit|i retired|got out|my (background|role|job|title|company|team|experience|degree)|currently (a|an|working|at|in)|coming from|as an? [a-z-]+ (at|in|for))\b/u;
/** A question about the asker ("should I…", "for someone like me"). */
export const SELF_QUESTION = /\b(i|me|my|mine|someone like me)\b/iu;
const CONTRAST = /\b(vs\.?|versus|or|compared? (to|with)|comparison|better|difference|differ|differs|different (from|than|to)|same (thing )?as|rather than|instead of|between)\b/u;
const PAY = /\b(salary|salaries|pay|pays|paid|paying|earn|earns|earning|compensation|comp|income|money)\b|\b(how much|what) (do|does|did|would|will|could|can|might)\b[^?]{0,60}\b(make|makes|making)\b/u;
const COUNT_ASK = /\bhow many\b(?! (hours|weeks|months|years|days))/u;
const DURATION_ASK = /\bhow long\b|\bhow many (hours|weeks|months|years|days)\b|\bhow much time\b|\bhow (?:quickly|fast) (?:can|could|will|would|do|should) (?:i|you|someone|people|one|a person)\b|\bhow (?:quickly|fast) (?:to|until)\b|\bwhat(?:'s| is)? (?:the |a )?(timeline|time ?frame)\b|\bhow soon\b/u;
const MONEY_ASK = /\bhow much\b|\b(cost|costs|worth|value|save|saves|savings|budget|price|revenue|arr|contract size|deal size)\b/u;
const SIZE_ASK = /\bhow (big|large)\b|\b(size|share|percent|percentage|gdp)\b/u;
const WHO = /^(who|whom)\b|\bwho (are|is|uses|use|hires|hire|sells|makes|builds|offers|pays|leads)\b|^(which|what) (companies|company|vendors|vendor|employers|employer|firms|firm|customers|manufacturers|startups|organisations|organizations|products|tools|platforms|offerings)\b|\b(name|list) (some|a few|the)? ?(companies|vendors|employers|startups|customers)\b/u;
const LIST = /^(what|which) (are|were) (the )?(main|key|top|big|biggest|hardest|different|most common|common|core|major|dominant|unique) |\b(which|what) (types?|kinds?|sorts?|categories) of\b|\bwhere do\b[^?]{0,60}\bwork\b|\b(list|name|examples of|which use cases|what use cases|what kinds of|what types of|options)\b/u;
/** About the move itself ("how do I become…", "what should I do first"): answered with the guide's steps. */
const STEPS = /\bwhat (should|do|can|could|would) i (do|learn|study|focus on|read|build)( first| next)?\b|\bwhere (do|should|would) i (begin|start)\b|\bhow (do|should|would) i (start|begin)\b|\b(my|the) first move\b|\b(my|a|the) way in(to)?\b(?! which)|\bmov(?:e|ing) (?:myself |my career |over |across |from (?:[a-z']+ ){1,5}?)?into\b|\b(use|leverage|make use of) my (experience|background|years)\b|\b(first steps?|next steps?|where (do|should|to) (i )?start|get into|getting into|break into|breaking into|become|becoming|land (a|an|my|the)|landing (a|an|my|the)|transition|transitioning|switch into|move into|moving into|pivot|make the (move|jump|switch))\b/u;
/** "X vs Y", "X or Y", "than": two sides, a comparison even when it asks about maturity. */
const CONTRAST_SIDES = /\b(vs\.?|versus|than)\b/u;
const YES_NO = /^(is|are|can|could|do|does|did|should|will|would|has|have|am|was|were|isn't|aren't|don't|doesn't)\b/u;
const STATUS = /\b((in|into|reached|reach|ready for|used in) (full |wide |broad )?production|production deployment|production[- ]ready|mature|maturity|status|emerging|scaling|still early|deployed|ready for prime time|proven|real (yet|now|today)|(just|mostly|only|still) (a )?(demo|demos|hype|pilot|pilots|experiment))\b/u;
const MORE = /\b(more|higher|highest|most|better|bigger|larger|faster|greater)\b/u;
const LESS = /\b(less|lower|lowest|least|fewer|smaller|slower|worse)\b/u;
/** The employer the person already works for, named inside the question ("the manufacturer I work for"). */
const INSIDE_EMPLOYER = /\b(?:(?:at|for|in) )?(?:the|my|our) (?:[a-z&-]+ ){0,2}(?:company|manufacturer|plant|factory|employer|site|mill|supplier) (?:that |where )?i (?:already |currently |now )?(?:work for|work at|work in|work)\b|\bwhere i (?:already |currently )?work\b|\b(?:within|inside|at|in) (?:my|our) (?:current|own|present) (?:company|employer|organi[sz]ation|firm|plant)\b/u;
const LEAD_IN = /^(so|and|ok|okay|well|also|hey|hi|hello|quick question|one more thing|btw)\b[,:!. ]*/u;

/** The question without a leading "if/once/when …," clause: what it asks, for matching its words. */
export function mainClause(question: string): string {
  const bounded = question.slice(0, MAX_CHARS);
  // ("When is it worth it, and…?" is itself the question: "when" followed by a verb asks.)
  return bounded.replace(/^(?:if|once|when(?! (?:is|are|was|were|do|does|did|should|can|will|would)\b)|assuming) [^,?]{1,80}?,\s*/iu, "") || bounded;
}

export function shapeOf(rawText: string): QuestionShape {
  const text = normalizeText(rawText.length > MAX_CHARS ? rawText.slice(0, MAX_CHARS) : rawText);
  // People type in lower case too ("…in python. want to move…"): any [.!?] and a space ends a sentence here.
  const sentences = text.split(/(?<=[.!?])\s+/u).map((x) => x.trim()).filter(Boolean);
  const asked = sentences.filter((s) => s.endsWith("?"));
  // A short list after the question ("…? books, videos, etc") still belongs to it; a remark after
  // it ("just curious about the money side") does not.
  const lastAsked = asked.length > 0 ? sentences.lastIndexOf(asked[asked.length - 1]!) : -1;
  const trailing = lastAsked >= 0 ? sentences.slice(lastAsked + 1) : [];
  // So does a second question typed without its "?" ("…? how are they different").
  const trailingQuestion = trailing.length === 1 && /^(how|what|why|which|who|where|when|is|are|do|does|can|should)\b/iu.test(trailing[0]!) && trailing[0]!.split(/\s+/u).length <= 12;
  const fragment = trailing.length === 1 && (trailingQuestion || ((/,|\betc\b/u.test(trailing[0]!) || trailing[0]!.split(/\s+/u).length <= 3) && trailing[0]!.split(/\s+/u).length <= 6)) && !FIRST_PERSON.test(trailing[0]!.toLowerCase()) ? ` ${trailing[0]}` : "";
  const ask = ((asked.length > 0 ? asked.slice(-2).join(" ") : sentences[sentences.length - 1] ?? text) + fragment).trim();
  const told = sentences.filter((s) => !asked.includes(s) && FIRST_PERSON.test(s.toLowerCase()));
  const lower = ask.toLowerCase().replace(LEAD_IN, "");
  const all = text.toLowerCase();

  // "I'm a welder at a shipyard, how would I start in AI PM?" in one sentence counts too.
  const describesSelf = told.length > 0 || (FIRST_PERSON.test(lower) && /,|\band\b|\bbut\b|\bso\b/u.test(lower) && SELF_QUESTION.test(lower));
  // In one sentence, the situation is what comes before the question ("…at a supplier, how do I…").
  // "…at the plant I already work for?" says where the person is inside the question itself.
  const insideClause = INSIDE_EMPLOYER.exec(lower)?.[0] ?? null;
  const situation = describesSelf ? (told.length > 0 ? told.join(" ") : ask.replace(/[,;:-]?\s+(how|what|which|where|should|can|could|would|is|are|do|does|any)\b.*$/iu, "")) : insideClause;

  const aboutPay = PAY.test(lower);
  const moneyWords = /\$|\b(dollars?|usd|eur|revenue|worth|value|cost|costs|price|budget|arr)\b/u.test(lower);
  const numberKind: NumberKind | null = /\bhow much\b/u.test(lower) && aboutPay
    ? "money"
    : DURATION_ASK.test(lower) && /\bhow\b|\bwhat\b|\bwhen\b/u.test(lower)
      ? "duration"
      : MONEY_ASK.test(lower) && /\bhow much\b|\bwhat\b/u.test(lower)
        ? "money"
        : SIZE_ASK.test(lower) && /\bhow\b|\bwhat\b/u.test(lower)
          ? (moneyWords ? "money" : /\b(share|percent|percentage|gdp)\b/u.test(lower) ? "percent" : "money")
          : aboutPay && /\bhow much\b|\bwhat\b|\bballpark\b|\brange\b/u.test(lower)
            ? "money"
            : COUNT_ASK.test(lower)
              ? "count"
              : null;
  const comparative = MORE.test(lower) ? "more" : LESS.test(lower) ? "less" : null;
  // "…? yes or no", "true or false" ask for a verdict, not a choice between two things.
  const contrasts = CONTRAST.test(lower.replace(/\b(yes or no|true or false|or not)\b/gu, " "));

  // "If I get into this field, is it true I'd…?" asks the main clause, not how to get in.
  const main = lower.replace(/^(if|once|when|assuming) [^,?]{1,80}?(?:,\s*|\s+(?=(?:is|are|will|would|do|does|can|could|should|am) ))/u, "");
  const asksStatus = STATUS.test(lower);
  let kind: QuestionKind;
  // Someone who told their story and asks about themselves; or who asks about the move itself.
  if (situation && (STEPS.test(main) || (told.length > 0 && SELF_QUESTION.test(lower)) || /\b(path|route|fit|chance|realistic|shot|is it possible)\b/u.test(lower))) kind = "personal";
  // "Siemens vs Augury: pay, stability, how fast I'd learn?" weighs two sides, whatever it measures.
  else if (/\b(vs\.?|versus)\b|\bcompared?\b[^?]{1,60}\b(to|with|against)\b|\bhow do(es)? (they|the two|both) compare\b|\bcomparison\b/u.test(lower) && !YES_NO.test(main)) kind = "compare";
  else if (numberKind && (aboutPay || /\bhow (much|many|long|big|large)\b/u.test(lower))) kind = "number";
  // "Is generative design real yet, or mostly a demo?" is a yes/no about a status, not a comparison.
  else if (asksStatus && YES_NO.test(main) && !comparative && !CONTRAST_SIDES.test(lower)) kind = "yesno";
  // ("What is X or Y…" lists; "how is X different from Y" compares.)
  else if (contrasts && (!/^(what|how) (is|are) /u.test(lower) || /\b(different (from|than|to)|difference between|differ(s)? from|same (thing )?as)\b/u.test(lower))) kind = "compare";
  else if (numberKind) kind = "number";
  else if (WHO.test(lower)) kind = "who";
  else if (YES_NO.test(main)) kind = "yesno";
  // "What are the main steps to make the move?" wants the steps, in order, more than a list.
  else if (STEPS.test(main)) kind = "steps";
  else if (LIST.test(lower)) kind = "list";
  else kind = "explain";
  if (kind === "explain" && situation) kind = "personal";

  const background = sentences.filter((s) => !asked.includes(s) && s !== ask && ` ${s}` !== fragment).join(" ") || null;
  // What matters to a person who describes themselves ("comp matters most") counts for them.
  const paySpoken = kind === "personal" ? PAY.test(all) : PAY.test(all) && /\bhow much\b/u.test(lower);
  return { kind, numberKind, ask, situation, background, asksStatus, comparative, contrasts, aboutPay: aboutPay || paySpoken };
}
