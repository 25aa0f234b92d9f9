import { normalizeText, words } from "../text/normalize.js";
import { CitationList, planFiller, type CoachingContent, type PathId, type PlanUseCase } from "./content.js";

/** Study plan: a week-by-week plan from a one-line self-description, every step citing the guide. */

export interface Profile {
  /** The role as the person put it ("data scientist"), if we recognised one. */
  role: string | null;
  isPm: boolean;
  atManufacturer: boolean;
  otBackground: boolean | null;
  hoursPerWeek: number | null;
  useCase: string | null;
}

const ROLES: [RegExp, string][] = [
  [/\bai (pm|product manager)\b/u, "AI product manager"],
  [/\b(senior |sr |lead |principal |group )?(product manager|product owner|pm)\b/u, "product manager"],
  [/\bdata scientists?\b/u, "data scientist"],
  [/\b(ml|machine learning|ai) engineers?\b/u, "ML engineer"],
  [/\bdata engineers?\b/u, "data engineer"],
  [/\b(software|backend|frontend|full stack|fullstack|web) (engineer|developer|dev)s?\b|\b(developer|dev|programmer|coder)s?\b/u, "software engineer"],
  [/\b(controls?|automation|process|manufacturing|plant|mechanical|industrial|quality|reliability|maintenance|electrical) engineers?\b/u, "$1 engineer"],
  [/\b(business |data |financial |operations )?analysts?\b/u, "analyst"],
  [/\bconsultants?\b/u, "consultant"],
  [/\b(solutions?|sales) engineers?\b/u, "solution engineer"],
  [/\b(operations|ops|plant|production|shift) (manager|supervisor|lead)\b/u, "$1 manager"],
  [/\bproject managers?\b/u, "project manager"],
  [/\b(ux|product) designers?\b|\bdesigners?\b/u, "designer"],
  [/\b(student|graduate|new grad|mba)\b/u, "student"],
  [/\b(supply chain|demand|production|materials) (planner|planning|manager|analyst|lead)\b/u, "$1 $2"],
  [/\bit (professional|admin|administrator|manager|support|engineer|specialist)\b|\binformation technology\b/u, "IT professional"],
  // Any other job title, as the person wrote it ("marketing manager", "field technician").
  [/\b((?:[a-z]+ )?(?:manager|engineer|scientist|developer|planner|director|specialist|technician|architect|researcher|lead))\b/u, "$1"],
];

/** Engineering roles on the plant side bring the OT layer with them. */
const OT_ROLES = /\b(controls?|automation|process|plant|manufacturing|electrical|maintenance|reliability) engineer\b/u;
const NO_OT = /\b(no|without|zero|little|limited|lack|lacking|never|new to|not much)\b[\w\s]{0,24}\b(ot|plc|plcs|scada|industrial|factory|shop floor|operational technology|manufacturing)\b|\bnon[- ]?ot\b/u;
const HAS_OT = /\b(ot|operational technology) (background|experience)\b|\b(program|programs|programmed|programming|work with|worked with|working with|know|maintain|maintained|configure[ds]?) (the )?(plcs?|scada|dcs|hmis?)\b|\b(plcs?|scada|dcs|hmis?) (work|programming|experience|background|systems|projects)\b|\bplc programm/u;
const AT_MANUFACTURER = /\b(at|in|for|on) (an? |the |my |our )?([\w&-]+ ){0,4}(plant|plants|factory|factories|manufacturer|manufacturing company|manufacturing site|manufacturing facility|production site|production facility|production line|mill|fab|refinery|assembly line|oem|automaker|carmaker|car maker|auto maker|supplier|brewery|foundry|bottling plant|shipyard|smelter|steelworks|works|shop floor)\b|\b(work|working|worked) in (manufacturing|production|a plant|a factory)\b|\b(run|ran|running|manage|managed|managing) (an? |the |my |our )?([\w&-]+ ){0,4}(plant|factory|mill|foundry|production line|assembly line)\b|\b(at|for|in) (an? |the |my |our )?([\w&-]+ ){0,2}(packaging|chemicals?|food|beverage|steel|automotive|auto parts|pharma|pharmaceutical|paper|plastics|electronics|aerospace|semiconductor|metals?|glass|textiles?|cement|tire|tyre|industrial) (company|firm|maker|producer|group|business|manufacturer)\b/u;
// Saying one has never worked in a plant names a plant without being at one. (A company is a
// manufacturer when its industry says so: a glass company, not a software company.)
const NOT_AT_MANUFACTURER = /\b(no|without|zero|little|never had any|not much) (manufacturing|factory|plant|industrial|shop[- ]floor) (background|experience|time|exposure)\b|\boutside (of )?manufacturing\b|\b(never|not|haven't|have not|hasn't)( ever)? (set foot|worked|been|stepped|set a foot)( [a-z]+){0,2} (in|at|inside|on) (an? |the )?(plant|factory|factories|shop floor|factory floor|manufacturer)\b/u;

export function parseProfile(text: string, content: CoachingContent): Profile {
  const t = ` ${normalizeText(text).toLowerCase().replace(/[^\p{L}\p{N}\s/-]+/gu, " ")} `.replace(/\s+/gu, " ");
  // The role named first is the one the person has ("ops manager at a plant… an AI PM opening").
  let role: string | null = null;
  let at = Infinity;
  for (const [pattern, label] of ROLES) {
    const m = pattern.exec(t);
    if (m && m.index < at) {
      at = m.index;
      role = label.replace(/\$(\d)/gu, (_, n: string) => m[Number(n)] ?? "").trim();
    }
  }
  const isPm = !!role && /product manager/u.test(role);
  const atManufacturer = AT_MANUFACTURER.test(t) && !NOT_AT_MANUFACTURER.test(t);
  const otBackground = NO_OT.test(t) ? false : HAS_OT.test(t) || OT_ROLES.test(t) ? true : null;
  const tokens = ` ${words(text).join(" ")} `;
  const useCase = content.plan.useCases.find((u) => u.words.some((w) => tokens.includes(` ${w} `)))?.id ?? null;
  return { role, isPm, atManufacturer, otBackground, hoursPerWeek: parseHours(t), useCase };
}

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12, fifteen: 15, twenty: 20, a: 1, an: 1 };

/** "5 hours a week", "3-4 hrs/week", "an hour a day", "ten hours per week". */
export function parseHours(text: string): number | null {
  const num = "(\\d+(?:[.,]\\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|an?)";
  const m = new RegExp(`${num}(?:\\s*(?:-|to)\\s*${num})?\\s*(?:h|hrs?|hours?)\\s*(?:a|an|per|each|every|/|in a)?\\s*(weekday|week|wk|day)\\b`, "u").exec(text);
  if (!m) return null;
  const value = (s: string | undefined) => (s === undefined ? undefined : (NUMBER_WORDS[s] ?? Number(s.replace(",", "."))));
  const low = value(m[1])!;
  const high = value(m[2]) ?? low;
  const perWeek = ((low + high) / 2) * (m[3] === "day" ? 7 : m[3] === "weekday" ? 5 : 1);
  return Number.isFinite(perWeek) && perWeek > 0 ? Math.min(perWeek, 60) : null;
}

/**
 * Enough to plan from: something recognised, or a description long enough that asking again would
 * be rude (the plan then says what it could not read and what it assumed).
 */
export function understood(profile: Profile, description = ""): boolean {
  if (profile.role !== null || profile.hoursPerWeek !== null || profile.otBackground !== null || profile.atManufacturer || profile.useCase !== null) return true;
  return words(description).filter((w) => !/^(study|learning|plan|make|me|a|my|please|for)$/u.test(w)).length >= 6;
}

export function choosePath(profile: Profile): PathId {
  // A product manager of hardware or software at a manufacturer moves to its AI team from inside.
  if (profile.atManufacturer && (!profile.isPm || profile.role !== "AI product manager")) return "internal";
  if (profile.isPm) return "direct";
  return "analyst";
}

const DEFAULT_HOURS = 5;

/** The plan itself: phases with week ranges, each line a sentence of the guide with its source. */
export function composePlan(content: CoachingContent, profile: Profile, cites: CitationList): string {
  const hours = profile.hoursPerWeek ?? DEFAULT_HOURS;
  const useCase: PlanUseCase = content.plan.useCases.find((u) => u.id === profile.useCase) ?? content.plan.useCases[0]!;
  const pathId = choosePath(profile);
  const path = content.plan.paths[pathId];
  const fill = planFiller(useCase, path);

  const about = [
    profile.role ?? "role not recognised",
    profile.atManufacturer ? "at a manufacturer" : null,
    profile.otBackground === true ? "OT background" : profile.otBackground === false ? "no OT background" : "OT background not given (planned as none)",
    `${formatHours(hours)} a week${profile.hoursPerWeek === null ? " (assumed)" : ""}`,
  ].filter(Boolean);

  const body: string[] = [];
  let week = 1;
  for (const phase of content.plan.phases) {
    const phaseHours = profile.otBackground && phase.withOtBackground !== undefined ? phase.withOtBackground : phase.hours;
    const title = fill(phase.title);
    if (phaseHours > 0) {
      const weeks = Math.max(1, Math.ceil(phaseHours / hours));
      const range = weeks === 1 ? `Week ${week}` : `Weeks ${week}–${week + weeks - 1}`;
      const refresher = profile.otBackground && phase.withOtBackground !== undefined ? " (a refresher: you know the floor already)" : "";
      body.push("", `**${range} · ${title}** (about ${phaseHours} hours${refresher})`);
      week += weeks;
    } else {
      body.push("", `**Week ${week} onward · ${title}**`);
    }
    for (const line of phase.lines) {
      const quote = content.quote(fill(line.section), fill(line.evidence));
      body.push(`- **${fill(line.label)}**: ${quote.sentence} ${cites.marker(quote.chunk)}`);
    }
  }
  const head = [
    `**Your study plan: about ${week - 1} weeks at ${formatHours(hours)} a week, then ${path.name}.**`,
    "",
    `What I understood: ${about.join(" · ")}. Phase lengths are my estimates from your hours, except where a step quotes the guide's own budget.`,
  ];
  const tail = `${profile.hoursPerWeek === null ? "Tell me your hours a week and I'll re-plan. " : ""}When you've worked through it, try **readiness check** or **quiz me**.`;
  return [...head, ...body, "", tail].join("\n");
}

function formatHours(h: number): string {
  return `${Math.round(h * 10) / 10} hour${h === 1 ? "" : "s"}`;
}

export const PLAN_INTAKE =
  "Tell me about yourself in one line: your current role, whether you've worked with factory systems (OT), and how many hours a week you can give. For example: *data scientist at a car plant, no OT background, 5 hours a week*.";
