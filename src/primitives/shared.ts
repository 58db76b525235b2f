import type { PendingOp } from '../../scheduler/types.ts';
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
  // Ops and effects are made once per execution the cell is used in, not once per access.
  private readOp: PendingOp = { kind: 'read', object: -1 };
  private rmwOp: PendingOp = { kind: 'rmw', object: -1 };
  private readonly readValue = (): T => this.value;

  constructor(initial: T, name?: string, options: SharedOptions = {}) {
    super('cell', name, options.atomic ?? false);
    this.value = initial;
    this.initial = initial;
    this.atomic = options.atomic ?? false;
  }

  private readonly initial: T;

  protected override bound(): void {
    this.readOp = { kind: 'read', object: this.id };
    this.rmwOp = { kind: 'rmw', object: this.id };
  }

  protected override leftover(): string | null {
    return this.value === this.initial ? null : 'holds a value set';
  }

  /** A cell exempt from race detection: models an atomic variable. */
  static atomic<T>(initial: T, name?: string): Shared<T> {
    return new Shared(initial, name, { atomic: true });
  }

  get(): Promise<T> {
    const ex = this.control();
    if (ex === null) return Promise.resolve(this.value);
    if (!ex.verbose) return ex.point(this.readOp, this.readValue);
    return ex.point(this.readOp, () => {
      ex.annotate(`→ ${show(this.value)}`);
      return this.value;
    });
  }

  set(value: T): Promise<void> {
    const ex = this.control();
    if (ex === null) {
      this.value = value;
      return Promise.resolve();
    }
    const op: PendingOp = ex.verbose ? { kind: 'write', object: this.id, detail: `← ${show(value)}` } : { kind: 'write', object: this.id };
    return ex.point(op, () => {
      this.value = value;
    });
  }

  /** Read, compute and write in one atomic step. Returns the new value. */
  update(fn: (value: T) => T): Promise<T> {
    const ex = this.control();
    if (ex === null) {
      try {
        this.value = fn(this.value);
        return Promise.resolve(this.value);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return ex.point(this.rmwOp, () => {
      this.value = fn(this.value);
      if (ex.verbose) ex.annotate(`→ ${show(this.value)}`);
      return this.value;
    });
  }

  /** Atomic compare-and-set (by ===). A failed one only reads. */
  compareAndSet(expected: T, next: T): Promise<boolean> {
    const swap = (): boolean => {
      if (this.value !== expected) return false;
      this.value = next;
      return true;
    };
    const ex = this.control();
    if (ex === null) return Promise.resolve(swap());
    return ex.point({ kind: 'rmw', object: this.id, detail: 'cas' }, swap);
  }
}
