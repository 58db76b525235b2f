// A DPOR search split into slices (worker threads, --shard i/n) explores each Mazurkiewicz trace
// exactly once across the slices: the same set of traces as the unsplit search.
import { describe, expect, it } from 'vitest';
import { explore, type Scenario } from 'heddle';
import { Observing } from '../support/observing.ts';
import { dependent, type DporEvent } from '../../scheduler/dependence.ts';
import { DporStrategy, toEvents } from '../../scheduler/strategies/dpor.ts';
import { lastzero, lostUpdate, readers } from '../../scenarios/benchmarks/programs.ts';
import { exploreInWorkers } from '../../src/parallel/pool.ts';

/** A canonical name for the trace of an execution: its lexicographically least equivalent order. */
function traceKey(events: readonly DporEvent[]): string {
  const left = events.map((_, i) => i);
  const out: number[] = [];
  while (left.length > 0) {
    let best = -1;
    for (const i of left) {
      const blocked = left.some((k) => k < i && dependent(events[k]!, events[i]!));
      if (!blocked && (best < 0 || events[i]!.task < events[best]!.task)) best = i;
    }
    out.push(events[best]!.task);
    left.splice(left.indexOf(best), 1);
  }
  return out.join(',');
}

async function traces(s: Scenario, slice?: { index: number; count: number }): Promise<string[]> {
  const keys: string[] = [];
  const t = new Observing(new DporStrategy(slice), (r) => keys.push(traceKey(toEvents(r.trace))));
  const r = await explore(s, { strategyInstance: t, iterations: 1_000_000, shrink: false });
  expect(r.complete).toBe(true);
  return keys;
}

describe('dpor slices', () => {
  for (const [name, s, count] of [['lastzero(4)', lastzero(4), 28], ['lastzero(5)', lastzero(5), 64], ['readers(4)', readers(4), 16]] as const) {
    it(`the union of slices 1/3, 2/3, 3/3 of ${name} is the unsplit trace set, each trace once`, async () => {
      const whole = await traces(s);
      expect(whole).toHaveLength(count);
      expect(new Set(whole).size).toBe(count);
      const parts = [];
      for (let index = 0; index < 3; index++) parts.push(await traces(s, { index, count: 3 }));
      const union = parts.flat();
      expect(union).toHaveLength(count); // no trace twice
      expect(new Set(union)).toEqual(new Set(whole));
    });
  }

  it('--shard through explore: the slice counts add up to the whole', async () => {
    let total = 0;
    for (let index = 0; index < 3; index++) total += (await explore(lastzero(5), { strategy: 'dpor', shard: { index, count: 3 } })).schedulesRun;
    expect(total).toBe(64);
  });

  it('--workers 2 finds the same first failure as one thread', async () => {
    const one = await explore(lostUpdate(3), { strategy: 'dpor' });
    const two = await exploreInWorkers({ file: 'scenarios/benchmarks/programs.ts', scenario: 'benchmarks/lost-update-2', options: { strategy: 'dpor' }, count: 2 });
    const oneOf2 = await explore(lostUpdate(2), { strategy: 'dpor' });
    expect(one.failure?.kind).toBe('assertion');
    expect(two.failure?.token).toBe(oneOf2.failure?.token);
    expect(two.failureIndex).toBe(oneOf2.failureIndex);
  });
});
