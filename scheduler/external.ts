/**
 * Promises heddle waits for on purpose: calls of controlled functions doing real work. While
 * one is pending the execution is not stalled, only slow; the driver waits for them to settle.
 */
export class ExternalWork {
  private pending = 0;
  private idle: (() => void)[] = [];

  track(promise: Promise<unknown>): void {
    this.pending++;
    const settled = () => {
      this.pending--;
      if (this.pending === 0) for (const wake of this.idle.splice(0)) wake();
    };
    promise.then(settled, settled);
  }

  get busy(): boolean {
    return this.pending > 0;
  }

  /** Resolves once nothing tracked is pending (at once if nothing is). */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
