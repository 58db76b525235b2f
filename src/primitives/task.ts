import { currentExecution, type Execution } from '../../scheduler/execution.ts';
import type { PendingOp, TaskId } from '../../scheduler/types.ts';

export interface TaskHandle<T> {
  /** The task's id in the current execution (-1 outside an exploration). */
  readonly id: TaskId;
  readonly name: string;
  /** Waits for the task to end and returns its result. A scheduling point. */
  join(): Promise<T>;
}

/**
 * Starts `fn` as a new task. Inside an exploration the task does not run until the scheduler
 * picks it; outside one it starts at once as an ordinary promise.
 */
export function spawn<T>(fn: () => T | Promise<T>, name?: string): TaskHandle<T> {
  if (typeof fn !== 'function') {
    throw new TypeError(`spawn(fn, name?): the first argument is the task's function, got ${describe(fn)}`);
  }
  if (name !== undefined && typeof name !== 'string') {
    throw new TypeError(`spawn(fn, name?): the name is a string, got ${describe(name)}`);
  }
  const ex = currentExecution();
  if (ex === null) {
    const running = Promise.resolve().then(fn);
    running.catch(() => {}); // the error surfaces at join(), not as an unhandled rejection
    return new Started(running, name ?? 'task');
  }
  const id = ex.spawn(fn, name);
  return new Spawned<T>(ex, id);
}

/**
 * A task of an exploration. A class, so that its `join` is one function heddle's tracking knows
 * (a method made per handle would be a call into unknown code for every join).
 */
class Spawned<T> implements TaskHandle<T> {
  readonly name: string;
  constructor(private readonly ex: Execution, readonly id: TaskId) {
    this.name = ex.taskName(id);
  }

  join(): Promise<T> {
    const ex = this.ex;
    if (currentExecution() !== ex) return new Promise<T>(() => {}); // the execution is over: never settle
    const id = this.id;
    return ex.point(new JoinOp(ex, id), () => ex.taskResult(id) as T);
  }
}

/** A task started outside an exploration: an ordinary promise. */
class Started<T> implements TaskHandle<T> {
  readonly id = -1;
  constructor(private readonly running: Promise<T>, readonly name: string) {}
  join(): Promise<T> {
    return this.running;
  }
}

export const TASK_HANDLES = [Spawned, Started] as const;

/**
 * Waiting for a task to end. A class with methods rather than a literal with arrow functions:
 * run under tsx (esbuild keepNames), every named arrow costs a defineProperty call.
 */
class JoinOp implements PendingOp {
  readonly kind = 'join';
  constructor(private readonly ex: Execution, readonly object: TaskId) {}
  enabled(): boolean {
    return this.ex.isTaskDone(this.object);
  }
  blocker(): TaskId {
    return this.object;
  }
}

const YIELD: PendingOp = { kind: 'yield', object: -1 };

/** A scheduling point that does nothing: lets the scheduler switch tasks here. */
export function yieldNow(): Promise<void> {
  const ex = currentExecution();
  if (ex !== null) return ex.point(YIELD);
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Sleeps `ms` milliseconds. Inside an exploration time is virtual: it jumps to the earliest
 * wake-up once every task is blocked or sleeping, so a 24-hour sleep costs nothing.
 */
export function sleep(ms: number): Promise<void> {
  const ex = currentExecution();
  if (ex === null) return new Promise<void>((resolve) => setTimeout(resolve, ms));
  const wakeAt = ex.now + Math.max(0, ms);
  return ex.point({ kind: 'sleep', object: -1, wakeAt, enabled: () => ex.now >= wakeAt, detail: `${ms} ms` });
}

/** Milliseconds: virtual time inside an exploration (starts at 0), wall time outside. */
export function now(): number {
  const ex = currentExecution();
  return ex === null ? Date.now() : ex.now;
}

/** A number in [0, 1): drawn by the strategy and recorded in the schedule inside an exploration. */
export function random(): number {
  const ex = currentExecution();
  return ex === null ? Math.random() : ex.random();
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'function') return 'a function';
  return value === null ? 'null' : typeof value;
}
