/**
 * Personal data and secrets are redacted before anything is logged or sent to a model, and the
 * coach never echoes them. Each kind is replaced by a label so a log still reads sensibly.
 */
const RULES: { label: string; pattern: RegExp; keep?: (match: string) => boolean }[] = [
  { label: "[slack-token]", pattern: /\bxox[abposr]-[A-Za-z0-9-]{8,}\b/gu },
  { label: "[token]", pattern: /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}\b/gu },
  { label: "[token]", pattern: /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/giu },
  { label: "[token]", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/gu },
  { label: "[email]", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/gu },
  { label: "[iban]", pattern: /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b/gu },
  { label: "[card]", pattern: /\b(?:\d[ -]?){13,19}\b/gu, keep: (m) => !luhn(m.replace(/\D/gu, "")) },
  { label: "[phone]", pattern: /(?<![\w$])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}[\s.-]\d{2,4}[\s.-]\d{2,5}(?![\w%])/gu, keep: (m) => m.replace(/\D/gu, "").length < 8 },
  { label: "[account]", pattern: /\b(?:account|acct|a\/c|konto)\s*(?:no\.?|number|#|nr\.?)?\s*:?\s*\d{6,}\b/giu },
];

export function redactPersonalData(text: string): string {
  let out = text;
  for (const { label, pattern, keep } of RULES) out = out.replace(pattern, (m) => (keep?.(m) ? m : label));
  return out;
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
