import { Controlled } from './control.ts';

/** A flag tasks can wait on (Python's threading.Event). */
export class Event extends Controlled {
  private flag = false;
  private waiters: (() => void)[] = [];

  constructor(name?: string) {
    super('event', name);
  }

  /** Sets the flag and wakes every waiter. Not a scheduling point. */
  set(): void {
    const ex = this.control();
    this.flag = true;
    if (ex !== null) {
      ex.note({ kind: 'set', object: this.id });
      return;
    }
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** Not a scheduling point. */
  clear(): void {
    const ex = this.control();
    this.flag = false;
    if (ex !== null) ex.note({ kind: 'clear', object: this.id });
  }

  /** A scheduling point; true orders the caller after the sets that raised the flag, as a wait does. */
  isSet(): Promise<boolean> {
    const ex = this.control();
    if (ex !== null) return ex.point({ kind: 'is-set', object: this.id }, () => this.flag);
    return Promise.resolve(this.flag);
  }

  wait(): Promise<void> {
    const ex = this.control();
    if (ex !== null) {
      return ex.point({ kind: 'wait', object: this.id, enabled: () => this.flag, waitsFor: 'no task left will set it' });
    }
    if (this.flag) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
