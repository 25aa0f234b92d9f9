/**
 * Runs background jobs (composing and sending answers) with bounded concurrency, each started
 * from a setImmediate so that acknowledging new requests always gets the event loop first: under
 * load, Slack gets its 200 within its 3 seconds and answers follow as CPU allows.
 */
export class WorkQueue {
  private readonly pending: (() => Promise<void>)[] = [];
  private readonly queuedAt: number[] = [];
  private recheck: NodeJS.Timeout | undefined;
  private running = 0;
  private idle: (() => void)[] = [];

  /**
   * @param busy while it returns true (the event loop is saturated by incoming requests), jobs
   *   wait, at most maxDelayMs, so acknowledgements keep the CPU during a burst
   */
  constructor(
    private readonly concurrency: number,
    private readonly maxPending: number,
    private readonly onError: (error: unknown) => void,
    private readonly busy: () => boolean = () => false,
    private readonly maxDelayMs = 3_000,
  ) {}

  private oldestSince(): number {
    return this.queuedAt[0] ?? Date.now();
  }

  get size(): number {
    return this.pending.length + this.running;
  }

  /** False when the backlog is full: the caller should tell the user it is busy. */
  push(job: () => Promise<void>): boolean {
    if (this.pending.length >= this.maxPending) return false;
    this.pending.push(job);
    this.queuedAt.push(Date.now());
    this.pump();
    return true;
  }

  /** Resolves when every queued job has finished (graceful shutdown). */
  drain(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    // While requests wait, jobs wait too, but never longer than maxDelayMs: answers must
    // still arrive during a long burst.
    if (this.pending.length > 0 && this.busy() && Date.now() - this.oldestSince() < this.maxDelayMs) {
      this.recheck ??= setTimeout(() => {
        this.recheck = undefined;
        this.pump();
      }, 10);
      return;
    }
    while (this.running < this.concurrency && this.pending.length > 0) {
      const job = this.pending.shift()!;
      this.queuedAt.shift();
      this.running++;
      setImmediate(() => {
        job()
          .catch(this.onError)
          .finally(() => {
            this.running--;
            if (this.size === 0) for (const resolve of this.idle.splice(0)) resolve();
            else this.pump();
          });
      });
    }
  }
}
