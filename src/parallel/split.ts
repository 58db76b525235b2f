// Split searches: one scenario's search explored on several threads of a WorkerPool — fixed
// slices all run at once, or (DPOR) parts the threads take as they become free — and the results
// merged into the unsplit search's.
import { availableParallelism } from 'node:os';
import type { ExploreResult } from '../explore.ts';
import type { Scenario } from '../scenario.ts';
import { ALONE, exploreSlice, lowerBound, mergeResults, SliceError, newBound, type Donated, type WorkerReply, type WorkerTask } from './protocol.ts';
import type { PartSpec } from '../../scheduler/strategies/dpor-pivots.ts';
import { plural } from '../report/plural.ts';
import { WorkerPool, type Watching } from './pool.ts';
import { PartTree } from './part-tree.ts';

/** What one search asks of the pool: the whole search, before it is cut into slices. */
export type SplitSearch = Omit<WorkerTask, 'index' | 'bound'>;

/** A worker's reply that carries a search's result. */
type SliceReply = Extract<WorkerReply, { result: ExploreResult }>;

/**
 * How long a split DPOR search runs before it starts a worker that is not running yet, when the
 * machine has no core to spare for it (see exploreParts).
 */
const JOIN_AFTER_MS = 1500;

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
 * which. A part whose pivot does not hold voids the parts cut from where that pivot was made,
 * which runs again without it (PartTree); a part that finds a failure hands the search back
 * whole, which one thread then runs (the failure reported is the unsplit search's first).
 */
async function exploreParts(search: SplitSearch, pool: WorkerPool, local: Scenario | undefined, watching: Watching | undefined): Promise<ExploreResult> {
  const bound = newBound();
  const waiting = new SharedArrayBuffer(4);
  const tree = new PartTree();
  const stopFlags = new SharedArrayBuffer(4 * search.count);
  const askFlags = new SharedArrayBuffer(4 * search.count);
  const asks = new Int32Array(askFlags);
  const current = new Map<number, number>(); // thread → the part it runs
  const running = new Map<number, number>(); // thread → executions of its current part so far
  const used = new Set<number>(); // the threads that ran a part (one, when the others never joined)
  let counted = 0; // executions of the parts that ended (for progress)
  let failed: Extract<WorkerReply, { ok: false }> | null = null;
  let thrown: { error: unknown } | null = null;
  let whole = false;
  const threads = search.count;
  // Set when a part running on thread k gives work away: the part it goes on as, and the part given (taken at once by an idle thread).
  let gave: (k: number, d: Donated) => void = () => {};
  const runPart = (k: number, spec: PartSpec): Promise<WorkerReply> => {
    Atomics.store(new Int32Array(stopFlags), k, 0);
    Atomics.store(asks, k, 0);
    const part = { spec, waiting, stop: { flags: stopFlags, slot: k }, asks: { flags: askFlags, slot: k } };
    const onDonated = (d: Donated) => gave(k, d);
    // Progress: executions so far over every part, those of parts that were cut again included.
    const progress = watching?.onProgress;
    const watch = watching && { ...watching, ...(progress ? { onProgress: (n: number, caveats: number) => {
      running.set(k, n);
      progress(counted + [...running.values()].reduce((a, b) => a + b, 0), caveats);
    } } : {}) };
    if (local !== undefined && k === threads - 1) {
      return exploreSlice(local, search.options, 0, threads, new BigInt64Array(bound), part, onDonated).then((result): WorkerReply => ({ ok: true, result }));
    }
    return pool.slice(k, { ...search, index: k, bound, part }, watch, onDonated);
  };
  let joinTimer: ReturnType<typeof setTimeout> | undefined;
  await new Promise<void>((done) => {
    let busy = 0;
    const idle: number[] = [];
    // Threads that run parts or will (booting): while there is one, `waiting` says so when no part
    // waits (ALONE): its parts are cut only for the threads still to come (explorePart).
    let threadsIn = 0;
    const signal = (): void => void Atomics.store(new Int32Array(waiting), 0, threadsIn > 1 || tree.queued > 0 ? tree.queued : ALONE);
    // While a thread has nothing to take, every thread that runs a part is asked to give some of its work away.
    const ask = (): void => {
      const wanted = idle.length > 0 && tree.queued === 0 && !failed && !thrown && !whole;
      for (const j of current.keys()) Atomics.store(asks, j, wanted ? 1 : 0);
    };
    gave = (k, d) => {
      const id = current.get(k);
      if (id === undefined) return;
      current.set(k, tree.donate(id, d.kept, d.given));
      for (const j of idle.splice(0)) next(j);
      ask();
    };
    const next = (k: number): void => {
      const part = failed || thrown || whole ? undefined : tree.take();
      signal();
      if (part === undefined) {
        idle.push(k);
        if (busy === 0) done();
        else ask();
        return;
      }
      used.add(k);
      busy++;
      current.set(k, part.id);
      const reply = runPart(k, part.spec);
      ask();
      void reply.then((reply) => {
        busy--;
        running.delete(k);
        current.delete(k);
        if (!reply.ok) {
          failed ??= reply;
          lowerBound(new BigInt64Array(bound), -1);
        } else {
          const { result } = reply as SliceReply;
          counted += result.schedulesRun;
          if (result.wholeNeeded || (result.brokenPivot !== undefined && !tree.broke(part.id, result.brokenPivot))) {
            whole = true;
            lowerBound(new BigInt64Array(bound), -1);
          } else if (result.brokenPivot !== undefined) {
            // The parts now void that other threads run stop at once.
            for (const [j, id] of current) if (tree.isVoid(id)) Atomics.store(new Int32Array(stopFlags), j, 1);
          } else if (result.cut) {
            tree.cut(part.id, result.cut);
          } else {
            tree.finish(part.id, result);
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
        if (joining === 0 && busy === 0 && tree.results().length === 0) {
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
    if (availableParallelism() > threads) later.forEach(join);
    else if (later.length > 0) {
      joinTimer = setTimeout(() => later.forEach(join), JOIN_AFTER_MS);
      joinTimer.unref();
    }
  });
  clearTimeout(joinTimer);
  if (thrown !== null) throw (thrown as { error: unknown }).error;
  if (failed !== null) {
    const f: Extract<WorkerReply, { ok: false }> = failed;
    throw new SliceError(f.error, f.user ?? false, f.stalled);
  }
  if (!whole) return mergeResults(tree.results(), { over: plural(used.size, 'worker'), piece: 'part' });
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
