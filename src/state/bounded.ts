/**
 * A map that cannot grow without bound: entries expire after their time to live, and beyond
 * `maxEntries` the least recently written go first. For in-process state that clients can make
 * new keys in (rate-limit counters, event claims), where a plain Map grows with every new key.
 */
export class BoundedTtlMap<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    readonly maxEntries: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    const now = this.clock();
    // Re-inserting moves the key to the newest end of the Map's order.
    this.entries.delete(key);
    this.entries.set(key, { value, expires: now + ttlMs });
    this.evict(now);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Expired entries at the oldest end go first, then the oldest beyond the cap. O(1) amortised. */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && entry.expires > now) break;
      this.entries.delete(key);
    }
  }
}
