import { ActivityTypes, CardFactory, type TurnContext } from "botbuilder";
import type { Logger } from "../../src/logger.js";
import type { StateStore } from "../../src/state/store.js";
import { ratedCard } from "./render.js";

/** How long a card stays redrawable by its 👍/👎, and the largest card kept for it (Teams caps a message near 28 KB). */
const RATED_CARD_TTL_MS = 24 * 3_600_000;
const RATED_CARD_MAX_CHARS = 40_000;

interface StoredCard {
  conversationId: string;
  card: Record<string, unknown>;
}

const keyOf = (answerId: string) => `teams:card:${answerId}`;

/** Keeps an answer card so a 👍/👎 pressed on it (on any replica) can redraw it. */
export async function keepCardForRating(state: StateStore, logger: Logger, answerId: string, conversationId: string, card: Record<string, unknown>): Promise<void> {
  if (JSON.stringify(card).length > RATED_CARD_MAX_CHARS) return;
  await state.setRecord(keyOf(answerId), { conversationId, card } satisfies StoredCard, RATED_CARD_TTL_MS).catch((error: unknown) => logger.warn({ platform: "teams", err: error }, "could not keep the card for its feedback update"));
}

/**
 * A 👍/👎 redraws the card it was pressed on (Teams' `replyToId` names that message): the
 * buttons turn off with the choice ticked and a thank-you shows in the card, instead of a second
 * message. False when the card cannot be redrawn (too old, another conversation's, or the update
 * failed): the caller then thanks in a message.
 */
export async function redrawRatedCard(context: TurnContext, state: StateStore, logger: Logger, rawAnswerId: string, rating: "up" | "down"): Promise<boolean> {
  const messageId = context.activity.replyToId;
  const answerId = rawAnswerId.slice(0, 100);
  if (!messageId || !answerId) return false;
  const stored = await state.getRecord<StoredCard>(keyOf(answerId)).catch(() => null);
  if (!stored || stored.conversationId !== context.activity.conversation.id) return false;
  try {
    await context.updateActivity({ id: messageId, type: ActivityTypes.Message, conversation: context.activity.conversation, attachments: [CardFactory.adaptiveCard(ratedCard(stored.card, answerId, rating))] });
    return true;
  } catch (error) {
    logger.warn({ platform: "teams", err: error }, "could not update the rated card; thanking in a message");
    return false;
  }
}
