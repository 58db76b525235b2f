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
  /** A proof: every schedule has been run and no bound cut any. */
  get complete(): boolean {
    return this.finished && !this.cut;
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
  }

  newExecution(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
    }
    if (this.advance()) return true;
    // This round is over. A deeper round is needed only if the bound cut something.
    if (this.deepening && this.cut) {
      this.bound++;
      this.cut = false;
      this.path.length = 0;
      return true;
    }
    this.finished = true;
    return false;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    const step = ctx.step;
    if (step < this.path.length) {
      const frame = this.path[step]!;
      return frame.options[frame.at]!;
    }
    const current = ctx.current !== null && ctx.runnable.includes(ctx.current) ? ctx.current : null;
    const options = current === null ? [...ctx.runnable] : [current, ...ctx.runnable.filter((t) => t !== current)];
    const preempts = options.map((t) => current !== null && t !== current);
    const before = step === 0 ? 0 : this.preemptionsThrough(step - 1);
    this.path.push({ options, at: 0, before, preempts });
    return options[0]!;
  }

  nextRandom(): number {
    return 0; // exhaustive search does not sample: scenarios that draw get a fixed value
  }

  coverage(schedules: number): string {
    const n = schedules.toLocaleString('en');
    if (this.complete) return `verified: ${n} schedules, complete${this.deepening ? ` (deepened to preemption bound ${this.bound})` : ''}`;
    if (this.finished) return `no failure within preemption bound ${this.bound}, ${n} schedules`;
    return `no failure in ${n} schedules (search cut by --max-schedules at preemption bound ${this.bound})`;
  }

  private preemptionsThrough(step: number): number {
    const f = this.path[step]!;
    return f.before + (f.preempts[f.at] ? 1 : 0);
  }

  /** Moves to the next untried option at the deepest frame that has one; false when none is left. */
  private advance(): boolean {
    while (this.path.length > 0) {
      const frame = this.path[this.path.length - 1]!;
      for (let k = frame.at + 1; k < frame.options.length; k++) {
        if (frame.before + (frame.preempts[k] ? 1 : 0) > this.bound) {
          this.cut = true;
          continue;
        }
        frame.at = k;
        return true;
      }
      this.path.pop();
    }
    return false;
  }
}
