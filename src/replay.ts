import { decodeToken, scenarioHash, TokenError, traceHash, TOKEN_PREFIX } from '../scheduler/codec.ts';
import { ReplayStrategy } from '../scheduler/strategies/replay.ts';
import { GuidedStrategy, toBlocks } from '../scheduler/strategies/guided.ts';
import type { Strategy } from '../scheduler/strategy.ts';
import type { ExecutionResult } from '../scheduler/types.ts';
import { toFailure } from './explore.ts';
import { maxStepsOf, runExecution, withRaceFailure } from './run.ts';
import type { Failure } from './failure.ts';
import type { Scenario } from './scenario.ts';
import { isStrategyName, makeStrategy, type StrategyName } from './strategies.ts';

export interface ReplayOptions {
  /** For a seed: the strategy that produced it (default 'random'). */
  readonly strategy?: StrategyName;
  readonly maxSteps?: number;
  /**
   * Follow the token as closely as the code allows instead of stopping where it no longer fits
   * (used for saved regressions: after a fix adds a lock, the old schedule still drives the run).
   */
  readonly lenient?: boolean;
}

export interface ReplayResult {
  readonly scenario: string;
  readonly verdict: 'pass' | 'fail';
  readonly failure?: Failure;
  /** The replayed execution, with source locations. */
  readonly execution: ExecutionResult;
  /** Things worth knowing that do not change the verdict. */
  readonly warnings: readonly string[];
}

export { TokenError };

/** True when the text looks like a schedule token rather than a seed. */
export function isToken(text: string): boolean {
  return text.startsWith('heddle');
}

/**
 * Re-runs one schedule, from a token or from an execution seed, with source locations. A
 * token that no longer fits the code is reported as a `nondeterminism` failure naming the step.
 * Throws TokenError for a malformed token or one made for another scenario.
 */
export async function replay(s: Scenario, tokenOrSeed: string, options: ReplayOptions = {}): Promise<ReplayResult> {
  const maxSteps = maxStepsOf(s, options);
  const warnings: string[] = [];
  let strategy: Strategy;
  let expectedSteps: number | null = null;
  let expectedHash: number | null = null;
  let seed: string | undefined;
  if (isToken(tokenOrSeed)) {
    const decoded = decodeToken(tokenOrSeed);
    if (decoded.scenarioHash !== scenarioHash(s.name)) {
      throw new TokenError(`this token was made for another scenario, not '${s.name}'`);
    }
    if (options.lenient) {
      strategy = new GuidedStrategy(toBlocks(decoded.schedule.choices), decoded.schedule.randoms);
    } else {
      strategy = new ReplayStrategy(decoded.schedule);
      expectedSteps = decoded.schedule.choices.length;
      expectedHash = decoded.traceHash;
    }
  } else {
    const name = options.strategy ?? 'random';
    if (name === 'portfolio') throw new TokenError(`a seed belongs to one strategy: name it with --strategy (random, pct, pos)`);
    if (!isStrategyName(name)) throw new TokenError(`unknown strategy '${name}'`);
    if (tokenOrSeed.trim() === '') throw new TokenError(`expected a token (${TOKEN_PREFIX}:…) or a seed`);
    strategy = makeStrategy(name, { seed: tokenOrSeed });
    seed = tokenOrSeed;
  }
  strategy.newExecution();
  let execution = withRaceFailure(await runExecution(s, strategy, maxSteps, true));
  if (expectedSteps !== null && execution.failure === null && execution.steps < expectedSteps) {
    execution = { ...execution, failure: { kind: 'nondeterminism',
      message: `replay diverged: the execution ended after ${execution.steps} steps but the schedule has ` +
        `${expectedSteps} (the code changed since the token was made?)` } };
  } else if (expectedHash !== null && execution.failure?.kind !== 'nondeterminism' && traceHash(execution.trace) !== expectedHash) {
    warnings.push('the schedule fits, but the operations differ from the run that made the token: the code changed since');
  }
  const failure = execution.failure ? toFailure(s.name, execution, strategy.name === 'guided' ? 'replay' : strategy.name, seed) : undefined;
  return { scenario: s.name, verdict: failure ? 'fail' : 'pass', execution, warnings, ...(failure ? { failure } : {}) };
}
