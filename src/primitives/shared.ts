import { Controlled, show } from './control.ts';

export interface SharedOptions {
  /** Exempt from data-race detection (the cell models an atomic variable). */
  readonly atomic?: boolean;
}

/**
 * An instrumented memory cell. Every access is one scheduling point, so a read-modify-write
 * written as `set(await get() + 1)` can be interleaved — and `update(fn)` is one atomic step.
 * Outside an exploration it is a plain cell.
 */
export class Shared<T> extends Controlled {
  private value: T;
  readonly atomic: boolean;

  constructor(initial: T, name?: string, options: SharedOptions = {}) {
    super('cell', name, options.atomic ?? false);
    this.value = initial;
    this.atomic = options.atomic ?? false;
  }

  /** A cell exempt from race detection: models an atomic variable. */
  static atomic<T>(initial: T, name?: string): Shared<T> {
    return new Shared(initial, name, { atomic: true });
  }

  async get(): Promise<T> {
    const ex = this.control();
    if (ex !== null) {
      await ex.point({ kind: 'read', object: this.id });
      if (ex.verbose) ex.annotate(`→ ${show(this.value)}`);
    }
    return this.value;
  }

  async set(value: T): Promise<void> {
    const ex = this.control();
    if (ex !== null) await ex.point({ kind: 'write', object: this.id, ...(ex.verbose ? { detail: `← ${show(value)}` } : {}) });
    this.value = value;
  }

  /** Read, compute and write in one atomic step. Returns the new value. */
  async update(fn: (value: T) => T): Promise<T> {
    const ex = this.control();
    if (ex !== null) await ex.point({ kind: 'rmw', object: this.id });
    this.value = fn(this.value);
    if (ex !== null && ex.verbose) ex.annotate(`→ ${show(this.value)}`);
    return this.value;
  }

  /** Atomic compare-and-set (by ===). A failed one only reads. */
  async compareAndSet(expected: T, next: T): Promise<boolean> {
    const ex = this.control();
    if (ex !== null) await ex.point({ kind: 'rmw', object: this.id, detail: 'cas' });
    if (this.value !== expected) return false;
    this.value = next;
    return true;
  }
}
