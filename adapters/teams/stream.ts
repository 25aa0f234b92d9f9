import { ActivityTypes, type TurnContext } from "botbuilder";
import { logFields, TeamsStreamFailedError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";

/** Teams accepts about one streaming update per second. */
const STREAM_UPDATE_MS = 1_000;

/**
 * Teams streaming (personal chats): an informative update, then the growing text as streaming
 * updates at most once a second. Each update carries the stream id Teams returned for the first.
 */
export async function startStream(context: TurnContext, logger: Logger): Promise<{ streamId: string | undefined; onToken: (t: string) => void; flushed: () => Promise<void> } | null> {
  let sequence = 1;
  try {
    const first = await context.sendActivity({ type: ActivityTypes.Typing, text: "Looking in the guide…", entities: [{ type: "streaminfo", streamType: "informative", streamSequence: sequence }] });
    const streamId = first?.id;
    if (!streamId) return null;
    let text = "";
    let last = 0;
    let pending: Promise<unknown> = Promise.resolve();
    return {
      streamId,
      onToken: (token) => {
        text += token;
        if (Date.now() - last < STREAM_UPDATE_MS) return;
        last = Date.now();
        const snapshot = text;
        const seq = ++sequence;
        pending = pending.then(() =>
          context
            .sendActivity({ type: ActivityTypes.Typing, text: snapshot, entities: [{ type: "streaminfo", streamId, streamType: "streaming", streamSequence: seq }] })
            .catch((error: unknown) => logger.warn({ platform: "teams", ...logFields(new TeamsStreamFailedError("a streaming update failed", { cause: error })) }, "a streaming update failed")),
        );
      },
      flushed: async () => {
        await pending;
      },
    };
  } catch (error) {
    logger.warn({ platform: "teams", ...logFields(new TeamsStreamFailedError("the informative update failed", { cause: error })) }, "could not start a stream; answering in one message");
    return null;
  }
}
