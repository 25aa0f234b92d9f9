import type { StateStore } from "../state/store.js";

/**
 * Per-user rate limit over a sliding one-minute window, counted in the state store so that every
 * replica sees the same count when the store is Redis.
 */
export class RateLimiter {
  constructor(
    private readonly perMinute: number,
    private readonly store: Pick<StateStore, "hit">,
  ) {}

  /** True when the user may ask now. */
  async allow(userKey: string): Promise<boolean> {
    if (this.perMinute <= 0) return true;
    return (await this.store.hit(`user:${userKey}`, 60_000)) <= this.perMinute;
  }
}
