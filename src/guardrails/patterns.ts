
/**
 * The phrase patterns the rails started with, kept as one signal among several: a phrase match
 * counts only when the intent classifier does not read the text as a legitimate question
 * (authorising a bypass, designing a light curtain, a PLC's developer mode). They see the
 * readings from obfuscation.ts (letter spacing, leetspeak, homoglyphs, base64 undone).
 */
export const DEFEAT =
  "(bypass(es|ed|ing)?|by-pass|defeat(s|ed|ing)?|jumper(s|ed|ing)?|jump(ing)?\\s+(out|over|past)|jump\\s+it|override|overrid(e|es|ing)|disabl(e|es|ed|ing)|deactivat(e|es|ed|ing)|turn(ing)?\\s+off|switch(ing)?\\s+off|shut(ting)?\\s+off|mut(e|es|ed)|muting\\s+(the|it|them|out)|silenc(e|ing)|inhibit(ing)?|forc(e|es|ed|ing)|tie\\s+off|tape\\s+(over|down)|taping|zip-?ti(e|ing)|wedg(e|ing)|pin(ning)?\\s+(open|shut|closed)|ignor(e|es|ing)|cheat(ing)?|trick(ing)?|fool(ing)?|spoof(ing)?|get(ting)?\\s+(around|past)|circumvent(ing)?|work(ing)?\\s+around|workaround|remov(e|ing)|take\\s+off|taking\\s+off|block(ing)?|tamper(ing)?(\\s+with)?|hack(ing)?|short(ing)?\\s+out|shorting|defeat\\s+device|put\\s+in\\s+bypass|kill(ing)?|cut(ting)?\\s+out|gag(ging)?)";

export const SAFETY_FUNCTION =
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
const SKIP_CHECK = /\b(skip|skipping|avoid|postpone|defer|cancel|ignore|drop|not\s+(do|bother\s+with)|no\s+need\s+(for|to\s+do)|(don't|do\s+not|doesn't|won't)\s+need|without)\b[^.?!\n]{0,40}\b(inspections?|safety\s+(checks?|reviews?|inspections?|walk-?downs?)|pre-?start\s+checks?|lockout|tagout|loto|isolation|isolating|permit|walk-?downs?|proof\s+tests?|function\s+tests?)\b/u;
const MODEL_SAYS_FINE = /\b(model|ai|algorithm|prediction|predictive|pdm|ml|dashboard|system|score)\b[^.?!\n]{0,50}\b(says?|said|shows?|showed|predicts?|predicted|thinks?|rates?|reports?|indicates?|flags?|claims?|tells?|is\s+confident|confident|is\s+sure|sure|is\s+certain|certain)\b[^.?!\n]{0,40}\b(fine|ok|okay|healthy|safe|good|normal|no\s+(risk|issues?|problems?|failure)|low\s+risk|won't\s+fail|will\s+not\s+fail|not\s+fail)\b/u;
const DEFEAT_ALONE = new RegExp(`\\b${DEFEAT}\\b`, "u");
const OBJECT_MENTION = new RegExp(SAFETY_FUNCTION, "u");
const ANAPHORA = /\b(it|that|this|them|those|these|one)\b/u;

/** A safety phrase in any reading of the text, or in a follow-up to a turn about a safety function. */
export function safetyPhrase(readings: string[], previousReadings: string[] = []): string | null {
  for (const r of readings) {
    // Most specific first: a safety check skipped on a model's word.
    if (SKIP_CHECK.test(r) && MODEL_SAYS_FINE.test(r)) return "skip_check_on_model_word";
    if (VERB_THEN_OBJECT.test(r) || OBJECT_THEN_VERB.test(r)) return "defeat_safety_function";
    if (RUN_WITHOUT_GUARD.test(r)) return "run_without_safety_function";
    if (SKIP_SAFETY.test(r)) return "skip_safety_check";
    if (IN_BYPASS.test(r) && TRIP_OR_SAFETY.test(r)) return "put_in_bypass";
    if (SQUASHED.test(r.replace(/[^a-z]/gu, ""))) return "defeat_safety_function";
  }
  // Multi-turn: "how do I disable it?" after a turn about light curtains.
  if (previousReadings.length) {
    const mentions = previousReadings.some((r) => OBJECT_MENTION.test(r) || MODEL_SAYS_FINE.test(r));
    for (const r of readings) {
      if (mentions && DEFEAT_ALONE.test(r) && ANAPHORA.test(r)) return "defeat_safety_function_follow_up";
      if (mentions && SKIP_CHECK.test(r)) return "skip_check_on_model_word";
    }
  }
  return null;
}

export const INJECTION_PATTERNS: { name: string; pattern: RegExp }[] = [
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
const SQUASHED_INJECTION = /(ignore|disregard|forget)(all)?(the|your)?(previous|prior|above|earlier)(instructions|rules|prompts|tasks)|(reveal|show|print)(me)?(your|the)systemprompt|developermode|doanythingnow/u;

/** An injection phrase in any reading of the text. */
export function injectionPhrase(readings: string[]): string | null {
  for (const reading of readings) {
    for (const { name, pattern } of INJECTION_PATTERNS) if (pattern.test(reading)) return name;
    if (SQUASHED_INJECTION.test(reading.replace(/[^a-z]/gu, ""))) return "squashed";
  }
  return null;
}


/** Chat-template markup has no business in a question: it is an attempt to fake a turn. */
export const TEMPLATE_MARKUP = /<\|?(im_start|im_end|endoftext|system|eot_id|start_header_id)\|?>|<<\/?sys>>|\[\/?inst\]/u;
