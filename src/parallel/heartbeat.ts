import type { ChoiceContext, Strategy } from '../../scheduler/strategy.ts';
import type { ExecutionResult, Schedule, TaskId } from '../../scheduler/types.ts';

/**
 * The heartbeat a worker shares with the thread that watches it. A synchronous loop cannot be
 * interrupted on the thread it runs on, so the CLI explores in a worker and watches this buffer
 * from the main thread: the worker bumps a counter at every execution's start and end and
 * records each choice and draw of the running execution as it makes it, so that when the
 * watcher stops a worker stuck in one execution it still has the schedule so far (a token whose
 * replay reaches the same endless step).
 *
 * The worker never reads a clock: only the watcher measures time (determinism).
 *
 * Layout: a header of Int32 slots, then `capacity` Int32 choices, then `capacity / 4` Float64 draws.
 */
const PULSE = 0; // bumped at every execution's start and end, and when a request starts
const CHOICES = 1; // choices recorded in the running execution
const RANDOMS = 2; // draws recorded in the running execution
const OVERFLOW = 3; // 1 once the running execution has more choices or draws than fit
const SCHEDULES = 4; // executions the search counted so far (progress lines)
const RUNNING = 5; // 1 while an execution runs
const CAVEATS = 6; // why the search cannot be a proof, so far (Caveat bits, explore.ts)
const CAPACITY = 7; // how many choices fit
const HEADER = 8;

export function newHeartbeat(maxSteps: number): SharedArrayBuffer {
  const capacity = 2 * Math.ceil(Math.max(1024, Math.min(maxSteps + 16, 1 << 22)) / 2); // even: the draws stay 8-byte aligned
  const buffer = new SharedArrayBuffer(HEADER * 4 + capacity * 4 + Math.ceil(capacity / 4) * 8);
  new Int32Array(buffer, 0, HEADER)[CAPACITY] = capacity;
  return buffer;
}

interface Views {
  readonly header: Int32Array;
  readonly choices: Int32Array;
  readonly randoms: Float64Array;
}

function views(buffer: SharedArrayBuffer): Views {
  const header = new Int32Array(buffer, 0, HEADER);
  const capacity = header[CAPACITY]!;
  const drawsAt = HEADER * 4 + capacity * 4;
  return {
    header,
    choices: new Int32Array(buffer, HEADER * 4, capacity),
    randoms: new Float64Array(buffer, drawsAt, (buffer.byteLength - drawsAt) / 8),
  };
}

/** The worker's side: what runExecution tells the watcher (see src/run.ts). */
export class HeartbeatWriter {
  private readonly v: Views;

  constructor(buffer: SharedArrayBuffer) {
    this.v = views(buffer);
  }

  pulse(): void {
    Atomics.add(this.v.header, PULSE, 1);
  }

  executionStarted(): void {
    const h = this.v.header;
    h[CHOICES] = 0;
    h[RANDOMS] = 0;
    h[OVERFLOW] = 0;
    h[RUNNING] = 1;
    Atomics.add(h, PULSE, 1);
  }

  executionEnded(): void {
    this.v.header[RUNNING] = 0;
    Atomics.add(this.v.header, PULSE, 1);
  }

  counted(schedules: number, caveats = 0): void {
    Atomics.store(this.v.header, CAVEATS, caveats);
    Atomics.store(this.v.header, SCHEDULES, schedules);
  }

  chose(step: number, task: TaskId): void {
    const { header, choices } = this.v;
    if (step >= choices.length) {
      header[OVERFLOW] = 1;
      return;
    }
    choices[step] = task;
    header[CHOICES] = step + 1;
  }

  drew(r: number): void {
    const { header, randoms } = this.v;
    const at = header[RANDOMS]!;
    if (at >= randoms.length) {
      header[OVERFLOW] = 1;
      return;
    }
    randoms[at] = r;
    header[RANDOMS] = at + 1;
  }

  /** The strategy, with every choice and draw recorded here as it is made. */
  recording(inner: Strategy): Strategy {
    // Execution reads only these members of its strategy (scheduler/execution.ts).
    return {
      name: inner.name,
      newExecution: () => inner.newExecution(),
      nextTask: (ctx: ChoiceContext): TaskId => {
        const task = inner.nextTask(ctx);
        this.chose(ctx.step, task);
        return task;
      },
      nextRandom: (): number => {
        const r = inner.nextRandom();
        this.drew(r);
        return r;
      },
      endExecution: (result: ExecutionResult) => inner.endExecution?.(result),
    };
  }
}

/** What the watcher reads after it stopped a worker. */
export interface StalledAt {
  /** True when the worker was inside an execution (not loading files or between executions). */
  readonly inExecution: boolean;
  /** The running execution's schedule so far; null when it did not fit the buffer. */
  readonly schedule: Schedule | null;
}

/** The watcher's side. */
export class HeartbeatReader {
  private readonly v: Views;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.v = views(buffer);
  }

  get pulse(): number {
    return Atomics.load(this.v.header, PULSE);
  }

  get schedules(): number {
    return Atomics.load(this.v.header, SCHEDULES);
  }

  get caveats(): number {
    return Atomics.load(this.v.header, CAVEATS);
  }

  /** Read once the worker has stopped (terminated): nothing writes the buffer any more. */
  stalledAt(): StalledAt {
    const { header, choices, randoms } = this.v;
    const inExecution = header[RUNNING] === 1;
    if (header[OVERFLOW] === 1) return { inExecution, schedule: null };
    return { inExecution, schedule: { choices: [...choices.subarray(0, header[CHOICES])], randoms: [...randoms.subarray(0, header[RANDOMS])] } };
  }
}
