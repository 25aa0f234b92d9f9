import type { HistoryMessage } from "../types.js";
import { BoundedTtlMap } from "./bounded.js";

/**
 * Shared state for everything that must agree across replicas: event de-duplication, rate
 * limits and conversation memory. In-process by default; Redis when REDIS_URL is set.
 */
export interface StateStore {
  readonly kind: "memory" | "redis";
  /** True the first time `key` is claimed within `ttlMs`; false for every repeat. */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Count a hit for `key` and return the hits within the last `windowMs` (a sliding estimate). */
  hit(key: string, windowMs: number): Promise<number>;
  getHistory(conversationId: string): Promise<HistoryMessage[]>;
  appendHistory(conversationId: string, messages: HistoryMessage[], keep: number, ttlMs: number): Promise<void>;
  /** A JSON record (coaching sessions); null when absent, expired or unreadable. */
  getRecord<T>(key: string): Promise<T | null>;
  setRecord(key: string, value: unknown, ttlMs: number): Promise<void>;
  deleteRecord(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A sliding-window estimate: this window's hits plus the previous window's, weighted by how much
 * of it still lies within the last `windowMs`. A fixed window alone lets a client spend its whole
 * allowance twice across a boundary (and made a limit look reset to whoever asked across it).
 */
export function slidingCount(current: number, previous: number, elapsedMs: number, windowMs: number): number {
  return current + previous * Math.max(0, 1 - elapsedMs / windowMs);
}

export class MemoryStateStore implements StateStore {
  readonly kind = "memory" as const;
  private readonly claims: BoundedTtlMap<true>;
  private readonly hits: BoundedTtlMap<{ windowStart: number; count: number; previous: number }>;
  private readonly histories = new Map<string, { messages: HistoryMessage[]; expires: number }>();
  private readonly records = new Map<string, { json: string; expires: number }>();

  /**
   * @param maxConversations in-process memory keeps at most this many conversations (least
   *   recently used go first): one process must not grow without bound under load
   */
  constructor(
    private readonly clock: () => number = Date.now,
    private readonly maxConversations = 5_000,
    limits: { claims?: number; counters?: number } = {},
  ) {
    this.claims = new BoundedTtlMap(limits.claims ?? 50_000, clock);
    this.hits = new BoundedTtlMap(limits.counters ?? 20_000, clock);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    if (this.claims.get(key)) return false;
    this.claims.set(key, true, ttlMs);
    return true;
  }

  async hit(key: string, windowMs: number): Promise<number> {
    const now = this.clock();
    const windowStart = now - (now % windowMs);
    const entry = this.hits.get(key);
    if (!entry || entry.windowStart !== windowStart) {
      const previous = entry && entry.windowStart === windowStart - windowMs ? entry.count : 0;
      // Kept for two windows: the next window still weighs this one's count.
      this.hits.set(key, { windowStart, count: 1, previous }, windowStart + 2 * windowMs - now);
      return slidingCount(1, previous, now - windowStart, windowMs);
    }
    entry.count++;
    return slidingCount(entry.count, entry.previous, now - windowStart, windowMs);
  }

  async getHistory(conversationId: string): Promise<HistoryMessage[]> {
    const entry = this.histories.get(conversationId);
    if (!entry || entry.expires <= this.clock()) return [];
    return [...entry.messages];
  }

  async appendHistory(conversationId: string, messages: HistoryMessage[], keep: number, ttlMs: number): Promise<void> {
    const existing = await this.getHistory(conversationId);
    // Re-inserting moves the conversation to the newest end of the Map's order.
    this.histories.delete(conversationId);
    this.histories.set(conversationId, { messages: [...existing, ...messages].slice(-keep), expires: this.clock() + ttlMs });
    while (this.histories.size > this.maxConversations) this.histories.delete(this.histories.keys().next().value!);
  }

  async getRecord<T>(key: string): Promise<T | null> {
    const entry = this.records.get(key);
    if (!entry || entry.expires <= this.clock()) return null;
    return JSON.parse(entry.json) as T;
  }

  async setRecord(key: string, value: unknown, ttlMs: number): Promise<void> {
    // Stored as JSON so a caller mutating its object later cannot change what was saved (as with Redis).
    this.records.delete(key);
    this.records.set(key, { json: JSON.stringify(value), expires: this.clock() + ttlMs });
    while (this.records.size > this.maxConversations) this.records.delete(this.records.keys().next().value!);
  }

  async deleteRecord(key: string): Promise<void> {
    this.records.delete(key);
  }

  async close(): Promise<void> {}
}
