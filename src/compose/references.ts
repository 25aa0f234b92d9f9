import type { AnswerPart, Chunk, Citation, HistoryMessage } from "../types.js";
import { contentTerms, normalizeText, sameWordFamily, splitSentences } from "../text/normalize.js";
import { longestSpanInDays, namesIn, splitListValue, type KnowledgeFacts } from "../knowledge/facts.js";

/**
 * Follow-ups that point back: "the second one" (an ordinal over the last list), "and who buys it",
 * "what are the PM challenges there?", "that company" (the last answer's topic), and topic switches
 * ("forget that — and energy optimization?") that start fresh.
 */

/** What the coach remembers of its last answer in a conversation (kept in the state store). */
export interface ConversationMemory {
  /** Chunk ids of the last answer's list items, in the order shown. */
  list: string[];
  /** Chunk id the last answer was mainly about. */
  focus: string | null;
  /** The names of a list line the last answer showed ("Microsoft, AWS, …"), when it listed no sections. */
  names?: string[];
}

export interface Reference {
  /** The question with a switch phrase ("ignore that,") removed. */
  text: string;
  /** Chunks the question points at, strongest first (empty: the question stands alone). */
  focus: string[];
  /** The user changed the subject: no context from earlier turns. */
  switched: boolean;
  /** The question names its own topic: earlier turns add nothing to what it asks. */
  standalone?: boolean;
  /** The focus was chosen among the last list ("which of those pays most?"): that list stays the one to choose from. */
  among?: boolean;
  /** With `among`: the sentence of the chosen section that made it the pick ("compensation is highest"). */
  evidence?: string;
}

/** An item chosen among a list, and the sentence of its section that decided it. */
export interface AmongPick {
  id: string;
  sentence: string;
}

const ORDINALS: Record<string, number> = { first: 0, "1st": 0, second: 1, "2nd": 1, third: 2, "3rd": 2, fourth: 3, "4th": 3, fifth: 4, "5th": 4, sixth: 5, "6th": 5, seventh: 6, "7th": 6, last: -1, final: -1 };
// "the second one", "the third?", "number 2", "#3", "the last tier" — but not "my first role".
const ORDINAL = /\b(?:the|that|this) (first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|seventh|7th|last|final)(?: (?:one|item|option|tier|type|kind|category|use case|case|company|step|path|group|point))?(?=\s*(?:[?!.,;:]|$|\b(?:and|is|was|about|then|please|again|mean|means|do|does|look|pay|involve|in|on|for|at|with|during|when)\b))|\b(?:number|no\.?|#)\s?([1-7])\b/u;
// "that"/"this" point back only as a pointer ("in that space", "do that", "that company"), not as
// a relative pronoun ("the hyperscalers that have…").
const POINTS_BACK = /\b(it|its|it's|there|those|these|they|them|their|the same|above|mentioned)\b|\b(about|with|in|at|of|for|do|does|on|like|from) (that|this)\b|\b(that|this) (one|company|companies|tier|use case|space|area|role|path|step|thing|kind|sector|field|vendor|product)\b|\b(that|this)\s*\?|^(and|also|so|but|what about|how about)\b/u;
const SWITCH = /^(?:(?:ok(?:ay)?|so|actually|wait|hmm|no|never ?mind|(?:ignore|forget|drop|skip|scratch)\b(?: about\b)?(?: (?:that|this|it|the|those|these|all|above|[a-z]+)\b){0,3}|different (?:question|topic)|change of (?:topic|subject)|new (?:question|topic)|(?:switching|changing) (?:topics?|subjects?|gears)|moving on|on another note|instead|unrelated(?: question)?)\b[\s,.;:!—–-]*)+/u;
const DEMONSTRATIVE = /\b(that|this) (one|company|companies|tier|use case|space|area|role|path|step|thing|kind|sector|field|vendor|product)\b/u;
const MAX_CHARS = 2_000;
/** "How does that compare to…", "is it better than…": the last topic as one side of a comparison. */
const COMPARES_BACK = /\b(?:that|it|this|they|those|these)\b(?: [a-z']+){0,3} (?:compare|compares|stack up|stacks up|differ|differs|versus|vs\.?|better than|worse than)\b/u;
/** "Which of those…", "which one…", "which of the three…": a choice among the last list. */
const AMONG = /\bwhich (?:of (?:those|them|these|the (?:two|three|four|five|six|tiers|options|types|kinds))|one|tier|type|kind)\b/u;
/** "…among the three tiers", "which of the tiers…": the choice names the group. */
const AMONG_NAMED = /\bamong (?:the |these |those |all )?(?:two |three |four |five |six )?(?:[a-z-]+ )?[a-z-]+s\b|\bwhich of the (?:[a-z-]+ )?[a-z-]+s\b|\bof the (?:two |three |four |five |six )?(?:[a-z-]+ )?(?:tiers|types|kinds|options)\b/u;
const DEGREE = /\b(?:most|least|best|worst|highest|lowest|fastest|slowest|longest|shortest|largest|biggest|smallest|broadest|greatest|more|less|higher|lower)\b/u;
const DEGREE_WORDS = /\b(?:most|least|best|worst|highest|lowest|fastest|slowest|longest|shortest|largest|biggest|smallest|broadest|greatest|more|less|higher|lower|which|of|those|them|these|one|the)\b/gu;
const SUPERLATIVE = /\b(?:most|least|best|highest|lowest|fastest|slowest|longest|shortest|largest|biggest|smallest|broadest|greatest)\b/u;
const MORE_WORDS = /\b(?:most|best|highest|fastest|largest|biggest|broadest|greatest|more|higher|broader|faster|larger|bigger|greater|further|furthest)\b/u;
const LESS_WORDS = /\b(?:least|worst|lowest|slowest|smallest|fewest|less|lower|slower|smaller|fewer|narrower)\b/u;
const PAY_WORDS = /\b(?:pay|pays|paid|salary|salaries|comp|compensation|earn|earns|money)\b/u;

export function resolveReference(rawText: string, history: readonly HistoryMessage[], memory: ConversationMemory | null, facts: KnowledgeFacts, chunks: readonly Chunk[]): Reference {
  const bounded = normalizeText(rawText.length > MAX_CHARS ? rawText.slice(0, MAX_CHARS) : rawText);
  const lower = bounded.toLowerCase();
  const switchMatch = SWITCH.exec(lower);
  const switchedByWords = !!switchMatch && /ignore|forget|drop|skip|scratch|different|chang|new|switching|moving|another|instead|never|unrelated/u.test(switchMatch[0]);
  const text = switchedByWords ? bounded.slice(switchMatch[0].length).trim() || bounded : bounded;
  const hasEarlier = history.some((m) => m.role === "user") || !!memory;
  if (!hasEarlier) return { text, focus: [], switched: false };

  const recalled = memory ?? memoryFromHistory(history, chunks);
  const question = text.toLowerCase();
  const ordinal = ORDINAL.exec(question);
  if (ordinal && (recalled.list.length > 0 || recalled.names?.length)) {
    const index = ordinal[2] !== undefined ? Number(ordinal[2]) - 1 : ORDINALS[ordinal[1]!]!;
    const pick = <T,>(xs: readonly T[]) => (index < 0 ? xs[xs.length - 1] : xs[index]);
    const id = pick(recalled.list);
    if (id) return { text, focus: [id], switched: false };
    // "the second one" after a list of names: that name, in the section that listed it.
    const name = pick(recalled.names ?? []);
    if (name && recalled.focus) return { text: `${text} (${name})`, focus: [recalled.focus], switched: false };
  }
  // "Which of those pays the most?" after a list: the item whose section says it, in a
  // superlative or comparative sentence ("compensation is highest").
  if (recalled.list.length >= 2 && AMONG.test(question) && DEGREE.test(question)) {
    const picked = pickAmong(question, recalled.list, chunks);
    if (picked) return { text, focus: [picked.id], switched: false, among: true, evidence: picked.sentence };
  }
  if (switchedByWords) return { text, focus: [], switched: true };
  // A question that names its own topic ("what about generative design?") stands alone.
  // "That use case" or "this company" points back even though "use case" is also a heading's word.
  // "How does that compare to SaaS deals?" weighs the last topic against a name: not a new topic.
  if (recalled.focus && COMPARES_BACK.test(question)) return { text, focus: [recalled.focus], switched: false };
  const pointsBackByNoun = DEMONSTRATIVE.test(question);
  const ownTopic = namesIn(text, facts).some((n) => !isGeneric(n.thing.name, facts)) || (!pointsBackByNoun && namesASection(text, chunks));
  if (ownTopic) return { text, focus: [], switched: /^(what|how) about\b/u.test(question), standalone: true };
  if (recalled.focus && POINTS_BACK.test(question)) return { text, focus: [recalled.focus], switched: false };
  return { text, focus: [], switched: false };
}

/**
 * "Where is pay highest among the three tiers?", "which tier is furthest from the floor?": a choice
 * among an overview's subsections asked in one question. The overview is the first of `found`
 * that has subsections; the pick is the subsection whose section says it.
 */
export function chooseAmongSubsections(question: string, found: readonly string[], facts: KnowledgeFacts, chunks: readonly Chunk[]): AmongPick | null {
  const lower = normalizeText(question.slice(0, MAX_CHARS)).toLowerCase();
  if (!(AMONG.test(lower) || AMONG_NAMED.test(lower)) || !DEGREE.test(lower)) return null;
  const overview = found.find((id) => (facts.children.get(id)?.length ?? 0) >= 2) ?? found.map((id) => chunks.find((c) => c.id === id)?.parentSection).find((id): id is string => !!id && (facts.children.get(id)?.length ?? 0) >= 2);
  // The words naming the group ("among the employer tiers") say which list, not which item.
  return overview ? pickAmong(lower.replace(AMONG_NAMED, " "), facts.children.get(overview)!, chunks) : null;
}

/** Asks which thing takes the most time: "slow down … most", "which takes longest", "what delays…". */
const TIME_ASK = /\b(?:slow|slows|slowed|slowing|slowest|slower|takes? (?:the )?longest|takes? (?:the )?(?:most|longest) time|longest (?:time|wait|delay|lead time)|delay|delays|delaying|drag|drags|hold (?:us |me |you |it )?(?:up|back)|holds (?:us |me |you |it )?(?:up|back))\b/u;

/** The one section among `members` that states the longest span of time (null if none or a tie). */
function longestStatedDuration(members: readonly Chunk[]): AmongPick | null {
  let best: { id: string; days: number; sentence: string } | null = null;
  let tied = false;
  for (const chunk of members) {
    for (const sentence of splitSentences(chunk.text)) {
      const days = longestSpanInDays(sentence);
      if (days === 0) continue;
      if (!best || days > best.days) {
        best = { id: chunk.id, days, sentence };
        tied = false;
      } else if (days === best.days && best.id !== chunk.id) tied = true;
    }
  }
  return best && !tied ? { id: best.id, sentence: best.sentence } : null;
}

/** The item of a list whose section answers a "which of those … most?" question, or null if none clearly does. */
function pickAmong(question: string, list: readonly string[], chunks: readonly Chunk[]): AmongPick | null {
  const members = list.map((id) => chunks.find((c) => c.id === id)).filter((c): c is Chunk => !!c);
  // "Which of those would slow us down most?" asks which takes longest: the item whose section
  // states the longest time ("12-24 months"), if one clearly does.
  if (TIME_ASK.test(question) && !LESS_WORDS.test(question)) {
    const longest = longestStatedDuration(members);
    if (longest) return longest;
  }
  // Words most of the items' sections use ("AI PM roles here…") do not tell them apart.
  const usedBy = new Map<string, number>();
  for (const chunk of members) for (const t of new Set(contentTerms(chunk.text))) usedBy.set(t, (usedBy.get(t) ?? 0) + 1);
  const asked = new Set(contentTerms(question.replace(DEGREE_WORDS, " ")).filter((t) => (usedBy.get(t) ?? 0) * 2 < members.length || members.length < 2));
  // Pay is said many ways: "pays", "salary" and "comp" all ask what "compensation" answers.
  const aboutPay = PAY_WORDS.test(question);
  if (asked.size === 0 && !aboutPay) return null;
  // "Highest" is answered by a sentence that goes up ("highest", "broader"), not one that goes down ("lower").
  const wantsLess = LESS_WORDS.test(question) && !MORE_WORDS.test(question);
  let best: { id: string; score: number; sentence: string } | null = null;
  let tied = false;
  for (const chunk of members) {
    let score = 0;
    let said = "";
    for (const sentence of chunk.text.split(/(?<=[.!?])\s+/u)) {
      const lower = sentence.toLowerCase();
      const sameWay = wantsLess ? LESS_WORDS.test(lower) : MORE_WORDS.test(lower);
      if (!sameWay) continue;
      const degree = SUPERLATIVE.test(lower) ? 2 : 1;
      const terms = contentTerms(sentence);
      const shared = [...asked].filter((t) => terms.some((w) => sameWordFamily(t, w))).length + (aboutPay && PAY_WORDS.test(lower) ? 1 : 0);
      if (shared > 0 && shared * 2 + degree > score) {
        score = shared * 2 + degree;
        said = sentence;
      }
    }
    if (score > 0 && (!best || score > best.score)) {
      best = { id: chunk.id, score, sentence: said };
      tied = false;
    } else if (best && score === best.score) tied = true;
  }
  return best && !tied ? { id: best.id, sentence: best.sentence } : null;
}


/** The question uses most of a section heading's distinctive words ("…the hyperscalers with manufacturing verticals"). */
function namesASection(text: string, chunks: readonly Chunk[]): boolean {
  const asked = new Set(contentTerms(text));
  const titleCount = new Map<string, number>();
  const titles = chunks.map((c) => contentTerms(c.title));
  for (const terms of titles) for (const t of new Set(terms)) titleCount.set(t, (titleCount.get(t) ?? 0) + 1);
  return titles.some((terms) => {
    const distinctive = terms.filter((t) => (titleCount.get(t) ?? 0) <= 3);
    return distinctive.length > 0 && distinctive.filter((t) => asked.has(t)).length / distinctive.length >= 0.5;
  });
}

/** "AI", "PM", "manufacturing": names used all over the guide say nothing about a topic. */
function isGeneric(name: string, facts: KnowledgeFacts): boolean {
  const thing = facts.names.get(name.toLowerCase());
  return !thing || thing.mentionedIn.length + thing.listedIn.length > 4;
}

/**
 * Without the coach's own record (another replica, a client that sends history): the last
 * assistant message's section titles in the order they appear are the list, and the section whose
 * title or text it quotes first is the focus.
 */
export function memoryFromHistory(history: readonly HistoryMessage[], chunks: readonly Chunk[]): ConversationMemory {
  const last = [...history].reverse().find((m) => m.role === "assistant");
  const said = last?.content.slice(0, 6_000) ?? "";
  const lowered = said.toLowerCase();
  const titled = chunks
    .map((c) => ({ id: c.id, at: lowered.indexOf(c.title.toLowerCase()) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.id);
  // A sentence of the reply that the guide contains (markers, bullets and final stops aside).
  const sentences = said.split(/(?<=[.!?])\s+|\n/u).map((s) => s.replace(/\s*\[\d+\]/gu, "").replace(/^[-•]\s*/u, "").replace(/[.!?]+$/u, "").trim()).filter((s) => s.length > 20);
  const quoted = chunks.find((c) => sentences.some((s) => c.text.includes(s)));
  // Failing that, the section the person's own last question named by its heading.
  const asked = [...history].reverse().find((m) => m.role === "user")?.content.toLowerCase().slice(0, 2_000) ?? "";
  const named = chunks.find((c) => asked.includes(c.title.toLowerCase()) || (c.title.toLowerCase().endsWith("s") && asked.includes(c.title.toLowerCase().slice(0, -1))));
  return { list: titled.length >= 2 ? titled : [], focus: quoted?.id ?? titled[0] ?? named?.id ?? null };
}

/** What to remember of an answer: its items' sections in order, and the lead's section. */
export function memoryOf(parts: readonly AnswerPart[], citations: readonly Citation[]): ConversationMemory {
  // The things listed, in the order shown: one per item, or the several a grouped line names
  // ("In production: A, B, C" then "Scaling: D").
  const grouped = parts.some((p) => p.cites.length > 1);
  // A lead labelled with its own section's title is the first of the steps or items that follow it.
  const first = parts[0];
  const leadsList = !grouped && first?.kind === "lead" && first.label !== undefined && first.cites.length === 1 && citations[first.cites[0]!]?.title === first.label && parts.some((p) => p.kind === "item");
  const items = (leadsList ? [{ ...first, kind: "item" as const }, ...parts.slice(1)] : parts)
    .filter((p) => (grouped ? p.cites.length > 0 && p.kind !== "point" : p.kind === "item" && p.cites.length === 1))
    .flatMap((p) => p.cites.map((i) => citations[i]?.id))
    .filter((id): id is string => !!id);
  const lead = parts.find((p) => p.kind === "lead");
  const focus = lead && lead.cites.length === 1 ? (citations[lead.cites[0]!]?.id ?? null) : null;
  // A list line shown whole (its section's title as label): its names, in order.
  // (A list line has no closing stop; a sentence with commas under its heading is not a list.
  // Under a lead that already carries the heading, the list line is shown without it.)
  const listed = items.length === 0 ? parts.find((p) => p.cites.length === 1 && (p.label === undefined ? parts[0]?.label === citations[p.cites[0]!]?.title : citations[p.cites[0]!]?.title === p.label) && p.text.includes(", ") && !/[.!?]["')\]]?$/u.test(p.text.trim())) : undefined;
  const names = listed ? splitListValue(listed.text).map((n) => n.replace(/\s*\([^)]*\)/gu, "").trim()) : [];
  return { list: items, focus: listed ? (citations[listed.cites[0]!]?.id ?? focus) : focus, ...(names.length > 1 ? { names } : {}) };
}
