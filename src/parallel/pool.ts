import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { ExploreResult } from '../explore.ts';
import type { Scenario } from '../scenario.ts';
import type { Failure } from '../failure.ts';
import { instrumentationOptions } from '../instrument/register.ts';
import { HeartbeatReader, newHeartbeat } from './heartbeat.ts';
import { ALONE, exploreSlice, lowerBound, mergeResults, SliceError, newBound, type WorkerJob, type WorkerMessage, type WorkerReply, type WorkerTask } from './protocol.ts';
import type { PartSpec } from '../../scheduler/strategies/dpor-pivots.ts';
import { plural } from '../report/plural.ts';

/** What one search asks of the pool: the whole search, before it is cut into slices. */
export type SplitSearch = Omit<WorkerTask, 'index' | 'bound'>;

/** A worker's reply that carries a search's result. */
type SliceReply = Extract<WorkerReply, { result: ExploreResult }>;

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

/**
 * How long a split DPOR search runs before it starts a worker that is not running yet, when the
 * machine has no core to spare for it (see exploreParts).
 */
const JOIN_AFTER_MS = 1500;

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

  /** Explores one slice on worker `k` (started if needed). */
  slice(k: number, task: WorkerTask, watching?: Watching): Promise<WorkerReply> {
    return this.send(k, task, watching);
  }

  /** Runs one job on worker `k` (started if needed); with `watching`, under the watchdog. */
  send(k: number, task: WorkerJob, watching?: Watching): Promise<WorkerReply> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the worker pool is closed' });
    const thread = this.slot(k);
    const id = this.nextId++;
    thread.worker.ref(); // a pending request keeps the process alive
    const heartbeat = watching !== undefined ? newHeartbeat(watching.maxSteps) : undefined;
    return new Promise<WorkerReply>((resolve) => {
      const now = performance.now();
      thread.waiting.set(id, { resolve, started: now, lastPulse: 0, lastChange: now, lastSchedules: 0,
        ...(heartbeat ? { reader: new HeartbeatReader(heartbeat), watching } : {}) });
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
      const { id, reply, located } = message;
      const pending = thread.waiting.get(id);
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

/**
 * Whether a search split among `count` threads is handed out in parts (DPOR, exploreParts), each
 * thread joining when it is free, rather than cut into `count` fixed slices all run at once: not
 * when a budget must be shared out (--max-schedules).
 */
export function takesParts(options: { readonly strategy?: string; readonly maxSchedules?: number }, count: number): boolean {
  return options.strategy === 'dpor' && count > 1 && options.maxSchedules === undefined;
}

/**
 * Explores one scenario on `count` threads, each a deterministic slice of the same search, and
 * merges the results. The failure reported is the one at the lowest execution index — the one
 * a single thread finds — whatever the count. With the scenario at hand (`local`) this thread
 * explores slice 0 itself. Without a `pool`, one is started for this search and closed after.
 * With `watching`, a slice stopped by the watchdog fails the search
 * with a SliceError carrying the stall.
 */
export async function exploreInWorkers(search: SplitSearch, local?: Scenario, pool?: WorkerPool, watching?: Watching): Promise<ExploreResult> {
  const own = pool ?? new WorkerPool();
  try {
    // DPOR is cut into parts the workers take as they go, unless a budget must be shared out (--max-schedules: fixed slices).
    if (takesParts(search.options, search.count)) {
      return await exploreParts(search, own, local, watching);
    }
    const bound = newBound();
    const first = local === undefined ? 0 : 1;
    const remote = Array.from({ length: search.count - first }, (_, k) => own.slice(k, { ...search, index: k + first, bound }, watching));
    const here = local === undefined ? [] : [exploreSlice(local, search.options, 0, search.count, new BigInt64Array(bound))
      .then((result): WorkerReply => ({ ok: true, result }))];
    const replies = await Promise.all([...here, ...remote]);
    const stalled = replies.find((r): r is Extract<WorkerReply, { ok: false }> => !r.ok && r.stalled !== undefined);
    const failed = stalled ?? replies.find((r): r is Extract<WorkerReply, { ok: false }> => !r.ok);
    if (failed) throw new SliceError(failed.error, failed.user ?? false, failed.stalled);
    const results = replies.map((r) => (r as SliceReply).result);
    if (!results.some((r) => r.wholeNeeded)) return mergeResults(results);
    // A DPOR slice found a failure (or its split does not hold): the whole search says which one comes first.
    return await searchWhole(search, own, local, watching);
  } finally {
    if (pool === undefined) await own.close();
  }
}


/**
 * A DPOR search split among `search.count` threads that take its parts as they become free
 * (DporPart, explorePart): the first part is the whole search, cut after its first executions;
 * a part taken when none waits is cut again, so that no thread runs out of work while another
 * has much left. The parts are exactly the search's traces, each once, whichever thread runs
 * which; a part that finds a failure, or whose pivots do not hold, hands the search back whole,
 * which one thread then runs (the failure reported is the unsplit search's first).
 */
async function exploreParts(search: SplitSearch, pool: WorkerPool, local: Scenario | undefined, watching: Watching | undefined): Promise<ExploreResult> {
  const bound = newBound();
  const waiting = new SharedArrayBuffer(4);
  const queue: PartSpec[] = [{ pivots: [], named: null, depth: 0 }];
  const results: ExploreResult[] = [];
  const running = new Map<number, number>(); // thread → executions of its current part so far
  const used = new Set<number>(); // the threads that ran a part (one, when the others never joined)
  let counted = 0; // executions of the parts that ended (for progress)
  let failed: Extract<WorkerReply, { ok: false }> | null = null;
  let thrown: { error: unknown } | null = null;
  let whole = false;
  const threads = search.count;
  const runPart = (k: number, spec: PartSpec): Promise<WorkerReply> => {
    const part = { spec, waiting };
    // Progress: executions so far over every part, those of parts that were cut again included.
    const progress = watching?.onProgress;
    const watch = watching && { ...watching, ...(progress ? { onProgress: (n: number, caveats: number) => {
      running.set(k, n);
      progress(counted + [...running.values()].reduce((a, b) => a + b, 0), caveats);
    } } : {}) };
    if (local !== undefined && k === threads - 1) {
      return exploreSlice(local, search.options, 0, threads, new BigInt64Array(bound), part).then((result): WorkerReply => ({ ok: true, result }));
    }
    return pool.slice(k, { ...search, index: k, bound, part }, watch);
  };
  let joinTimer: ReturnType<typeof setTimeout> | undefined;
  await new Promise<void>((done) => {
    let busy = 0;
    const idle: number[] = [];
    // Threads that run parts or will (booting): while there is one, `waiting` says so when no part
    // waits (ALONE): its parts are cut only for the threads still to come (explorePart).
    let threadsIn = 0;
    const signal = (): void => void Atomics.store(new Int32Array(waiting), 0, threadsIn > 1 || queue.length > 0 ? queue.length : ALONE);
    const next = (k: number): void => {
      const spec = failed || thrown || whole ? undefined : queue.shift();
      signal();
      if (spec === undefined) {
        idle.push(k);
        if (busy === 0) done();
        return;
      }
      used.add(k);
      busy++;
      void runPart(k, spec).then((reply) => {
        busy--;
        running.delete(k);
        if (!reply.ok) {
          failed ??= reply;
          lowerBound(new BigInt64Array(bound), -1);
        } else {
          const { result } = reply as SliceReply;
          counted += result.schedulesRun;
          if (result.wholeNeeded) {
            whole = true;
            lowerBound(new BigInt64Array(bound), -1);
          } else if (result.cut) {
            queue.unshift(...result.cut);
          } else {
            results.push(result);
          }
        }
        // Threads that found nothing to take take the new parts first.
        for (const j of idle.splice(0)) next(j);
        next(k);
      }, (e: unknown) => {
        // This thread's own part threw (a scenario the user must fix): the search ends with it.
        busy--;
        thrown ??= { error: e };
        lowerBound(new BigInt64Array(bound), -1);
        next(k);
      });
    };
    // A worker takes parts once it has booted; until then the others take them (and cut theirs
    // for it). One not started yet starts at once when the machine has a core for every thread
    // and one to spare, else only if the search still runs after JOIN_AFTER_MS: it would boot and
    // warm up on the cores the others explore on (about 1.5 s of a core's time, measured on two
    // cores: docs/benchmarks.md), which a shorter search does not win back.
    let joining = 0;
    const join = (k: number): void => {
      joining++;
      threadsIn++;
      signal();
      void pool.whenBooted(k).then((why) => {
        joining--;
        if (why === null) return next(k);
        threadsIn--;
        signal();
        if (joining === 0 && busy === 0 && results.length === 0) {
          failed ??= { ok: false, error: why }; // no worker could start: the search cannot run
          done();
        }
      });
    };
    const later: number[] = [];
    for (let k = 0; k < threads; k++) {
      if ((local !== undefined && k === threads - 1) || pool.booted(k)) {
        threadsIn++;
        next(k);
      } else if (pool.started(k) || (k === 0 && local === undefined)) join(k);
      else later.push(k);
    }
    if (later.length > 0) {
      joinTimer = setTimeout(() => later.forEach(join), availableParallelism() > threads ? 0 : JOIN_AFTER_MS);
      joinTimer.unref();
    }
  });
  clearTimeout(joinTimer);
  if (thrown !== null) throw (thrown as { error: unknown }).error;
  if (failed !== null) {
    const f: Extract<WorkerReply, { ok: false }> = failed;
    throw new SliceError(f.error, f.user ?? false, f.stalled);
  }
  if (!whole) return mergeResults(results, { over: plural(used.size, 'worker'), piece: 'part' });
  // A part found a failure (or its pivots do not hold): the whole search says which one comes first.
  return searchWhole(search, pool, local, watching);
}

/** The unsplit search, in this thread when it has the scenario, else in worker 1. */
async function searchWhole(search: SplitSearch, pool: WorkerPool, local: Scenario | undefined, watching: Watching | undefined): Promise<ExploreResult> {
  if (local !== undefined) return exploreSlice(local, search.options, 0, 1, new BigInt64Array(newBound()));
  const whole = await pool.slice(0, { ...search, index: 0, count: 1, bound: newBound() }, watching);
  if (!whole.ok) throw new SliceError(whole.error, whole.user ?? false, whole.stalled);
  return (whole as SliceReply).result;
}
