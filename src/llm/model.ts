import { ModelCallError } from "../errors.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Completion {
  text: string;
  usage: { inputTokens?: number; outputTokens?: number };
}

export interface CompleteOptions {
  signal?: AbortSignal;
  /** Streaming: called with each piece of text as it arrives. */
  onToken?: (token: string) => void;
}

/** What the coach needs from a chat model; scripted fakes implement it in unit tests. */
export interface ChatModel {
  readonly id: string;
  complete(messages: ChatMessage[], options?: CompleteOptions): Promise<Completion>;
}

/**
 * What the resilient wrapper makes of an error that is not already classified: the client for a
 * real model (src/llm/openai-chat.ts) throws ModelCallError itself, classified from the openai
 * package's typed errors, so that package is loaded only when a model is configured.
 */
function asModelCallError(error: unknown, signal?: AbortSignal): ModelCallError {
  if (error instanceof ModelCallError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = signal?.aborted === true || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"));
  return new ModelCallError(timedOut ? "timeout" : "bad_response", message, { cause: error });
}

export interface ResilienceOptions {
  timeoutMs: number;
  retries?: number;
  backoffMs?: number;
  /** Consecutive failed calls that open the circuit. */
  breakerThreshold?: number;
  /** How long an open circuit fails fast before one trial call is let through. */
  breakerCooldownMs?: number;
  clock?: () => number;
}

/**
 * Per-request timeout, retries with backoff on 429/5xx/network errors, and a circuit breaker so
 * a dead model server costs one fast failure per question instead of a timeout each.
 */
export class ResilientChatModel implements ChatModel {
  private consecutiveFailures = 0;
  private openUntil = 0;

  constructor(
    private readonly inner: ChatModel,
    private readonly options: ResilienceOptions,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  get circuitOpen(): boolean {
    return (this.options.clock ?? Date.now)() < this.openUntil;
  }

  async complete(messages: ChatMessage[], options: CompleteOptions = {}): Promise<Completion> {
    if (this.circuitOpen) throw new ModelCallError("circuit_open", "model circuit is open after repeated failures");
    const retries = this.options.retries ?? 2;
    let last: ModelCallError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const signal = AbortSignal.timeout(this.options.timeoutMs);
      let streamed = false;
      try {
        const result = await this.inner.complete(messages, {
          signal,
          onToken: options.onToken
            ? (t) => {
                streamed = true;
                options.onToken!(t);
              }
            : undefined,
        });
        this.consecutiveFailures = 0;
        return result;
      } catch (error) {
        last = asModelCallError(error, signal);
        // Tokens already shown cannot be taken back: no retry after a stream has started.
        if (!last.retryable || streamed || attempt === retries) break;
        await new Promise((r) => setTimeout(r, (this.options.backoffMs ?? 200) * 2 ** attempt));
      }
    }
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= (this.options.breakerThreshold ?? 3)) {
      this.openUntil = (this.options.clock ?? Date.now)() + (this.options.breakerCooldownMs ?? 30_000);
      this.consecutiveFailures = 0;
    }
    throw last!;
  }
}
