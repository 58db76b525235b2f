/**
 * A promise-based mutual-exclusion lock in plain TypeScript (no library, no heddle): what a
 * developer writes for "an async lock". FIFO, and the lock is handed over on release: it stays
 * held between a release and the moment the next waiter resumes, so a caller arriving in
 * between waits its turn instead of barging in.
 */
export class AsyncLock {
  private held = false;
  /** Callers waiting for the lock, first come first served. */
  private readonly waiters: (() => void)[] = [];

  /** Runs `critical` while holding the lock; releases it however `critical` ends. */
  async run<T>(critical: () => Promise<T>): Promise<T> {
    if (this.held) await new Promise<void>((resume) => this.waiters.push(resume));
    else this.held = true;
    // invariant: held is true here, and no other run() is between this point and its release
    try {
      return await critical();
    } finally {
      const next = this.waiters.shift();
      if (next !== undefined) next(); // hand over: `held` stays true for the next waiter
      else this.held = false;
    }
  }
}
