import { ownAsync } from '../instrument/own.ts';
import { Controlled, UsageError, show } from './control.ts';

/**
 * A FIFO queue with Python `queue.Queue` semantics: `put` blocks while full (maxsize > 0),
 * `get` blocks while empty, `taskDone` marks a got item finished, `join` waits until every item
 * put has been marked done. Outside an exploration it is a real blocking async queue.
 */
export class Queue<T> extends Controlled {
  private readonly items: T[] = [];
  private unfinished = 0;
  private getters: (() => void)[] = [];
  private putters: (() => void)[] = [];
  private joiners: (() => void)[] = [];

  constructor(readonly maxsize = 0, name?: string) {
    super('queue', name, false, maxsize);
    if (!Number.isInteger(maxsize) || maxsize < 0) throw new UsageError(`queue maxsize must be a whole number ≥ 0, got ${maxsize}`);
  }

  protected override leftover(): string | null {
    return this.items.length > 0 || this.unfinished > 0 ? 'still holds items' : null;
  }

  private full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  put(item: T): Promise<void> {
    const ex = this.control();
    if (ex === null) return this.putNow(item);
    return ex.point({ kind: 'put', object: this.id, enabled: () => !this.full(),
      waitsFor: 'it stays full: no task left can get', ...(ex.verbose ? { detail: show(item) } : {}) }, () => {
      this.items.push(item);
      this.unfinished++;
    });
  }

  private async putNow(item: T): Promise<void> {
    while (this.full()) await new Promise<void>((resolve) => this.putters.push(resolve));
    this.items.push(item);
    this.unfinished++;
    this.getters.shift()?.();
  }

  get(): Promise<T> {
    const ex = this.control();
    if (ex === null) return this.getNow();
    return ex.point({ kind: 'get', object: this.id, enabled: () => this.items.length > 0,
      waitsFor: 'no task left can put' }, () => {
      const item = this.items.shift() as T;
      if (ex.verbose) ex.annotate(`→ ${show(item)}`);
      return item;
    });
  }

  private async getNow(): Promise<T> {
    while (this.items.length === 0) await new Promise<void>((resolve) => this.getters.push(resolve));
    const item = this.items.shift() as T;
    this.putters.shift()?.();
    return item;
  }

  /** Marks one got item finished. Not a scheduling point. */
  taskDone(): void {
    const ex = this.control();
    if (this.unfinished <= 0) throw new UsageError(`taskDone() called more times than items were put on queue '${this.name ?? 'queue'}'`);
    this.unfinished--;
    if (ex !== null) {
      ex.note({ kind: 'task-done', object: this.id });
      return;
    }
    if (this.unfinished === 0) {
      const waiting = this.joiners;
      this.joiners = [];
      for (const wake of waiting) wake();
    }
  }

  /** Waits until every item put has been marked done with taskDone(). */
  join(): Promise<void> {
    const ex = this.control();
    if (ex !== null) {
      return ex.point({ kind: 'join-queue', object: this.id, enabled: () => this.unfinished === 0,
        waitsFor: 'items stay unfinished: no task left will call taskDone()' });
    }
    if (this.unfinished === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.joiners.push(resolve));
  }

  size(): Promise<number> {
    const ex = this.control();
    if (ex !== null) return ex.point({ kind: 'read', object: this.id }, () => this.items.length);
    return Promise.resolve(this.items.length);
  }

  empty(): Promise<boolean> {
    return ownAsync('Queue.empty', isEmpty, this);
  }
}

// Declared once (see ownAsync).
function* isEmpty(queue: Queue<unknown>): Generator<unknown, boolean, unknown> {
  return ((yield queue.size()) as number) === 0;
}
