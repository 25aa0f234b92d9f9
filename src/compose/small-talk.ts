import { words } from "../text/normalize.js";

/**
 * Greetings, thanks and "what can you do?": a chat bot that answers "hi" with "that's outside
 * what I coach on" feels broken. These get a short reply saying what the coach does and how to
 * start, with buttons; they are not answers from the guide (outcome no_answer, reason small_talk).
 */
const GREETING = /^(hi|hello|hey|hiya|howdy|yo|greetings|good (morning|afternoon|evening|day))( there| coach| all| team)?$/u;
const HELP = /^(help|help me|menu|commands|start|get started|getting started|what can you do|what do you do|what can i ask|what can i ask you|who are you|how does this work|how do i use (this|you)|how do you work)( for me)?( please)?$/u;
/** The same asked within a short message ("hey, what can you help with?"). */
// "What can you do about alert fatigue?" is a question for the guide, so "what can you do" only
// counts at the end of the message.
const HELP_WITHIN = /\b(who are you|what can you help( me)? with|what do you help with|how (do|can) i use you|what are you for)\b|\bwhat (can|do) you do( for (me|us))?$/u;
const THANKS = /^((ok|okay|great|perfect|cool|nice|awesome) )?(thanks|thank you|thx|ty|cheers|thanks a lot|thank you so much|much appreciated)( coach)?$/u;

export interface SmallTalkReply {
  text: string;
  followUps: string[];
}

/** @param about what the coach does, in its own words (knowledge/coach.json `words.about`) */
export function smallTalkReply(message: string, sampleQuestions: readonly string[], starters: readonly { label: string; text: string }[], about: string): SmallTalkReply | null {
  const said = words(message).join(" ");
  if (THANKS.test(said)) return { text: "You're welcome! Ask me anything else, or say **quiz me** to practise for interviews.", followUps: [] };
  const short = said.split(" ").length <= 12;
  if (!GREETING.test(said) && !HELP.test(said) && !(short && HELP_WITHIN.test(said))) return null;
  const modes = starters.map((s) => `**${s.text.toLowerCase()}** (${s.label.toLowerCase()})`).join(", ");
  return {
    text: [
      `Hi! ${about}`,
      "",
      `Or practise with me: ${modes}.`,
    ].join("\n"),
    followUps: [...sampleQuestions.slice(0, 1), ...starters.slice(0, 2).map((s) => s.text)],
  };
}
