import { GuidedStrategy, toBlocks, type Block } from '../scheduler/strategies/guided.ts';
import type { ExecutionResult } from '../scheduler/types.ts';
import { racePolicy, runExecution, withDeferredFailure, type RacePolicy } from './run.ts';
import type { Scenario } from './scenario.ts';

/** Executions a shrink may spend at most: bounded by work, not by wall time, so it is deterministic. */
export const SHRINK_BUDGET = 400;

export interface ShrinkOutcome {
  readonly result: ExecutionResult;
  readonly from: { readonly preemptions: number; readonly steps: number };
  readonly attempts: number;
}

function better(a: ExecutionResult, b: ExecutionResult): boolean {
  return a.preemptions < b.preemptions || (a.preemptions === b.preemptions && a.steps < b.steps);
}

/**
 * Candidate block lists, simplest first: cut the tail (run on without switching), drop one
 * block (its steps run later, with the task's next block), swap two neighbouring blocks (the
 * same work in the other order, which often saves a switch).
 */
function* candidates(blocks: readonly Block[]): Generator<Block[]> {
  for (let keep = 1; keep < blocks.length; keep++) yield blocks.slice(0, keep);
  for (let j = blocks.length - 1; j >= 1; j--) yield [...blocks.slice(0, j), ...blocks.slice(j + 1)];
  for (let j = 1; j + 1 < blocks.length; j++) yield [...blocks.slice(0, j), blocks[j + 1]!, blocks[j]!, ...blocks.slice(j + 2)];
}

/**
 * Looks for a schedule that fails with the same kind but with fewer preemptions (then fewer
 * steps). Greedy and deterministic: each accepted candidate restarts the search from the
 * schedule it actually ran. Nondeterminism failures are not shrunk (they may depend on what
 * heddle does not control).
 */
export async function shrink(s: Scenario, failing: ExecutionResult, maxSteps: number, budget = SHRINK_BUDGET,
  abandon?: () => boolean, policy: RacePolicy = racePolicy(s)): Promise<ShrinkOutcome> {
  const kind = failing.failure?.kind;
  const from = { preemptions: failing.preemptions, steps: failing.steps };
  let best = failing;
  let attempts = 0;
  if (kind === undefined || kind === 'nondeterminism') return { result: best, from, attempts };
  const variants = s.options.shrinkRandoms;
  let improved = true;
  while (improved && attempts < budget) {
    improved = false;
    const tries = function* (): Generator<[Block[], readonly number[]]> {
      const blocks = toBlocks(best.schedule.choices);
      // Simpler inputs first (fewer generated operations), then simpler schedules.
      if (variants) for (const randoms of variants(best.schedule.randoms)) yield [blocks, randoms];
      for (const candidate of candidates(blocks)) yield [candidate, best.schedule.randoms];
    };
    for (const [blocks, randoms] of tries()) {
      if (attempts >= budget || abandon?.()) break;
      attempts++;
      const guided = new GuidedStrategy(blocks, randoms);
      guided.newExecution();
      const r = withDeferredFailure(await runExecution(s, guided, maxSteps, false, policy), policy);
      if (r.failure?.kind === kind && better(r, best)) {
        best = r;
        improved = true;
        break;
      }
    }
  }
  return { result: best, from, attempts };
}
