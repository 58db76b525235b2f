import type { ObjectId, PendingOp, TaskId } from '../../scheduler/types.ts';
import { ownAsync } from '../instrument/own.ts';
import { Controlled, UsageError } from './control.ts';

/**
 * The lock op of one mutex in one execution. A class with methods rather than a literal with
 * arrow functions: run under tsx (esbuild keepNames), every named arrow costs a defineProperty.
 */
class LockOp implements PendingOp {
  readonly kind = 'lock';
  constructor(private readonly mutex: Mutex, readonly object: ObjectId) {}
  enabled(): boolean {
    return this.mutex.holder === null;
  }
  blocker(): TaskId | undefined {
    return this.mutex.holder ?? undefined;
  }
}

// The owner of a mutex locked by production code, where there are no task ids.
const PRODUCTION = -1;

/**
 * A mutual-exclusion lock, not re-entrant: locking it twice from one task deadlocks (and heddle
 * reports that cycle). Outside an exploration it is a FIFO async mutex: unlock hands the lock
 * straight to the longest waiter.
 */
export class Mutex extends Controlled {
  private owner: TaskId | null = null;
  private readonly waiters: (() => void)[] = [];

  constructor(name?: string) {
    super('mutex', name);
  }

  private lockOp: PendingOp = { kind: 'lock', object: -1 };
  private unlockOp: PendingOp = { kind: 'unlock', object: -1 };

  protected override bound(): void {
    this.lockOp = new LockOp(this, this.id);
    this.unlockOp = { kind: 'unlock', object: this.id };
  }

  protected override leftover(): string | null {
    return this.owner === null ? null : 'is still locked by a task';
  }

  /** The task holding the lock (inside an exploration), or null. */
  get holder(): TaskId | null {
    return this.owner;
  }

  lock(): Promise<void> {
    const ex = this.control();
    if (ex !== null) {
      return ex.point(this.lockOp, () => {
        this.owner = ex.currentTask();
      });
    }
    if (this.owner === null) {
      this.owner = PRODUCTION;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Not a scheduling point: releasing only ever lets others run. */
  unlock(): void {
    const ex = this.control();
    if (ex !== null) {
      const me = ex.currentTask();
      if (this.owner !== me) {
        throw new UsageError(`${ex.taskName(me)} unlocked mutex '${this.label}', which ` +
          (this.owner === null ? 'is not locked' : `is held by ${ex.taskName(this.owner)}`));
      }
      this.owner = null;
      ex.note(this.unlockOp);
      return;
    }
    if (this.owner === null) throw new UsageError(`unlock of mutex '${this.label}', which is not locked`);
    const next = this.waiters.shift();
    if (next) next(); // ownership passes to the waiter: owner stays set
    else this.owner = null;
  }

  /** Runs fn holding the lock; releases it however fn ends. */
  withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    return ownAsync('Mutex.withLock', withLock<R>, this, fn);
  }

  private get label(): string {
    return this.name ?? 'mutex';
  }
}

// Declared once (see ownAsync).
function* withLock<R>(mutex: Mutex, fn: () => R | Promise<R>): Generator<unknown, R, unknown> {
  yield mutex.lock();
  try {
    return (yield fn()) as R;
  } finally {
    mutex.unlock();
  }
}
