/**
 * Personal data and secrets are redacted before anything is logged or sent to a model, and the
 * coach never echoes them. Each kind is replaced by a label so a log still reads sensibly.
 *
 * Every pattern runs in linear time on any input: quantifiers are bounded, and a pattern that
 * could start anywhere inside a long run (an email's local part) may only start where a token
 * starts (a lookbehind), so "a.a.a.a…" is scanned once, not once per position.
 */
interface Rule {
  label: string;
  pattern: RegExp;
  /** Return true to leave this match as it is (not personal data after all). */
  keep?: (match: string, value?: string) => boolean;
  /** The pattern's first group is a label to keep ("SSN "), its second the value to redact. */
  prefix?: boolean;
  /** Rewrite the match instead of replacing it whole (e.g. keep "my name is", redact the name). */
  rewrite?: (match: string, after: string) => string;
}

const digitsOf = (s: string) => s.replace(/\D/gu, "");

/** Words that end a name ("my name is Ana and I…"): never part of a name. */
const NOT_NAME = new Set(
  "and or but i im i'm from at with a an the who whom currently here in on of to for so my pm am is was working work works looking trying new based living calling writing moving interested also just".split(" "),
);

/** "my name is Ana María López and I…" -> "my name is [name] and I…" (up to three name words). */
function redactNameWords(prefix: string, rest: string, capitalisedOnly: boolean): string {
  const words = rest.split(/(\s+)/u);
  let taken = 0;
  let i = 0;
  for (; i < words.length && taken < 3; i += 2) {
    const word = words[i]!.replace(/[,.;:!?)]+$/u, "");
    if (!word || NOT_NAME.has(word.toLowerCase()) || (capitalisedOnly && !/^\p{Lu}/u.test(word))) break;
    taken++;
    if (word !== words[i]) {
      i += 2;
      break;
    }
  }
  if (taken === 0) return prefix + rest;
  const consumed = words.slice(0, i - 1).join("");
  const punctuation = /[,.;:!?)]+$/u.exec(consumed)?.[0] ?? "";
  return `${prefix}[name]${punctuation}${rest.slice(consumed.length)}`;
}

const NAME_WORD = String.raw`[\p{L}][\p{L}'’-]{0,30}`;
const NAME_WORDS = String.raw`${NAME_WORD}(?:\s{1,3}${NAME_WORD}){0,3}`;
const NAME_LEADS = [
  "my name is",
  "my name's",
  "my full name is",
  "name:",
  "i am called",
  "i'm called",
  "call me",
  "signed",
  "je m'appelle",
  "je m’appelle",
  "mon nom est",
  "ich heiße",
  "ich heisse",
  "mein name ist",
  "me llamo",
  "mi nombre es",
  "mi chiamo",
  "il mio nome è",
  "mijn naam is",
  "ik heet",
  "meu nome é",
  "o meu nome é",
].join("|");
const SIGN_OFFS = [
  "regards",
  "best regards",
  "kind regards",
  "warm regards",
  "best wishes",
  "best",
  "thanks",
  "thank you",
  "many thanks",
  "thanks in advance",
  "cheers",
  "sincerely",
  "yours",
  "br",
  "mfg",
  "lg",
  "viele grüße",
  "beste grüße",
  "mit freundlichen grüßen",
  "cordialement",
  "saludos",
  "un saludo",
  "grazie",
  "groetjes",
  "atenciosamente",
].join("|");

const ID_LABELS = [
  "ssn",
  "social security(?: number| no\\.?)?",
  "sin",
  "dni",
  "nie",
  "nif",
  "nino",
  "national insurance(?: number| no\\.?)?",
  "national id(?:entity)?(?: card)?(?: number| no\\.?)?",
  "id card(?: number| no\\.?)?",
  "identity card(?: number| no\\.?)?",
  "passport(?: number| no\\.?| nr\\.?| #)?",
  "personalausweis(?:nummer)?",
  "ausweis(?:nummer|-?nr\\.?)?",
  "reisepass(?:nummer)?",
  "tax id",
  "steuer-?id",
  "codice fiscale",
  "cpf",
  "aadhaar",
  "pesel",
  "bsn",
  "driver'?s licen[cs]e(?: number| no\\.?)?",
].join("|");
const STAFF_LABELS = [
  "employee",
  "staff",
  "badge",
  "personnel",
  "payroll",
  "worker",
  "operator",
  "clock(?:ing)?",
  "personal",
  "personalnummer",
  "mitarbeiter(?:nummer)?",
  "matricule",
  "numéro d'employé",
  "legajo",
  "matricola",
].join("|");
const ID_WORD = String.raw`(?:\s{0,3}(?:id|no\.?|number|nr\.?|num\.?|#|code))?`;
const IS_WORD = String.raw`(?:\s{0,3}(?:is|was|=|:|#|-))?`;

const RULES: Rule[] = [
  { label: "[slack-token]", pattern: /\bxox[abposr]-[A-Za-z0-9-]{8,}\b/gu },
  { label: "[token]", pattern: /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}\b/gu },
  { label: "[token]", pattern: /\bBearer\s{1,5}[A-Za-z0-9._~+/-]{16,}=*/giu },
  { label: "[token]", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/gu },
  // Emails, also "name @ host.com", "name(at)host(dot)com", "name [at] host [dot] com", "name at host dot com".
  { label: "[email]", pattern: /(?<![\w.%+-])[\w.%+-]{1,64}\s{0,2}@\s{0,2}[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/gu },
  { label: "[email]", pattern: /(?<![\w.%+-])[\w.%+-]{1,64}\s{0,2}[([{<]\s{0,2}at\s{0,2}[)\]}>]\s{0,2}[A-Za-z0-9-]{1,63}(?:\s{0,2}(?:[([{<]\s{0,2}dot\s{0,2}[)\]}>]|\.)\s{0,2}[A-Za-z0-9-]{1,63}){1,8}/giu },
  { label: "[email]", pattern: /(?<![\w.%+-])(?:[\w%+-]{1,64}\s{1,3}dot\s{1,3}){0,3}[\w.%+-]{1,64}\s{1,3}at\s{1,3}[A-Za-z0-9-]{1,63}(?:\s{1,3}dot\s{1,3}[A-Za-z0-9-]{1,63}){1,4}\b/giu },
  { label: "[iban]", pattern: /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b/gu },
  // National ids with their label ("SSN 123456789", "DNI 12345678Z", "passport no. X1234567").
  {
    label: "[national-id]",
    pattern: new RegExp(String.raw`(\b(?:${ID_LABELS})${ID_WORD}${IS_WORD}\s{0,3})([A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){3,20})\b`, "giu"),
    keep: (_m, value) => digitsOf(value!).length < 4,
    prefix: true,
  },
  { label: "[national-id]", pattern: /\b\d{3}-\d{2}-\d{4}\b/gu },
  // Employee, badge and personnel numbers ("employee ID E-48213", "badge #4821").
  {
    label: "[employee-id]",
    pattern: new RegExp(String.raw`(\b(?:${STAFF_LABELS})${ID_WORD}${IS_WORD}\s{0,3})([A-Z]{0,3}-?\d(?:[A-Z0-9]|-(?=[A-Z0-9])){2,20})\b`, "giu"),
    keep: (_m, value) => digitsOf(value!).length < 3,
    prefix: true,
  },
  { label: "[card]", pattern: /\b\d(?:[ -]?\d){12,18}\b/gu, keep: (m) => !luhn(digitsOf(m)) },
  // International numbers: +49 170 1234567, +33 6 12 34 56 78, 0049 170 1234567.
  { label: "[phone]", pattern: /(?<![\w+])(?:\+|00)\d[\d\s()./-]{5,22}\d(?!\w)/gu, keep: (m) => digitsOf(m).length < 8 },
  // An area code in brackets: (415) 555 0199.
  { label: "[phone]", pattern: /(?<![\w(])\(\d{2,5}\)[\s.-]{0,2}\d[\d\s.-]{4,14}\d(?!\w)/gu, keep: (m) => digitsOf(m).length < 8 },
  // Digit runs: 10–15 digits in any grouping, or 8–9 in three or more groups (555-123-4567,
  // 12 34 56 78). Years and ranges ("2020-2024", "12-24 months") and ISO dates stay.
  {
    label: "[phone]",
    pattern: /(?<![\w$.,+-])\d[\d\s./-]{6,22}\d(?![\w%])/gu,
    keep: (m) => {
      const n = digitsOf(m).length;
      if (/^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/u.test(m)) return true;
      return !(n >= 10 || (n >= 8 && (m.match(/[\s./-]+/gu)?.length ?? 0) >= 2));
    },
  },
  { label: "[account]", pattern: /\b(?:account|acct|a\/c|konto)\s{0,3}(?:no\.?|number|#|nr\.?)?\s{0,3}:?\s{0,3}\d{6,}\b/giu },
  // Names people give: "my name is …", "I'm Ana López", and a signature at the end.
  {
    label: "[name]",
    pattern: new RegExp(String.raw`\b(?:${NAME_LEADS})\s{1,3}${NAME_WORDS}`, "giu"),
    rewrite: (m) => {
      const lead = new RegExp(String.raw`^(?:${NAME_LEADS})\s{1,3}`, "iu").exec(m)![0];
      return redactNameWords(lead, m.slice(lead.length), false);
    },
  },
  {
    label: "[name]",
    pattern: new RegExp(String.raw`\b(?:[Ii]['’]m|I am|[Tt]his is)\s{1,3}\p{Lu}[\p{L}'’-]{0,30}(?:\s{1,3}\p{Lu}[\p{L}'’-]{0,30}){0,2}`, "gu"),
    rewrite: (m, after) => {
      const lead = /^(?:[Ii]['’]m|I am|[Tt]his is)\s{1,3}/u.exec(m)![0];
      const rest = m.slice(lead.length);
      // "I'm Ana López", "I'm Ana, a …", "This is Ana from …" — but not "I'm New to AI": one
      // capitalised word is a name only when the clause ends or "from"/"and"/"here" follows.
      const twoWords = /\s/u.test(rest.trim());
      return twoWords || /^(?:\s*[,.;!?]|\s*$|\s+(?:from|and|here|at|with)\b)/u.test(after) ? redactNameWords(lead, rest, true) : m;
    },
  },
  {
    label: "[name]",
    pattern: new RegExp(String.raw`(?:^|[\n.!?;]\s{0,3}|\s)(?:${SIGN_OFFS})\s{0,3}[,.!:-]?\s{1,3}\p{Lu}[\p{L}'’-]{0,30}(?:\s{1,3}\p{Lu}[\p{L}'’-]{0,30}){0,2}\s{0,5}$`, "giu"),
    rewrite: (m) => {
      const name = /\p{Lu}[\p{L}'’-]{0,30}(?:\s{1,3}\p{Lu}[\p{L}'’-]{0,30}){0,2}\s{0,5}$/u.exec(m);
      return name ? `${m.slice(0, name.index)}[name]` : m;
    },
  },
  { label: "[name]", pattern: /(?:^|\n)\s{0,3}(?:--|—|–)\s{0,3}\p{Lu}[\p{L}'’-]{0,30}(?:\s{1,3}\p{Lu}[\p{L}'’-]{0,30}){0,2}\s{0,5}$/gu, rewrite: (m) => m.replace(/\p{Lu}[\s\S]*$/u, "[name]") },
];

/** Replace personal data and secrets in `text` with labels ("[email]", "[phone]", "[name]"…). */
export function redactPersonalData(text: string): string {
  let out = text;
  for (const { label, pattern, keep, rewrite, prefix } of RULES) {
    out = out.replace(pattern, (m: string, ...args: unknown[]) => {
      if (prefix) {
        const [lead, value] = args as [string, string];
        return keep?.(m, value) ? m : `${lead}${label}`;
      }
      if (rewrite) {
        const offset = args.at(-2) as number;
        return rewrite(m, (args.at(-1) as string).slice(offset + m.length, offset + m.length + 12));
      }
      return keep?.(m) ? m : label;
    });
  }
  return out;
}

/** Room for a token that straddles the cut: longer than any email, phone or id we redact. */
const STRADDLE = 512;

/**
 * Redact, then cut to `maxChars`: redacting a text cut first would leave half an email behind
 * ("jane.doe@exa"). Only a window a little longer than `maxChars` is redacted, so the work is
 * bounded by the output, not by the input.
 */
export function redactAndTruncate(text: string, maxChars: number): string {
  const redacted = redactPersonalData(text.slice(0, maxChars + STRADDLE));
  return redacted.length <= maxChars ? redacted : redacted.slice(0, maxChars);
}

/**
 * The question without personal data, for retrieval and the model: labels and the words that
 * introduced them ("you can reach me at", "my badge number is") are removed, so contact details
 * around a real question do not decide whether the guide covers it.
 */
export function stripPersonalData(text: string): string {
  const redacted = redactPersonalData(text);
  if (!redacted.includes("[")) return text;
  const LABEL = String.raw`\[(?:email|phone|name|national-id|employee-id|card|iban|account|token|slack-token)\]`;
  const lead = new RegExp(
    String.raw`(?:\b(?:you can |feel free to |please )?(?:reach|contact|call|email|e-mail|mail|text|ping|phone|ring|write to|message|whatsapp)(?:\s{1,3}me)?\s{0,3}(?:at|on|via|by|under)?\s{0,3}:?\s{0,3}|\bmy\s{1,3}(?:[\w'-]{1,20}\s{1,3}){0,3}(?:is|are|:)\s{0,3}|\b(?:i'm|i’m|i am|this is|${NAME_LEADS})\s{1,3}|\b(?:${ID_LABELS}|${STAFF_LABELS})${ID_WORD}${IS_WORD}\s{0,3}|\b(?:tel|phone|mobile|cell|email|e-mail|fax|contact)\.?\s{0,3}:?\s{0,3}|(?:${SIGN_OFFS})\s{0,3}[,.!:-]?\s{0,3}|(?:--|—|–)\s{0,3})?${LABEL}(?:\s{0,3}(?:or|and|/|,)\s{0,3}${LABEL})*(?:\s{1,3}(?:from|at|with)\s{1,3}\p{Lu}[\p{L}&.-]{0,30}(?:\s{1,3}\p{Lu}[\p{L}&.-]{0,30}){0,2})?[,.;]?`,
    "giu",
  );
  return redacted.replace(lead, " ").replace(/\(\s*\)/gu, " ").replace(/\s+/gu, " ").trim();
}

function luhn(digits: string): boolean {
  if (digits.length < 13) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
