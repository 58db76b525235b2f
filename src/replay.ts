import { decodeToken, scenarioHash, TokenError, traceHash, TOKEN_PREFIX } from '../scheduler/codec.ts';
import { withFailure } from '../scheduler/record.ts';
import { ReplayStrategy } from '../scheduler/strategies/replay.ts';
import { GuidedStrategy, toBlocks } from '../scheduler/strategies/guided.ts';
import type { Strategy } from '../scheduler/strategy.ts';
import type { ExecutionResult } from '../scheduler/types.ts';
import { toFailure } from './explore.ts';
import { maxStepsOf, raceFlags, racePolicy, runExecution, withDeferredFailure, type RacePolicy } from './run.ts';
import type { Failure } from './failure.ts';
import type { Scenario } from './scenario.ts';
import { isStrategyName, makeStrategy, type StrategyName } from './strategies.ts';
import { SEED_RULE, seedProblem, seedShape, shorten } from './seed.ts';

/** The strategies whose executions a seed reruns. */
const SEEDED: readonly StrategyName[] = ['random', 'pct', 'pos'];

export interface ReplayOptions {
  /** For a seed: the strategy that produced it (default 'random'). */
  readonly strategy?: StrategyName;
  readonly maxSteps?: number;
  /**
   * Follow the token as closely as the code allows instead of stopping where it no longer fits
   * (used for saved regressions: after a fix adds a lock, the old schedule still drives the run).
   * Only a token is accepted then, never a seed.
   */
  readonly lenient?: boolean;
  /** Overrides the scenario's `races` option (`--races`), as for explore. */
  readonly races?: RacePolicy;
}

export interface ReplayResult {
  readonly scenario: string;
  /** 'diverged': the token no longer fits the code, so the replay says nothing about the scenario. */
  readonly verdict: 'pass' | 'fail' | 'diverged';
  /** For 'diverged', a nondeterminism failure whose trace runs up to where the schedule stopped fitting. */
  readonly failure?: Failure;
  /** The replayed execution, with source locations. */
  readonly execution: ExecutionResult;
  /** For 'diverged': one line saying where the code left the schedule, and what to do. */
  readonly divergence?: string;
  /** Things worth knowing that do not change the verdict. */
  readonly warnings: readonly string[];
}

export { TokenError };

/** A sound token made for another scenario; `madeFor` is that scenario's hash (its name is not in the token). */
export class WrongScenarioError extends TokenError {
  constructor(readonly madeFor: string, scenario: string) {
    super(`this token was made for a different scenario, not '${scenario}' (its scenario hash is ${madeFor})`);
  }
}

/**
 * Re-runs one schedule, from a token or from an execution seed (see src/seed.ts), with source
 * locations. A token that no longer fits the code gives the verdict 'diverged', naming the step.
 * Throws TokenError, with a one-line message, for anything that is neither a seed nor a token
 * for this scenario: a damaged token, one from another version of heddle or for another
 * scenario, a text that is no seed. Nothing given is ever run as something else.
 */
export async function replay(s: Scenario, tokenOrSeed: string, options: ReplayOptions = {}): Promise<ReplayResult> {
  const maxSteps = maxStepsOf(s, options);
  const warnings: string[] = [];
  const text = tokenOrSeed.trim();
  let strategy: Strategy;
  let replaying: ReplayStrategy | null = null;
  let expectedHash: number | null = null;
  let expectedSteps: number | null = null;
  let seed: string | undefined;
  // Saved regressions are tokens only (lenient); otherwise a colon or the name marks a token.
  if (options.lenient || text.includes(':') || /^heddle/i.test(text)) {
    const decoded = decodeToken(text);
    if (decoded.scenarioHash !== scenarioHash(s.name)) {
      throw new WrongScenarioError(decoded.scenarioHash, s.name);
    }
    if (options.lenient) {
      strategy = new GuidedStrategy(toBlocks(decoded.schedule.choices), decoded.schedule.randoms);
    } else {
      strategy = replaying = new ReplayStrategy(decoded.schedule);
      expectedHash = decoded.traceHash;
      expectedSteps = decoded.schedule.choices.length;
    }
  } else {
    const name = options.strategy ?? 'random';
    if (!isStrategyName(name)) throw new TokenError(`unknown strategy '${name}'`);
    if (text === '') throw new TokenError(`expected a schedule token (${TOKEN_PREFIX}:…) or a seed (${SEED_RULE})`);
    const shape = seedShape(text);
    if (shape === null) {
      throw new TokenError(`'${shorten(text)}' is neither a schedule token (${TOKEN_PREFIX}:…) nor a seed (${SEED_RULE})`);
    }
    if (!SEEDED.includes(name)) throw new TokenError(`a seed belongs to one seeded strategy: name it (${SEEDED.join(', ')}), not ${name}`);
    const problem = seedProblem(text, name);
    if (problem !== null) throw new TokenError(problem);
    strategy = makeStrategy(name, { seed: text });
    seed = text;
  }
  strategy.newExecution();
  const policy = racePolicy(s, options.races);
  let execution = withDeferredFailure(await runExecution(s, strategy, maxSteps, true, policy), policy);
  let divergence = replaying?.divergence ?? null;
  if (divergence === null && expectedSteps !== null && execution.steps < expectedSteps) {
    // The schedule is longer than the execution: the code now ends (or fails) sooner.
    const ended = execution.failure ? `failed (${execution.failure.kind})` : 'finished';
    divergence = `replay diverged at step ${execution.steps}: the execution ${ended} there, but the schedule has ${expectedSteps} steps`;
  }
  if (divergence !== null) {
    const line = `the schedule no longer fits the code of '${s.name}': ${divergence} — the code changed since the token was made ` +
      `(or runs differently each time): run check again for a new token`;
    execution = withFailure(execution, { kind: 'nondeterminism', message: line });
    const failure = toFailure(s.name, execution, 'replay', undefined);
    return { scenario: s.name, verdict: 'diverged', failure, execution, divergence: line, warnings };
  }
  if (expectedHash !== null && traceHash(execution.trace) !== expectedHash) {
    warnings.push('the schedule fits, but the operations differ from the run that made the token: the code changed since');
  }
  const found = execution.failure ? toFailure(s.name, execution, strategy.name === 'guided' ? 'replay' : strategy.name, seed) : undefined;
  // A policy other than the scenario's own must be given again to replay the failure (as explore says).
  const replayFlags = raceFlags(s, policy);
  const failure = found && replayFlags ? { ...found, replayFlags } : found;
  return { scenario: s.name, verdict: failure ? 'fail' : 'pass', execution, warnings, ...(failure ? { failure } : {}) };
}
