import { FixedDraws } from '../draws.ts';
import type { ChoiceContext, Strategy } from '../strategy.ts';
import type { TaskId } from '../types.ts';

interface Frame {
  /** Runnable tasks at this step, in the order they are tried: the running task first. */
  readonly options: readonly TaskId[];
  /** Index into options of the current choice. */
  at: number;
  /** Preemptions made before this step. */
  readonly before: number;
  /** Whether choosing options[k] here is a preemption. */
  readonly preempts: readonly boolean[];
}

export interface DfsOptions {
  /**
   * At most this many preemptions per schedule (CHESS-style context bounding). Undefined:
   * iterative deepening — bound 0, then 1, 2, … until a bound cuts nothing, so the first failure
   * found has the fewest preemptions.
   */
  readonly preemptionBound?: number;
  /** Seeds the values `random()` returns (see FixedDraws); default '1'. */
  readonly seed?: string;
}

/**
 * Depth-first search over every schedule, without remembering visited ones: only the current
 * path (one frame per scheduling point) is kept, so memory is O(depth), not O(schedules). Each
 * execution replays the path's prefix and takes the next untried choice at its deepest frame.
 */
export class DfsStrategy implements Strategy {
  readonly name = 'dfs';
  private readonly path: Frame[] = [];
  private started = false;
  private bound: number;
  private readonly deepening: boolean;
  /** Some option was skipped because of the bound in the current round. */
  private cut = false;
  /** Every schedule within the bound has been run. */
  private finished = false;
  /**
   * The current execution repeats a schedule of an earlier, lower-bound round (it has fewer
   * preemptions than the bound): it runs only to rediscover the tree, and is not counted again.
   */
  private repeat = false;
  private readonly draws: FixedDraws;
  /** A proof: every schedule has been run, no bound cut any, and no value was drawn. */
  get complete(): boolean {
    return this.finished && !this.cut && !this.draws.used;
  }
  get probeOnly(): boolean {
    return this.repeat;
  }
  /** The bound the search is exploring (iterative deepening raises it). */
  get preemptionBound(): number {
    return this.bound;
  }
  /** Whether the finished search was limited by a preemption bound that cut some schedule. */
  get boundCut(): boolean {
    return this.cut;
  }

  constructor(options: DfsOptions = {}) {
    this.deepening = options.preemptionBound === undefined;
    this.bound = options.preemptionBound ?? 0;
    if (!Number.isInteger(this.bound) || this.bound < 0) throw new RangeError(`preemption bound must be a whole number ≥ 0`);
    this.draws = new FixedDraws(options.seed ?? '1');
  }

  newExecution(): boolean {
    this.draws.reset();
    if (!this.started) {
      this.started = true;
      return true;
    }
    const planned = this.advance();
    if (planned >= 0) {
      // After the advanced frame every choice is the first option, never a preemption: the
      // execution has exactly `planned` preemptions.
      this.repeat = this.deepening && planned < this.bound;
      return true;
    }
    // This round is over. A deeper round is needed only if the bound cut something.
    if (this.deepening && this.cut) {
      this.bound++;
      this.cut = false;
      this.path.length = 0;
      this.repeat = true; // the round starts with the schedule without preemptions, run in round 0
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
      return this.draws.chose(frame.options[frame.at]!);
    }
    const current = ctx.current !== null && ctx.runnable.includes(ctx.current) ? ctx.current : null;
    const options = current === null ? [...ctx.runnable] : [current, ...ctx.runnable.filter((t) => t !== current)];
    const preempts = options.map((t) => current !== null && t !== current);
    const before = step === 0 ? 0 : this.preemptionsThrough(step - 1);
    this.path.push({ options, at: 0, before, preempts });
    return this.draws.chose(options[0]!);
  }

  nextRandom(): number {
    return this.draws.next();
  }

  coverage(schedules: number): string {
    const n = schedules.toLocaleString('en');
    const drawn = this.draws.used ? this.draws.caveat() : '';
    if (this.finished && !this.cut) {
      const deepened = this.deepening ? ` (deepened to preemption bound ${this.bound})` : '';
      return drawn ? `explored all ${n} schedules${deepened}${drawn}` : `verified: ${n} schedules, complete${deepened}`;
    }
    if (this.finished) return `no failure within preemption bound ${this.bound}, ${n} schedules${drawn}`;
    return `no failure in ${n} schedules (search cut by --max-schedules at preemption bound ${this.bound}: not a proof)${drawn}`;
  }

  private preemptionsThrough(step: number): number {
    const f = this.path[step]!;
    return f.before + (f.preempts[f.at] ? 1 : 0);
  }

  /**
   * Moves to the next untried option at the deepest frame that has one. Returns the preemptions
   * made through that frame, or -1 when no option is left.
   */
  private advance(): number {
    while (this.path.length > 0) {
      const frame = this.path[this.path.length - 1]!;
      for (let k = frame.at + 1; k < frame.options.length; k++) {
        const preemptions = frame.before + (frame.preempts[k] ? 1 : 0);
        if (preemptions > this.bound) {
          this.cut = true;
          continue;
        }
        frame.at = k;
        return preemptions;
      }
      this.path.pop();
    }
    return -1;
  }
}
