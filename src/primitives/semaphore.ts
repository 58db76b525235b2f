import { ownAsync } from '../instrument/own.ts';
import { Controlled, UsageError } from './control.ts';

/** A counting semaphore. Outside an exploration, FIFO: release wakes the longest waiter. */
export class Semaphore extends Controlled {
  private permits: number;
  private readonly waiters: (() => void)[] = [];

  constructor(permits: number, name?: string) {
    super('semaphore', name, false, 0, permits);
    if (!Number.isInteger(permits) || permits < 0) throw new UsageError(`semaphore permits must be a whole number ≥ 0, got ${permits}`);
    this.permits = permits;
  }

  acquire(): Promise<void> {
    const ex = this.control();
    if (ex !== null) {
      return ex.point({ kind: 'acquire', object: this.id, enabled: () => this.permits > 0 }, () => {
        this.permits--;
      });
    }
    if (this.permits > 0) {
      this.permits--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Not a scheduling point. */
  release(): void {
    const ex = this.control();
    if (ex !== null) {
      this.permits++;
      ex.note({ kind: 'release', object: this.id });
      return;
    }
    const next = this.waiters.shift();
    if (next) next(); // the permit passes straight to the waiter
    else this.permits++;
  }

  withPermit<R>(fn: () => R | Promise<R>): Promise<R> {
    return ownAsync('Semaphore.withPermit', withPermit<R>, this, fn);
  }
}

// Declared once (see ownAsync).
function* withPermit<R>(semaphore: Semaphore, fn: () => R | Promise<R>): Generator<unknown, R, unknown> {
  yield semaphore.acquire();
  try {
    return (yield fn()) as R;
  } finally {
    semaphore.release();
  }
}
