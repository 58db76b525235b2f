// DPOR's search state, and its split into subtrees that slices (workers, shards) explore apart.
import { rememberEvent, type Access, type DporEvent } from '../dependence.ts';
import { checkSlice } from '../strategy.ts';
import type { WakeupTree } from './wakeup.ts';
import type { TaskId } from '../types.ts';

/** One state on the current path. */
export interface Frame {
  /** Tasks runnable here (copied: the context's array is reused). */
  readonly runnable: readonly TaskId[];
  /** The next op of every live task here, for the sleep set of the next frame. */
  readonly next: ReadonlyMap<TaskId, Access>;
  /** Tasks asleep on entering: exploring them here would repeat an explored trace. */
  readonly sleep: ReadonlyMap<TaskId, DporEvent>;
  /**
   * The wakeup tree: sequences to explore from here, in order (grows as races are found). The
   * first is the branch being explored; it leaves when its subtree is done.
   */
  readonly wakeup: WakeupTree;
  /** Tasks already explored from here, with the event each produced. */
  readonly done: Map<TaskId, DporEvent>;
  chosen: TaskId;
  /** The event the chosen task produced in the current execution. */
  event: DporEvent | null;
  /**
   * Objects with an id below this were in use before this state, so they keep their ids in every
   * execution through it; ids at or above it follow this execution's order of first use.
   */
  readonly known: number;
}

/**
 * Splits a DPOR search into independent subtrees, so slices of it run apart (worker threads,
 * `--shard i/n` on other machines) and no trace is explored twice. The root is the first step
 * with two or more runnable tasks; every choice there gets a subtree (all of them: a superset of
 * DPOR's source set is sound), explored in ascending task order. A subtree starts with the
 * earlier choices in its sleep set — as a single DPOR run would — so together the subtrees run
 * each Mazurkiewicz trace exactly once, and the same traces whatever the number of slices. The
 * events of the root choices are learnt by short probe executions, run in every slice.
 *
 * Execution indices order the whole search (subtree, then execution within it): the lowest
 * failing index is what an unsplit search meets first.
 *
 * Balance is not promised: when the root choices commute, sleep sets leave every subtree but the
 * first nearly empty (lastzero(5) over 2 slices: 64 traces and 0). Splitting deeper levels too
 * (every awake option of each) balanced that, but every search, unsplit ones included, then ran
 * the options DPOR would have skipped: five times the sleep-set-blocked executions and 2.5 times
 * the time on lastzero(10). The unsplit search is the common case, so the split stays here.
 *
 * Also tried (issue #18): an upper tree expanded fully in split searches only, down to a frontier
 * where the product of the awake counts reaches 64, its leaves shared out as subtrees, optimal
 * DPOR below as today with the sleep sets the upper tree hands down, and races whose first event
 * lies above the frontier dropped. Two findings. (1) It is not sound with optimal DPOR below:
 * a reversal there is skipped when a sleeper commutes with its sequence (weakInitial), which is
 * sound only because the sleeper's own races, above, get reversed into the tree with the whole
 * notdep order; with those dropped, classes go missing (lastzero(3), frontier at a product of 5:
 * 5 of 12 classes). Skipping for a handed-down sleeper only when it starts the sequence mends
 * that case but not deeper frontiers (lastzero(4), product 1,000: 25 of 28). (2) Even where the
 * counts came out right it loses: sleep sets leave most subtrees dead (every execution blocked),
 * so the live traces stay lopsided or the blocked executions outweigh them — over 2 slices,
 * lastzero(10) 512/2,816 traces with 4,340 blocked, readers(12) 1/4,095 (at 1,000: 2,048/2,048
 * with 14,451 blocked), filesystem(18) 32/0 — no slice faster than the unsplit search.
 * Optimal DPOR's tree grows from races found below, so a balanced split needs either the
 * exploration's order (dynamic sharing, which Simsa et al. pay for with redundancy and results
 * that depend on timing) or a search whose executions have fixed parents (TruSt).
 */
export class SubtreeSplit {
  /** Depth of the root step; -1 while unknown or when the tree never branches. */
  root = -1;
  probeOnly = false;
  executionIndex = 0;
  private phase: 'discover' | 'probe' | 'explore' | 'done' = 'discover';
  private prefix: Frame[] = [];
  private options: TaskId[] = [];
  private readonly events = new Map<TaskId, DporEvent>();
  private subtree = -1;
  private local = 0;
  private stopAt = -1;
  /** How many objects there were when the current probe stopped (after the root step). */
  private madeBy = Number.POSITIVE_INFINITY;

  constructor(readonly index: number, readonly count: number) {
    checkSlice(index, count);
  }

  /** The discovery and the probes are not part of any subtree; `objects`: how many exist at `step`. */
  stopsAt(step: number, objects: number): boolean {
    if (step !== this.stopAt) return false;
    this.madeBy = objects;
    return true;
  }

  /** Learns from a finished execution; true when it was a probe (or the discovery run). */
  learn(path: Frame[]): boolean {
    if (this.phase === 'discover') {
      this.root = path.findIndex((f) => f.runnable.length > 1);
      if (this.root < 0) {
        // One schedule only: it belongs to the first slice.
        this.probeOnly = this.index !== 0;
        this.phase = 'done';
        return true;
      }
      this.prefix = path.slice(0, this.root + 1).map((f) => ({ ...f, wakeup: f.wakeup.fresh(f.chosen), done: new Map() }));
      this.options = [...path[this.root]!.runnable];
      this.learnEvent(path[this.root]!, path[this.root + 1]?.known ?? Number.POSITIVE_INFINITY);
      this.phase = 'probe';
      this.probeOnly = true;
      return true;
    }
    if (this.phase === 'probe') {
      this.learnEvent(path[this.root]!, this.madeBy);
      return true;
    }
    return false;
  }

  /**
   * Keeps the event of a root choice for the later subtrees' sleep sets, without its accesses to
   * objects its step made itself (ids from the root's `known` up to `made`, the count after the
   * step): no event before it can touch those, and kept they would be wildcards (rememberEvent)
   * that wake the sleeper at once, so a later subtree would run traces an earlier one ran.
   */
  private learnEvent(root: Frame, made: number): void {
    const own = (object: number) => object >= root.known && object < made;
    const event = root.event!;
    this.events.set(root.chosen, rememberEvent({ task: event.task, accesses: event.accesses.filter((a) => !own(a.object)) }, root.known));
  }

  /** Whether this slice is exploring the first subtree (the root's lowest choice). */
  get inFirstSubtree(): boolean {
    return this.phase === 'explore' && this.subtree === 0;
  }

  /** True while probes or subtrees remain to be started. */
  pending(): boolean {
    return this.phase === 'probe';
  }

  /** Sets up the next probe or the next owned subtree on `path`; false when all are done. */
  next(path: Frame[], setReplayed: (depth: number) => void): boolean {
    if (this.phase === 'probe') {
      const todo = this.options.find((t) => !this.events.has(t));
      if (todo !== undefined) {
        this.load(path, todo, new Map());
        this.stopAt = this.root + 1;
        this.probeOnly = true;
        setReplayed(this.root);
        return true;
      }
      this.phase = 'explore';
    }
    if (this.phase !== 'explore') return false;
    this.stopAt = -1;
    for (let k = this.subtree + 1; k < this.options.length; k++) {
      if (k % this.count !== this.index) continue;
      this.subtree = k;
      this.local = 0;
      const done = new Map<TaskId, DporEvent>();
      for (const earlier of this.options.slice(0, k)) done.set(earlier, this.events.get(earlier)!);
      this.load(path, this.options[k]!, done);
      this.probeOnly = false;
      this.executionIndex = k * 2 ** 24;
      setReplayed(this.root);
      return true;
    }
    this.phase = 'done';
    return false;
  }

  /** Counts an execution inside the current subtree (for executionIndex). */
  advance(): void {
    if (this.phase === 'explore') this.executionIndex = this.subtree * 2 ** 24 + ++this.local;
  }

  private load(path: Frame[], choice: TaskId, done: Map<TaskId, DporEvent>): void {
    path.length = 0;
    for (const f of this.prefix.slice(0, this.root)) path.push({ ...f, wakeup: f.wakeup.fresh(f.chosen), done: new Map() });
    const root = this.prefix[this.root]!;
    path.push({ ...root, chosen: choice, event: null, wakeup: root.wakeup.fresh(choice), done });
  }
}
