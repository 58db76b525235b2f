// `import { expectNoFailure, expectFailure } from 'heddle/vitest'`: assertions for test files.
// They throw plain AssertionErrors, so they work under vitest, node:test or any runner; the
// message carries the trace table, the seed and the exact replay command.
import { AssertionError } from 'node:assert';
import type { FailureKind } from '../scheduler/types.ts';
import { explore, type ExploreOptions, type ExploreResult } from './explore.ts';
import type { Failure } from './failure.ts';
import { formatFailure } from './report/text.ts';
import type { Scenario } from './scenario.ts';
import { plural } from './report/plural.ts';

function outcome(r: ExploreResult): string {
  return `${plural(r.schedulesRun, 'schedule')} with ${r.strategy}${r.complete ? ' (complete)' : ''}`;
}

/** Explores the scenario and fails the test, with the full report, if any schedule fails. */
export async function expectNoFailure(s: Scenario, options: ExploreOptions = {}): Promise<ExploreResult> {
  const r = await explore(s, options);
  if (r.failure) {
    throw new AssertionError({
      message: `heddle found a failure in '${s.name}' after ${outcome(r)}:\n\n${formatFailure(s.name, r.failure)}\n`,
    });
  }
  return r;
}

/**
 * Explores the scenario and fails the test unless some schedule fails — with `kind`, when given.
 * Returns the failure, so a test can pin its token or inspect its trace.
 */
export async function expectFailure(s: Scenario, kind?: FailureKind, options: ExploreOptions = {}): Promise<Failure> {
  const r = await explore(s, options);
  if (!r.failure) {
    throw new AssertionError({ message: `heddle expected ${kind ?? 'a failure'} in '${s.name}' but none was found in ${outcome(r)}` });
  }
  if (kind !== undefined && r.failure.kind !== kind) {
    throw new AssertionError({
      message: `heddle expected ${kind} in '${s.name}' but found ${r.failure.kind}:\n\n${formatFailure(s.name, r.failure)}\n`,
    });
  }
  return r.failure;
}

/** The vitest plugin that instruments the awaits of your code (and of the packages named) in tests. */
export { heddleInstrument, type HeddleInstrumentOptions } from './instrument/vite.ts';
