import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Failure } from '../failure.ts';
import { instrumentationOptions } from '../instrument/register.ts';
import { HeartbeatReader, newHeartbeat } from './heartbeat.ts';
import type { Donated, WorkerJob, WorkerMessage, WorkerReply, WorkerTask } from './protocol.ts';

/** How a request is watched: see src/parallel/heartbeat.ts. */
export interface Watching {
  /** How long the heartbeat may stand still (one execution may run) before the worker is stopped. */
  readonly timeoutMs: number;
  /** Scheduling points per execution at most (sizes the shared record of the running schedule). */
  readonly maxSteps: number;
  /** Post the replayed execution as it stands at this (0-based) choice. */
  readonly locateStep?: number;
  /** Stop the worker as soon as it posted that execution (the watchdog's own diagnosis). */
  readonly stopWhenLocated?: boolean;
  /** Told the executions counted so far, as they go, and why the search cannot be a proof (progress lines). */
  readonly onProgress?: (schedulesRun: number, caveats: number) => void;
}

/** How often the watchdog looks at the heartbeats (its reports come at most this late). */
const WATCH_EVERY_MS = 100;

interface Pending {
  readonly resolve: (reply: WorkerReply) => void;
  readonly reader?: HeartbeatReader;
  readonly watching?: Watching;
  readonly started: number;
  lastPulse: number;
  lastChange: number;
  lastSchedules: number;
  located?: Failure;
  /** Told what a part of a split search gave away while it runs. */
  readonly onDonated?: (d: Donated) => void;
}

interface Thread {
  readonly worker: Worker;
  /** Requests sent and not answered yet, by id. */
  readonly waiting: Map<number, Pending>;
  /** Settles when the worker has booted (null) or died before it did (why). */
  readonly ready: Promise<string | null>;
  booted: boolean;
}

/**
 * Long-lived worker threads that run searches, slices of searches and replays. Starting a worker
 * costs hundreds of milliseconds (it loads tsx, heddle and the scenario files), so a pool is
 * started once and reused for every search of a run (`check` over all scenarios). Idle workers
 * do not keep the process alive.
 *
 * The pool is also the CLI's watchdog: a watched request shares a heartbeat
 * with its worker, and a worker whose heartbeat stays still for longer than the limit (one
 * execution that runs that long: an endless synchronous loop) is terminated; its request is
 * answered with a `stalled` reply saying what it was doing. Only this thread reads the clock.
 */
export class WorkerPool {
  /** By slot; a slot whose worker died is empty until a slice needs it again. */
  private readonly threads: (Thread | undefined)[] = [];
  private nextId = 0;
  private closed = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** Starts the workers now (otherwise they start on first use). */
  warm(count: number): void {
    for (let k = 0; k < count; k++) this.slot(k);
  }

  /** Worker `k` (started now if its slot is empty). */
  private slot(k: number): Thread {
    return (this.threads[k] ??= this.start(k));
  }

  /** Whether worker `k` has been started (it may still be booting). */
  started(k: number): boolean {
    return this.threads[k] !== undefined;
  }

  /** Whether worker `k` has booted (a split search hands it parts only then). */
  booted(k: number): boolean {
    return this.threads[k]?.booted ?? false;
  }

  /** Settles when worker `k` (started now if need be) has booted (null) or died before it did (why). */
  whenBooted(k: number): Promise<string | null> {
    return this.closed ? Promise.resolve('the worker pool is closed') : this.slot(k).ready;
  }

  /** Explores one slice on worker `k` (started if needed); `onDonated`: told what a part gives away as it runs. */
  slice(k: number, task: WorkerTask, watching?: Watching, onDonated?: (d: Donated) => void): Promise<WorkerReply> {
    return this.send(k, task, watching, onDonated);
  }

  /** Runs one job on worker `k` (started if needed); with `watching`, under the watchdog. */
  send(k: number, task: WorkerJob, watching?: Watching, onDonated?: (d: Donated) => void): Promise<WorkerReply> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the worker pool is closed' });
    const thread = this.slot(k);
    const id = this.nextId++;
    thread.worker.ref(); // a pending request keeps the process alive
    const heartbeat = watching !== undefined ? newHeartbeat(watching.maxSteps) : undefined;
    return new Promise<WorkerReply>((resolve) => {
      const now = performance.now();
      thread.waiting.set(id, { resolve, started: now, lastPulse: 0, lastChange: now, lastSchedules: 0,
        ...(heartbeat ? { reader: new HeartbeatReader(heartbeat), watching } : {}), ...(onDonated ? { onDonated } : {}) });
      thread.worker.postMessage({ id, task, ...(heartbeat ? { heartbeat } : {}),
        ...(watching?.locateStep !== undefined ? { locateStep: watching.locateStep } : {}) });
      if (heartbeat) this.watch();
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const all = this.threads.splice(0);
    await Promise.all(all.map((t) => t?.worker.terminate()));
  }

  private watch(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.check(), WATCH_EVERY_MS);
    this.timer.unref();
  }

  /** The watchdog's round: progress, then any request whose heartbeat stood still too long. */
  private check(): void {
    const now = performance.now();
    let watching = false;
    for (const [k, thread] of this.threads.entries()) {
      if (thread === undefined) continue;
      for (const [id, p] of thread.waiting) {
        if (p.reader === undefined) continue;
        watching = true;
        const pulse = p.reader.pulse;
        // invariant: pulse 0 until the worker has booted and loaded the scenario's file (not watched).
        if (pulse !== p.lastPulse || pulse === 0) {
          p.lastPulse = pulse;
          p.lastChange = now;
        }
        const schedules = p.reader.schedules;
        if (schedules !== p.lastSchedules) {
          p.lastSchedules = schedules;
          p.watching?.onProgress?.(schedules, p.reader.caveats);
        }
        if (now - p.lastChange > p.watching!.timeoutMs) this.stop(k, thread, id, p, now);
      }
    }
    if (!watching && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Terminates a worker stuck in a request and answers it with what the heartbeat recorded. */
  private stop(k: number, thread: Thread, id: number, p: Pending, now: number): void {
    thread.waiting.delete(id);
    if (this.threads[k] === thread) this.threads[k] = undefined;
    const others = [...thread.waiting.values()];
    thread.waiting.clear();
    void thread.worker.terminate().then(() => {
      // Read after the worker stopped: nothing writes the heartbeat any more.
      const at = p.reader!.stalledAt();
      p.resolve({ ok: false, error: 'stopped by the watchdog', stalled: { ...at, schedulesRun: p.reader!.schedules,
        elapsedMs: now - p.lastChange, ...(p.located ? { located: p.located } : {}) } });
      for (const o of others) o.resolve({ ok: false, error: `worker ${k + 1} was stopped by the watchdog` });
    });
  }

  private start(index: number): Thread {
    // A worker instruments its modules as this thread does: hooks are not inherited, options are passed.
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { instrumentation: instrumentationOptions() } });
    let settle!: (why: string | null) => void;
    const thread: Thread = { worker, waiting: new Map(), ready: new Promise((resolve) => (settle = resolve)), booted: false };
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        thread.booted = true;
        settle(null);
        return;
      }
      const { id, reply, located, donated } = message;
      const pending = thread.waiting.get(id);
      if (donated !== undefined) {
        pending?.onDonated?.(donated);
        return;
      }
      if (located !== undefined) {
        if (pending === undefined) return;
        pending.located = located;
        if (pending.watching?.stopWhenLocated) this.stop(index, thread, id, pending, performance.now());
        return;
      }
      thread.waiting.delete(id);
      if (thread.waiting.size === 0) worker.unref();
      pending?.resolve(reply!);
    });
    const fail = (error: string) => {
      // A dead worker answers nothing more: fail what it owed; its slot starts a new one when next needed.
      settle(error);
      if (this.threads[index] === thread) this.threads[index] = undefined;
      for (const p of thread.waiting.values()) p.resolve({ ok: false, error });
      thread.waiting.clear();
    };
    worker.once('error', (e) => fail(`worker ${index + 1} crashed: ${e.message}`));
    worker.once('exit', (code) => {
      if (!this.closed) fail(`worker ${index + 1} exited with code ${code}`);
      else settle('the worker pool is closed');
    });
    return thread;
  }
}
