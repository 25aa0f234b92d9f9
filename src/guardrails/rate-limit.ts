/**
 * Per-user sliding-window rate limit. In-process for now; the store interface lets a shared
 * (Redis) store replace it so replicas agree.
 */
export interface RateLimitStore {
  /** Record a hit at `now` and return how many hits the key has in the window ending now. */
  hit(key: string, now: number, windowMs: number): number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly hits = new Map<string, number[]>();

  hit(key: string, now: number, windowMs: number): number {
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < windowMs);
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 50_000) this.sweep(now, windowMs);
    return recent.length;
  }

  private sweep(now: number, windowMs: number): void {
    for (const [key, times] of this.hits) if (times.every((t) => now - t >= windowMs)) this.hits.delete(key);
  }
}

export class RateLimiter {
  constructor(
    private readonly perMinute: number,
    private readonly store: RateLimitStore = new MemoryRateLimitStore(),
    private readonly clock: () => number = Date.now,
  ) {}

  /** True when the user may ask now. */
  allow(userKey: string): boolean {
    if (this.perMinute <= 0) return true;
    return this.store.hit(userKey, this.clock(), 60_000) <= this.perMinute;
  }
}
