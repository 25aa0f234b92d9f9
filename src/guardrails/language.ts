import { dominantScript, fold } from "./fold.js";

/**
 * Which language a message is in, well enough to answer a refusal in it: the writing system
 * decides for Chinese, Japanese, Korean, Thai, Arabic, Hindi, Russian/Ukrainian and Greek; Latin
 * text is scored on its commonest function words. Returns a BCP-47 primary tag ("de"), "en"
 * when unsure.
 */
const FUNCTION_WORDS: Record<string, string[]> = {
  en: ["the", "and", "how", "what", "is", "are", "do", "to", "of", "a", "i", "it", "can", "my", "we", "for", "with", "on", "in", "you", "this", "that", "so", "why", "which"],
  de: ["der", "die", "das", "und", "ist", "nicht", "wie", "ich", "ein", "eine", "den", "mit", "auf", "für", "fur", "zu", "es", "wir", "kann", "man", "dass", "was", "warum", "bei", "sie"],
  fr: ["le", "la", "les", "et", "est", "une", "un", "des", "pour", "que", "qui", "comment", "je", "pas", "sur", "avec", "du", "au", "ce", "il", "on", "nous", "quoi", "pourquoi", "faire"],
  es: ["el", "la", "los", "las", "y", "es", "que", "como", "para", "un", "una", "del", "con", "por", "se", "mi", "no", "lo", "puedo", "hay", "cual", "esta", "porque", "hago", "al"],
  it: ["il", "lo", "la", "gli", "le", "e", "che", "come", "per", "un", "una", "del", "della", "con", "non", "si", "di", "mi", "posso", "sono", "questo", "perche", "cosa", "quale", "nel"],
  pt: ["o", "a", "os", "as", "e", "que", "como", "para", "um", "uma", "do", "da", "com", "nao", "se", "eu", "por", "isso", "posso", "esta", "qual", "porque", "faco", "no", "na"],
  nl: ["de", "het", "een", "en", "is", "hoe", "ik", "niet", "van", "voor", "met", "op", "dat", "wat", "waarom", "kan", "we", "zijn", "je", "welke"],
  pl: ["i", "jak", "nie", "sie", "na", "w", "z", "to", "do", "czy", "jest", "co", "dla", "zeby", "mozna", "ktore", "jaki", "jakie", "dlaczego", "po"],
  cs: ["a", "jak", "ne", "se", "na", "v", "z", "to", "je", "co", "pro", "aby", "ktere", "jaky", "proc", "pri", "by", "si", "ze", "mohu"],
  sv: ["och", "hur", "det", "att", "en", "ett", "ar", "jag", "inte", "for", "med", "pa", "som", "vad", "varfor", "kan", "vi", "den", "till", "av"],
  tr: ["ve", "bir", "bu", "nasil", "ne", "icin", "ile", "mi", "mu", "da", "de", "nedir", "neden", "olarak", "var", "yok", "gibi", "ben", "bana", "sadece"],
  vi: ["la", "va", "cua", "cho", "co", "khong", "nhu", "the", "nao", "lam", "sao", "de", "toi", "mot", "nhung", "duoc", "trong", "khi", "may", "gi"],
  id: ["dan", "yang", "di", "ini", "itu", "untuk", "dengan", "bagaimana", "apa", "cara", "tidak", "saya", "ke", "dari", "ada", "bisa", "supaya", "agar", "kenapa", "mana"],
  hu: ["a", "az", "es", "hogy", "nem", "hogyan", "mi", "egy", "van", "meg", "is", "ez", "mit", "miert", "kell", "lehet", "el", "be", "ki", "ha"],
  ro: ["si", "sa", "de", "la", "cum", "ce", "nu", "este", "un", "o", "pe", "cu", "pentru", "din", "care", "fac", "mai", "ca", "se", "am"],
};
const LISTS = Object.entries(FUNCTION_WORDS).map(([lang, words]) => [lang, new Set(words)] as const);

/** Letters that only some Latin-script languages use: a strong hint before diacritics are folded. */
const MARKERS: [string, RegExp][] = [
  ["de", /[äöüß]/u],
  ["pl", /[ąęłńśźż]/u],
  ["cs", /[ěřůčšž]/u],
  ["tr", /[ığş]/u],
  ["vi", /[ăơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/u],
  ["hu", /[őű]/u],
  ["ro", /[ășțâî]/u],
  ["pt", /[ãõ]/u],
  ["es", /[ñ¿¡]/u],
  ["fr", /[èêëçœ]/u],
  ["sv", /[å]/u],
];

export function detectLanguage(text: string): string {
  const sample = text.slice(0, 1_000);
  switch (dominantScript(sample)) {
    case "han":
      return "zh";
    case "kana":
      return "ja";
    case "hangul":
      return "ko";
    case "thai":
      return "th";
    case "arabic":
      return "ar";
    case "devanagari":
      return "hi";
    case "greek":
      return "el";
    case "cyrillic":
      return /[іїєґ]/u.test(sample.toLowerCase()) ? "uk" : "ru";
    case "latin":
      break;
    default:
      return "en";
  }
  const lower = sample.toLowerCase();
  const words = fold(sample).match(/\p{L}+/gu) ?? [];
  const scores = new Map<string, number>();
  for (const [lang, set] of LISTS) scores.set(lang, words.reduce((n, w) => n + (set.has(w) ? 1 : 0), 0));
  for (const [lang, marker] of MARKERS) if (marker.test(lower)) scores.set(lang, (scores.get(lang) ?? 0) + 1.5);
  let best = "en";
  let max = 0;
  for (const [lang, score] of scores) {
    if (score > max || (score === max && lang === "en")) {
      best = lang;
      max = score;
    }
  }
  return max > 0 ? best : "en";
}
