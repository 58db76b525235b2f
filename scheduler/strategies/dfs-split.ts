// The DFS search path, and the split of the DFS tree into units that slices (workers, shards)
// explore apart.
import { checkSlice } from '../strategy.ts';
import type { TaskId } from '../types.ts';

/** One scheduling point on the current DFS path. */
export interface Frame {
  /** Runnable tasks at this step, in the order they are tried: the default (free) choice first. */
  readonly options: readonly TaskId[];
  /** Index into options of the current choice. */
  at: number;
  /** What the schedule cost before this step (preemptions, or deviations from the wait order). */
  readonly before: number;
  /** What choosing options[k] here costs (0 or 1; option 0 costs nothing). */
  readonly costs: readonly number[];
}

/**
 * A part of the DFS tree. A schedule is a vector of option indices, one per step (0: the first
 * option, the default choice, which costs nothing); DFS meets schedules in the lexicographic order
 * of these vectors, and every unit is an interval of that order.
 */
export interface SpineUnit {
  /** The choices every schedule of the unit begins with. */
  readonly root: readonly number[];
  /** What the root costs (its spine, first options after it, costs no more). */
  readonly cost: number;
  /** `subtree`: every schedule that begins with root; `spine`: only root followed by first options. */
  kind: 'subtree' | 'spine';
  /** Place of the unit in DFS order among all units. */
  rank: number;
}

/** Subtree units per slice to aim for: enough that taking every count-th one evens out their sizes. */
const UNITS_PER_SLICE = 32;
/** At most this many units (ranks must fit in RANK_BITS). */
const MAX_UNITS = 2 ** 16;
const LOCAL_BITS = 28;
const RANK_BITS = 16;
/** Rounds of iterative deepening the index tells apart (53 − 44 bits); later rounds share the last. */
const MAX_ROUND = 2 ** (53 - LOCAL_BITS - RANK_BITS) - 1;

/**
 * Splits a DFS search into units of its tree, so slices of it run apart (worker threads,
 * `--shard i/n` on other machines) and no schedule is run (counted) twice.
 *
 * Spine units. The spine of a subtree is its schedule that takes the first option at every step
 * after the root. The whole tree is one subtree unit with an empty root. Expanding a subtree unit
 * runs its spine once (a discovery execution, probeOnly, run by every slice alike) and replaces
 * the unit with the spine alone plus one subtree unit per alternative off the spine: (step i after
 * the root, option k ≥ 1), the schedules that follow the spine before i and take option k at i.
 * Splitting by the first choice alone would not balance: under a bound almost every
 * schedule takes the first option at the first branching steps. Spine units cut the tree along
 * the whole spine instead. While there are fewer than 32×count subtree units, every subtree unit
 * is expanded one level, up to 2^16 units; under a fixed bound, units whose root already exceeds
 * the bound are neither expanded nor counted (they hold no schedule to run). Units differ widely
 * in size (an alternative near the root has the most below it): with 8×count, one level of
 * lastzero(4) under bound 2 left 70% of the schedules in four units; a second level spreads them.
 * Discovery costs one execution per expanded unit (a few dozen on the benchmark programs).
 *
 * Ownership and order. Units are ranked in DFS order (lexicographic order of their roots padded
 * with first options); slice `index` owns the units with rank mod count = index, and explores them
 * in rank order. Which units exist does not depend on the bound's round, so under
 * iterative deepening every slice deepens on its own part (when the bound cut something in it)
 * and a schedule is counted by its owner in the round of its cost — exactly once.
 * The execution index is round·2^44 + rank·2^28 + execution within the unit (capped): the order in
 * which the unsplit DFS meets its schedules (round, then DFS order), so the lowest failing index
 * over all slices is the failure the unsplit search finds first; within a slice it never decreases.
 */
export class SpineSplit {
  /** The units this slice explores, in rank order (known once discovery is over). */
  owned: SpineUnit[] = [];
  private units: SpineUnit[] = [];
  /** Subtree units still to expand at the current level, and those the level has made so far. */
  private level: SpineUnit[] = [];
  private made: SpineUnit[] = [];
  private probing: SpineUnit | null = null;
  private discovering = true;

  /** `limit`: the fixed bound, or Infinity for iterative deepening. */
  constructor(readonly index: number, readonly count: number, private readonly limit: number) {
    checkSlice(index, count);
    const whole: SpineUnit = { root: [], cost: 0, kind: 'subtree', rank: 0 };
    this.units = [whole];
    this.level = [whole];
    // One slice: the whole tree is its one unit, nothing to discover.
    if (count === 1) this.finish();
  }

  /** The unit whose spine the next discovery execution runs, or null once discovery is over. */
  nextDiscovery(): SpineUnit | null {
    if (!this.discovering) return null;
    if (this.level.length === 0) {
      const work = this.units.filter((u) => u.kind === 'subtree' && u.cost <= this.limit).length;
      if (this.made.length === 0 || work >= UNITS_PER_SLICE * this.count) {
        this.finish();
        return null;
      }
      this.level = this.made;
      this.made = [];
    }
    this.probing = this.level.shift()!;
    return this.probing;
  }

  /** Learns the spine of the unit just probed from the path of its discovery execution. */
  learn(path: readonly Frame[]): void {
    const unit = this.probing!;
    this.probing = null;
    const children: SpineUnit[] = [];
    for (let i = unit.root.length; i < path.length; i++) {
      const frame = path[i]!;
      for (let k = 1; k < frame.options.length; k++) {
        const root = [...unit.root, ...new Array<number>(i - unit.root.length).fill(0), k];
        children.push({ root, cost: frame.before + frame.costs[k]!, kind: 'subtree', rank: 0 });
      }
    }
    if (this.units.length + children.length > MAX_UNITS) {
      // No room: the unit stays whole, and so does every unit not yet expanded.
      this.level = [];
      this.made = [];
      return;
    }
    unit.kind = 'spine';
    this.units.push(...children);
    this.made.push(...children.filter((c) => c.cost <= this.limit));
  }

  /** The index of the `local`-th execution (0-based) of an owned unit in the given round. */
  executionIndex(round: number, unit: SpineUnit, local: number): number {
    return Math.min(round, MAX_ROUND) * 2 ** (RANK_BITS + LOCAL_BITS) + unit.rank * 2 ** LOCAL_BITS + Math.min(local, 2 ** LOCAL_BITS - 1);
  }

  private finish(): void {
    this.discovering = false;
    this.level = [];
    this.made = [];
    this.units.sort((a, b) => compareRoots(a.root, b.root));
    this.units.forEach((u, rank) => (u.rank = rank));
    this.owned = this.units.filter((u) => u.rank % this.count === this.index);
    this.units = []; // only the owned units are needed from here on
  }
}

/** DFS order of two units: their roots compared as if followed by first options (0) forever. */
function compareRoots(a: readonly number[], b: readonly number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
