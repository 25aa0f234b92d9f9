import { allow, refuse, type InputRail } from "./verdict.js";
import { readingsOf } from "./obfuscation.js";

/**
 * Prompt injection and jailbreak detection on normalised readings of the text. Role-play that
 * serves coaching ("act as my interviewer") is allowed; role-play that removes the rules is not.
 */
const PATTERNS: { name: string; pattern: RegExp }[] = [
  // Instruction overrides, English
  {
    name: "override",
    pattern:
      /\b(ignore|disregard|forget|override|overwrite|bypass|abandon|discard)\b[^.?!\n]{0,40}\b(all|any|every|previous|prior|preceding|above|earlier|initial|original|system|your|these|those)\b[^.?!\n]{0,30}\b(instructions?|rules?|prompts?|directives?|guidelines?|constraints?|polic(y|ies)|context|tasks?|programming|guardrails?|restrictions?|orders?|commands?|training|information|filters?)\b/u,
  },
  { name: "all-previous", pattern: /\b(all|alle)\s+(the\s+|your\s+|of\s+the\s+)?(previous|prior|earlier|preceding|above|vorherigen|bisherigen|obigen)\s+(instructions|information|informationen|tasks|aufgaben|anweisungen|instruktionen|angaben|prompts|rules|regeln|context)\b/u },
  { name: "leave-behind", pattern: /\b(leave|remove|drop|wipe|throw\s+away|set\s+aside|put\s+aside)\b[^.?!\n]{0,20}\b(all|previous|prior|earlier|your)\b[^.?!\n]{0,20}\b(instructions|information|tasks|rules|prompts|context)\b/u },
  { name: "ignore-above", pattern: /\b(ignore|disregard|forget)\s+(the\s+)?(above|everything\s+above|all\s+above)\b|\b(obigen|vorherigen)\s+(ausfuhrungen|anweisungen|informationen)\s+(ignorieren|vergessen)\b/u },
  { name: "change-instructions", pattern: /\b(change|update|replace|rewrite)\s+your\s+(instructions|rules|prompt|programming)\b|\byour\s+(new\s+)?instructions\s+are\s+(now|to)\b/u },
  { name: "now-you-are", pattern: /\bnow\s+you\s+are\b|\b(jetzt|nun)\s+bist\s+du\b|\b(now|nun|jetzt)\s+(follow|folgen)\s+(new|further|neue|weitere)\s+(tasks|instructions|aufgaben|anweisungen)\b|\b(further|new)\s+tasks\s+(are\s+)?follow/u },
  { name: "context-override", pattern: /\b(disregard(ing)?|ignor(e|ing)|despite)\s+(what\s+you('ve|\s+have)\s+been\s+told|the\s+(articles|documents|context|sources))\b|\bnot\s+by\s+the\s+(articles|documents)\b|\bdo\s+not\s+(answer\s+this\s+question|look\s+in\s+the\s+documents)\b|\b(information|text)\s+in\s+the\s+prompt\b|\bwhat\s+(is|was)\s+written\s+(above|at\s+the\s+beginning|before)\b|\babweichend\s+(zu|von)\s+(den\s+)?vorherigen\b/u },
  { name: "fake-instruction-label", pattern: /(^|\n|\\n|\s-\s)\s*(additional\s+)?instruction\s*[:-]\s/u },
  { name: "forget-all-other", pattern: /\b(olvida|olvide|olvidar|olvidate\s+de)\s+todo\b|\bzaboravi\s+sve\b|\b(bose|boese)\s+(ki|ai)\b|\bevil\s+ai\b/u },
  { name: "override-the-above", pattern: /\b(ignore|disregard|forget|override)\s+the\s+(instructions?|rules|prompt|directions)\s+(above|before|given|you\s+(were|have\s+been)\s+given|so\s+far)\b/u },
  { name: "what-were-you-told", pattern: /\b(instructions?|rules|prompt|guidelines)\s+(were\s+you|you\s+were|have\s+you\s+been|you've\s+been)\s+(given|told|programmed)|\brepeat\s+(them|it|everything|the\s+above|your\s+instructions)\s+(word\s+for\s+word|verbatim)/u },
  { name: "forget-everything", pattern: /\b(forget|ignore|disregard)\s+(about\s+)?(everything|all\s+(of\s+)?that|all\s+the\s+above|what\s+(i|you)\s+(said|told|were\s+told))\b/u },
  { name: "new-instructions", pattern: /\b(new|updated|real|actual|secret|hidden)\s+(instructions?|task|orders|directive|system\s+prompt|rules)\s*(:|are|is|follow)/u },
  { name: "now-focus", pattern: /\b(now|instead)\s+(focus\s+on|your\s+(only\s+)?(task|job|goal)\s+is)\b/u },
  { name: "you-are-now", pattern: /\b(you\s+are|you're|u\s+r)\s+(now|no\s+longer)\b|\bfrom\s+now\s+on,?\s+(you|your|act|respond|answer|pretend|ignore)\b/u },
  // Jailbreak personas and modes
  { name: "jailbreak-persona", pattern: /\b(dan|do\s+anything\s+now|developer\s+mode|dev\s+mode|god\s+mode|jailbr(eak|oken)|unfiltered|uncensored|unrestricted|no\s+(rules|restrictions|limits|filters|guidelines|censorship)|without\s+(any\s+)?(rules|restrictions|limits|filters|guidelines|censorship|ethics))\b/u },
  { name: "evil-roleplay", pattern: /\b(pretend|act|role-?play|imagine|behave)\b[^.?!\n]{0,40}\b(evil|malicious|unethical|rogue|hacker|without\s+(any\s+)?(rules|limits)|no\s+(rules|limits|morals|ethics)|opposite\s+of\s+your)\b/u },
  // System prompt, hidden instructions, secrets
  {
    name: "reveal-prompt",
    pattern:
      /\b(reveal|show|print|repeat|tell|display|output|leak|give|share|dump|list|spell\s+out|what\s+(is|are|was|were)|recite|write\s+out|paste|echo|translate)\b[^.?!\n]{0,40}\b(system\s+(prompt|message|instructions?)|initial\s+(prompt|instructions?)|your\s+(hidden\s+|secret\s+|original\s+|internal\s+|system\s+|initial\s+)?(prompt|instructions|rules|configuration|pre-?prompt)|the\s+(hidden|secret|original|internal|system|initial)\s+(prompt|instructions)|prompt\s+(text|texts|template)s?|all\s+(your\s+)?prompt|text\s+above|words\s+above|everything\s+above)\b/u,
  },
  { name: "secrets", pattern: /\b(api\s*keys?|access\s+tokens?|bot\s+tokens?|secret\s+keys?|passwords?|credentials|env(ironment)?\s+variables?|\.env\b|signing\s+secret|private\s+keys?|openai_api_key|slack_bot_token)\b[^.?!\n]{0,40}\b(reveal|show|print|give|tell|share|leak|dump|send|list|what)\b|\b(reveal|show|print|give|tell|share|leak|dump|send|list|what\s+is|what's|value\s+of)\b[^.?!\n]{0,40}\b(openai_api_key|slack_bot_token|api\s*keys?|access\s+tokens?|bot\s+tokens?|secret\s+keys?|passwords?|credentials|env(ironment)?\s+variables|signing\s+secret|private\s+keys?)\b/u },
  // Fake turns and chat-template markup
  { name: "fake-turn", pattern: /(^|\n|\s)(\[?(system|assistant|developer|admin|root)\]?\s*:|<\|?(im_start|im_end|system|endoftext)\|?>|<<\/?sys>>|\[\/?inst\]|###\s*(instruction|system)|<\/?(system|instructions?)>)/u },
  { name: "admin-claim", pattern: /\b(i\s+am|i'm|this\s+is)\s+(your|the)\s+(developer|admin|administrator|creator|owner|operator|system)\b[^.?!\n]{0,60}\b(override|unlock|disable|ignore|reveal|allow)/u },
  // German
  { name: "override-de", pattern: /\b(ignorier(e|en)?|vergiss|vergessen\s+sie|missachte|uberschreibe)\b[^.?!\n]{0,40}\b(alle|vorherigen?|bisherigen?|obigen?|vorangegangenen?|deine|ihre)\b[^.?!\n]{0,30}\b(anweisungen|aufgaben|instruktionen|regeln|befehle|vorgaben|informationen)\b/u },
  { name: "forget-de", pattern: /\b(vergiss|vergessen\s+sie|ignoriere)\s+(alles|das\s+alles|alles\s+davor|alles\s+oben)\b/u },
  { name: "new-task-de", pattern: /\b(neue|deine\s+neue)\s+(aufgabe|anweisung|rolle)\b|\bdu\s+bist\s+(jetzt|nun|ab\s+sofort)\b|\bzeig(e|en)?\s+(mir\s+)?(deine|alle|den)\s+(prompt|prompts|anweisungen|systemprompt)/u },
  // French, Spanish, Italian, Portuguese, Dutch
  { name: "override-romance", pattern: /\b(ignore[zr]?|oublie[zr]?|ignora|ignore|olvida|dimentica|esqueca|esquece|negeer|vergeet)\b[^.?!\n]{0,40}\b(instructions?|consignes|regles|instrucciones|reglas|istruzioni|regole|instrucoes|regras|instructies|regels)\b/u },
  { name: "you-are-now-romance", pattern: /\b(tu\s+es\s+maintenant|vous\s+etes\s+maintenant|ahora\s+eres|ora\s+sei|agora\s+voce\s+e|je\s+bent\s+nu)\b/u },
  // Chinese, Japanese, Russian, Korean
  { name: "override-cjk", pattern: /(忽略|无视|忘记|忽視|無視).{0,8}(指令|指示|说明|規則|规则|提示)|系统提示|系統提示|システムプロンプト|指示を無視|以前の指示|이전\s*지시를?\s*무시|시스템\s*프롬프트/u },
  { name: "override-ru", pattern: /(игнорируй|забудь|не\s+обращай\s+внимания)[^.?!\n]{0,40}(инструкци|правил|указани)|системн(ый|ого)\s+промпт/u },
];

/** Text squashed to letters only ("ignorepreviousinstructions"), for letter-spaced payloads. */
const SQUASHED = /(ignore|disregard|forget)(all)?(the|your)?(previous|prior|above|earlier)(instructions|rules|prompts|tasks)|(reveal|show|print)(me)?(your|the)systemprompt|developermode|doanythingnow/u;

export function detectInjection(text: string): string | null {
  for (const reading of readingsOf(text)) {
    for (const { name, pattern } of PATTERNS) if (pattern.test(reading)) return name;
    if (SQUASHED.test(reading.replace(/[^a-z]/gu, ""))) return "squashed";
  }
  return null;
}

export const INJECTION_MESSAGE =
  "I can't follow instructions that try to change how I work or reveal how I'm set up. I'm here to coach you on AI product management in manufacturing: ask me about use cases, factory-floor constraints, companies hiring, or how to prepare for the role.";

export const injectionRail: InputRail = {
  name: "prompt_injection",
  check({ text }) {
    return detectInjection(text) ? refuse("prompt_injection", INJECTION_MESSAGE) : allow();
  },
};
