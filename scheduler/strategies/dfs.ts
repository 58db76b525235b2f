import { FixedDraws } from '../draws.ts';
import { SpineSplit, type Frame, type SpineUnit } from './dfs-split.ts';
import { ScheduleDivergence, type ChoiceContext, type SearchStrategy } from '../strategy.ts';
import { WaitOrder } from './wait-order.ts';
import type { TaskId } from '../types.ts';

export interface DfsOptions {
  /**
   * At most this many preemptions per schedule (CHESS-style context bounding), and no deepening.
   * Undefined: iterative deepening over deviations from a default order (see WaitOrder) — bound
   * 0 (that one schedule), then 1, 2, … until a bound cuts nothing — so the first failure found
   * departs least from it. (Deepening over preemptions instead runs every order of n tasks, n!
   * schedules, before the first preemption: a one-preemption bug among ten tasks is out of reach.)
   */
  readonly preemptionBound?: number;
  /** Seeds the values `random()` returns (see FixedDraws); default '1'. */
  readonly seed?: string;
  /** Explore only this slice of the tree (worker threads, `--shard`): see SpineSplit. */
  readonly slice?: { readonly index: number; readonly count: number };
}

/**
 * Depth-first search over every schedule, without remembering visited ones: only the current
 * path (one frame per scheduling point) is kept, so memory is O(depth), not O(schedules). Each
 * execution replays the path's prefix and takes the next untried choice at its deepest frame.
 * A sliced search explores its own units of the tree one after another (see SpineSplit): each
 * unit fixes a root, the choices its schedules begin with, and the search backtracks only below it.
 * A slice also keeps its units' roots: O(units × depth), at most 2^16 units.
 */
export class DfsStrategy implements SearchStrategy {
  readonly name = 'dfs';
  private readonly path: Frame[] = [];
  private started = false;
  private bound: number;
  /** Iterative deepening over deviations from the wait order (no fixed preemption bound given). */
  private readonly deepening: boolean;
  private readonly waits = new WaitOrder();
  /** Some option was skipped because of the bound in the current round. */
  private cut = false;
  /** Every schedule within the bound has been run. */
  private finished = false;
  /**
   * The current execution repeats a schedule of an earlier, lower-bound round (it costs less
   * than the bound): it runs only to rediscover the tree, and is not counted again.
   */
  private repeat = false;
  private readonly draws: FixedDraws;
  /** Only for a sliced search: its units, and where it is among them. */
  private readonly split: SpineSplit | null;
  private unit: SpineUnit | null = null;
  private unitAt = -1;
  /** Executions run so far in the current unit and round (for executionIndex). */
  private local = 0;
  /** The current execution runs a spine to expand the split, in every slice alike. */
  private discovery = false;
  /** Choices forced from the first step (the current unit's root); backtracking stays below them. */
  private root: readonly number[] = [];
  /** A proof: every schedule (of the slice) has been run, no bound cut any, and no value was drawn. */
  get complete(): boolean {
    return this.finished && !this.cut && !this.draws.used;
  }
  get probeOnly(): boolean {
    return this.repeat || this.discovery;
  }
  /** For a sliced search only: the execution's place in the unsplit search (see SpineSplit). */
  get executionIndex(): number | undefined {
    if (this.split === null) return undefined;
    if (this.discovery || this.unit === null) return 0;
    return this.split.executionIndex(this.deepening ? this.bound : 0, this.unit, this.local);
  }

  constructor(options: DfsOptions = {}) {
    this.deepening = options.preemptionBound === undefined;
    this.bound = options.preemptionBound ?? 0;
    if (!Number.isInteger(this.bound) || this.bound < 0) throw new RangeError(`preemption bound must be a whole number ≥ 0`);
    this.draws = new FixedDraws(options.seed ?? '1');
    const slice = options.slice;
    this.split = slice ? new SpineSplit(slice.index, slice.count, this.deepening ? Number.POSITIVE_INFINITY : this.bound) : null;
  }

  newExecution(): boolean {
    this.draws.reset();
    this.waits.reset();
    if (this.split !== null) return this.nextSliced(this.split);
    if (!this.started) {
      this.started = true;
      return true;
    }
    const planned = this.advance();
    if (planned >= 0) {
      // After the advanced frame every choice is the first option, which costs nothing: the
      // execution costs exactly `planned`.
      this.repeat = this.deepening && planned < this.bound;
      return true;
    }
    // This round is over. A deeper round is needed only if the bound cut something.
    if (this.deepening && this.cut) {
      this.bound++;
      this.cut = false;
      this.path.length = 0;
      this.repeat = true; // the round starts with the schedule of cost 0, run in round 0
      return true;
    }
    this.repeat = false;
    this.finished = true;
    return false;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    const step = ctx.step;
    if (step < this.path.length) {
      const frame = this.path[step]!;
      return this.chose(ctx, frame.options[frame.at]!);
    }
    let options: TaskId[];
    let costs: number[];
    if (this.deepening) {
      // The default order's choice first and free; any other choice is one deviation.
      options = this.waits.order(ctx);
      costs = options.map((_, k) => (k === 0 ? 0 : 1));
    } else {
      const current = ctx.current !== null && ctx.runnable.includes(ctx.current) ? ctx.current : null;
      options = current === null ? [...ctx.runnable] : [current, ...ctx.runnable.filter((t) => t !== current)];
      costs = options.map((t) => (current !== null && t !== current ? 1 : 0));
    }
    const before = step === 0 ? 0 : this.costThrough(step - 1);
    const at = this.root[step] ?? 0;
    if (at >= options.length) throw new ScheduleDivergence(`step ${step}: the split search expected ${at + 1} runnable tasks, found ${options.length}`);
    this.path.push({ options, at, before, costs });
    return this.chose(ctx, options[at]!);
  }

  private chose(ctx: ChoiceContext, task: TaskId): TaskId {
    if (this.deepening) this.waits.ran(ctx, task); // only deviations are measured against the wait order
    return this.draws.chose(task);
  }

  nextRandom(): number {
    return this.draws.next();
  }

  coverage(schedules: number): string {
    const n = `${schedules.toLocaleString('en')} schedule${schedules === 1 ? '' : 's'}`;
    const drawn = this.draws.used ? this.draws.caveat() : '';
    const of = this.split === null ? '' : ` of slice ${this.split.index + 1}/${this.split.count}`;
    const bound = this.deepening ? `deviation bound ${this.bound}` : `preemption bound ${this.bound}`;
    if (this.finished && !this.cut) {
      const deepened = this.deepening ? ` (deepened to ${bound})` : '';
      return drawn ? `explored all ${n}${of}${deepened}${drawn}` : `verified: ${n}${of}, complete${deepened}`;
    }
    if (this.finished) return `no failure within ${bound}, ${n}${of}${drawn}`;
    return `no failure in ${n}${of} (search cut by --max-schedules at ${bound}: not a proof)${drawn}`;
  }

  /**
   * A sliced search: discovery runs first (in every slice alike), then each owned unit in rank
   * order — a spine unit is one schedule, a subtree unit a DFS below its root — round by round.
   */
  private nextSliced(split: SpineSplit): boolean {
    if (this.discovery) split.learn(this.path);
    const probe = split.nextDiscovery();
    this.discovery = probe !== null;
    if (probe !== null) {
      this.start(probe.root);
      this.repeat = false;
      return true;
    }
    if (this.unit?.kind === 'subtree') {
      const planned = this.advance();
      if (planned >= 0) {
        this.repeat = this.deepening && planned < this.bound;
        this.local++;
        return true;
      }
    }
    for (;;) {
      while (++this.unitAt < split.owned.length) {
        const unit = split.owned[this.unitAt]!;
        if (unit.cost > this.bound) {
          this.cut = true; // the whole unit lies beyond the bound
          continue;
        }
        // A spine schedule of an earlier round was counted then; nothing below it to rediscover.
        if (unit.kind === 'spine' && this.deepening && unit.cost < this.bound) continue;
        this.unit = unit;
        this.local = 0;
        this.start(unit.root);
        this.repeat = this.deepening && unit.cost < this.bound;
        return true;
      }
      if (!(this.deepening && this.cut)) break;
      // Deepen this slice's part: its own units were cut by the bound.
      this.bound++;
      this.cut = false;
      this.unitAt = -1;
    }
    this.unit = null;
    this.repeat = false;
    this.finished = true;
    return false;
  }

  /** The next execution begins with `root` and takes first options after it. */
  private start(root: readonly number[]): void {
    this.root = root;
    this.path.length = 0;
  }

  private costThrough(step: number): number {
    const f = this.path[step]!;
    return f.before + f.costs[f.at]!;
  }

  /**
   * Moves to the next untried option at the deepest frame below the root that has one within the
   * bound. Returns the cost of the schedule through that frame, or -1 when no option is left.
   */
  private advance(): number {
    while (this.path.length > this.root.length) {
      const frame = this.path[this.path.length - 1]!;
      for (let k = frame.at + 1; k < frame.options.length; k++) {
        const cost = frame.before + frame.costs[k]!;
        if (cost > this.bound) {
          this.cut = true;
          continue;
        }
        frame.at = k;
        return cost;
      }
      this.path.pop();
    }
    return -1;
  }
}
