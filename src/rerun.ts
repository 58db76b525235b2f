// The determinism check: a schedule run twice must run the same way (else state leaks between
// executions, or the code depends on something heddle does not control).
import { LEFT_BY_EARLIER } from '../scheduler/execution.ts';
import { traceHash } from '../scheduler/codec.ts';
import { ReplayStrategy } from '../scheduler/strategies/replay.ts';
import { withFailure } from '../scheduler/record.ts';
import type { ExecutionFailure, ExecutionResult } from '../scheduler/types.ts';
import type { Scenario } from './scenario.ts';
import { plural } from './report/plural.ts';
import { runExecution, type RacePolicy } from './run.ts';

/**
 * Runs the same schedule again: a different trace or outcome means the scenario is not a pure
 * function of its schedule — usually state that survives between executions.
 */
export async function checkRerun(s: Scenario, first: ExecutionResult, maxSteps: number, schedule: number, policy: RacePolicy): Promise<ExecutionResult | null> {
  const again = await runExecution(s, new ReplayStrategy(first.schedule), maxSteps, false, policy);
  if (sameOutcome(first, again)) return null;
  // A failure of an execution that started clean stands though it leaves state behind (see report).
  if (first.failure !== null && onlyRerunLeaked(first, again)) return null;
  return withFailure(again, leakFailure(first, again, schedule));
}

/** The rerun read state an earlier execution left, where the first run had started clean. */
export function onlyRerunLeaked(first: ExecutionResult, again: ExecutionResult): boolean {
  return first.leak === undefined && again.leak !== undefined;
}

function sameOutcome(a: ExecutionResult, b: ExecutionResult): boolean {
  return (a.failure?.kind ?? null) === (b.failure?.kind ?? null) && traceHash(a.trace) === traceHash(b.trace)
    && a.steps === b.steps;
}

/** What to do about state that leaks between executions. */
export const LEAK_FIX = 'build all state inside the scenario body (heddle starts every execution from scratch), or reset it there';

export function leakFailure(first: ExecutionResult, again: ExecutionResult, schedule?: number): ExecutionFailure {
  const outcome = (r: ExecutionResult) => (r.failure ? `failed with ${r.failure.kind}` : 'passed');
  const which = schedule === undefined ? '' : ` (schedule ${schedule} of the search)`;
  const fix = `${LEAK_FIX[0]!.toUpperCase()}${LEAK_FIX.slice(1)}.`;
  // What the rerun read that the first run had written (MemoryLog.leak): the state that leaks.
  const leak = again.leak === undefined ? '' : ` (${LEFT_BY_EARLIER}: ${again.leak})`;
  // The rerun itself stalled or leaked: its own message names the cause.
  if (again.failure?.kind === 'nondeterminism') {
    const named = again.failure.message.includes(LEFT_BY_EARLIER) ? '' : leak;
    const leaked = again.leak === undefined ? '' : `: state leaks between executions${named}. ${fix}`;
    return { kind: 'nondeterminism', message: `the same schedule${which} did not run the same way twice: ${again.failure.message}${leaked}` };
  }
  const what = `the first run ${outcome(first)} in ${plural(first.steps, 'step')}, the rerun ${outcome(again)} in ${plural(again.steps, 'step')}`;
  return {
    kind: 'nondeterminism',
    message: `the same schedule${which} gave a different execution when run twice (${what}): state leaks between ` +
      `executions — a module-level object, cache or registry survives from one run to the next${leak}. ${fix}`,
  };
}
