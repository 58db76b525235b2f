import type { ChoiceContext, Strategy } from '../strategy.ts';
import type { TaskId } from '../types.ts';
import { draw, prng, SeedSequence, type Prng } from './random.ts';

/** Step count assumed before any execution has been seen. */
const INITIAL_STEP_ESTIMATE = 64;

/**
 * PCT — probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte 2010).
 * Every task gets a random priority when it appears; the highest-priority runnable task runs.
 * At d−1 random change points (steps in [1, k]) the running task drops below every initial
 * priority. A bug of depth d (d orderings that must happen in sequence) is found with
 * probability ≥ 1/(n·k^(d−1)) per execution, for n tasks and k steps; k is estimated from the
 * first execution (its step count).
 *
 * A task that yields (`yieldNow`) also drops to the bottom, so spin loops do not starve the
 * task they wait for (otherwise a fair program would look like a livelock).
 *
 * The execution seed is `<seed>/<k>`: the step estimate is part of it, so one execution replays
 * from its seed alone.
 */
export class PctStrategy implements Strategy {
  readonly name: string;
  private readonly seeds: SeedSequence;
  private rng: Prng;
  private steps = INITIAL_STEP_ESTIMATE;
  private readonly priority = new Map<TaskId, number>();
  private changePoints: number[] = [];
  private changesMade = 0;
  private lowest = 0;
  private calibrated = false;
  executionSeed = '';

  constructor(seed: string, readonly depth = 3) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`PCT depth must be a whole number ≥ 1, got ${depth}`);
    this.name = 'pct';
    this.seeds = new SeedSequence(seed);
    this.rng = prng(seed);
  }

  /** The CLI's default depth is 3: another one must be named to rerun an execution. */
  get rerunFlags(): readonly string[] {
    return this.depth === 3 ? [] : ['--depth', String(this.depth)];
  }

  skipExecution(): boolean {
    this.seeds.skip();
    return true;
  }

  newExecution(): boolean {
    const next = this.seeds.next();
    const [base, k] = next.split('/');
    const estimate = k !== undefined && /^\d+$/.test(k) ? Number(k) : this.steps;
    this.executionSeed = `${base}/${estimate}`;
    this.rng = prng(`pct:${base}`);
    this.priority.clear();
    this.changesMade = 0;
    this.lowest = 0;
    const points = new Set<number>();
    while (points.size < Math.min(this.depth - 1, estimate)) points.add(1 + Math.floor(draw(this.rng) * estimate));
    this.changePoints = [...points].sort((a, b) => a - b);
    return true;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    for (const t of ctx.live) {
      // New tasks land at a random place above the d−1 slots reserved for change points.
      if (!this.priority.has(t)) this.priority.set(t, this.depth + draw(this.rng));
    }
    if (ctx.current !== null && ctx.pending(ctx.current)?.kind === 'yield') this.demote(ctx.current);
    if (this.changePoints[this.changesMade] === ctx.step) {
      this.changesMade++;
      const top = this.highest(ctx.runnable);
      this.priority.set(top, this.depth - this.changesMade);
    }
    return this.highest(ctx.runnable);
  }

  nextRandom(): number {
    return draw(this.rng);
  }

  endExecution(result: { steps: number }): void {
    // k is learnt from the first execution only, so execution i's schedule does not depend on
    // which other executions ran before it (a split search runs different ones).
    if (this.calibrated) return;
    this.calibrated = true;
    this.steps = Math.max(result.steps, 1);
  }

  private demote(task: TaskId): void {
    this.priority.set(task, --this.lowest - this.depth);
  }

  private highest(runnable: readonly TaskId[]): TaskId {
    let best = runnable[0]!;
    for (const t of runnable) if (this.priority.get(t)! > this.priority.get(best)!) best = t;
    return best;
  }
}
