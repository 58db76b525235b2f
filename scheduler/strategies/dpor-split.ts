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
  private probing = -1;
  private subtree = -1;
  private local = 0;
  private stopAt = -1;

  constructor(private readonly index: number, private readonly count: number) {
    checkSlice(index, count);
  }

  /** The discovery and the probes are not part of any subtree. */
  stopsAt(step: number): boolean {
    return step === this.stopAt;
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
      this.events.set(path[this.root]!.chosen, rememberEvent(path[this.root]!.event!, path[this.root]!.known));
      this.phase = 'probe';
      this.probeOnly = true;
      return true;
    }
    if (this.phase === 'probe') {
      this.events.set(path[this.root]!.chosen, rememberEvent(path[this.root]!.event!, path[this.root]!.known));
      return true;
    }
    return false;
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
