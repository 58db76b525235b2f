import seedrandom from 'seedrandom';
import type { ChoiceContext, SearchStrategy } from '../strategy.ts';
import type { TaskId } from '../types.ts';

/** A PRNG from seedrandom: the only source of randomness in heddle. */
export type Prng = seedrandom.PRNG;

export function prng(seed: string): Prng {
  return seedrandom.alea(seed) as Prng;
}

/**
 * A draw in [0, 1) with 32 bits, so that a recorded draw replays bit for bit. Alea's outputs
 * are already multiples of 2^-32 (its state is), so this is the PRNG's own output: the same
 * number as `(rng.int32() >>> 0) / 2^32`, without a second call and two conversions per step
 * (test/scheduler/draw.test.ts holds seedrandom to that).
 */
export function draw(rng: Prng): number {
  return rng();
}

/**
 * Execution seeds: the first execution uses the run seed itself, so `--seed S` with the seed
 * printed for a failing execution reruns exactly that execution first; later ones are derived.
 */
export class SeedSequence {
  private readonly master: Prng;
  private first = true;
  constructor(private readonly seed: string) {
    this.master = prng(`heddle-seeds:${seed}`);
  }
  next(): string {
    if (this.first) {
      this.first = false;
      return this.seed;
    }
    return String(this.master.int32() >>> 0);
  }
  /** Passes over one seed without making its string. */
  skip(): void {
    if (this.first) this.first = false;
    else this.master.int32();
  }
}

/**
 * A strategy driven by one PRNG per execution, seeded from the run's seed sequence (`salt`
 * keeps strategies that share a seed from drawing the same numbers).
 */
export abstract class SeededStrategy implements SearchStrategy {
  abstract readonly name: string;
  private readonly seeds: SeedSequence;
  protected rng: Prng;
  executionSeed = '';

  constructor(seed: string, private readonly salt = '') {
    this.seeds = new SeedSequence(seed);
    this.rng = prng(seed);
  }

  newExecution(): boolean {
    this.executionSeed = this.seeds.next();
    this.rng = prng(`${this.salt}${this.executionSeed}`);
    return true;
  }

  /** Another slice runs it: seeding its PRNG would cost a microsecond, a tenth of a short execution. */
  skipExecution(): boolean {
    this.seeds.skip();
    return true;
  }

  abstract nextTask(ctx: ChoiceContext): TaskId;

  nextRandom(): number {
    return draw(this.rng);
  }
}

/** Uniform random choice among runnable tasks at every scheduling point. */
export class RandomStrategy extends SeededStrategy {
  readonly name = 'random';

  nextTask(ctx: ChoiceContext): TaskId {
    const { runnable } = ctx;
    return runnable.length === 1 ? runnable[0]! : runnable[Math.floor(draw(this.rng) * runnable.length)]!;
  }
}
