import { describe, expect, it } from 'vitest';
import { explore, type Strategy } from 'heddle';
import { Observing } from '../support/observing.ts';
import { DporStrategy } from '../../scheduler/strategies/dpor.ts';
import { DfsStrategy } from '../../scheduler/strategies/dfs.ts';
import { deadlock, lastzero, lostUpdate, readers } from '../../scenarios/benchmarks/programs.ts';

// Optimal trace counts from ../shared/benchmarks/README.md.
const LASTZERO: Record<number, number> = { 1: 2, 2: 5, 3: 12, 4: 28, 5: 64, 6: 144, 10: 3328 };

/** Records every explored schedule, in order. */
function recording(inner: Strategy): Strategy & { schedules: string[] } {
  const schedules: string[] = [];
  return Object.assign(new Observing(inner, (r) => schedules.push(r.schedule.choices.join(','))), { schedules });
}


describe('dpor', () => {
  for (const [n, traces] of Object.entries(LASTZERO)) {
    it(`dpor explores exactly ${traces} traces of lastzero(${n})`, async () => {
      const r = await explore(lastzero(Number(n)), { strategy: 'dpor' });
      expect(r.verdict).toBe('pass');
      expect(r.schedulesRun).toBe(traces);
      expect(r.complete).toBe(true);
      expect(r.coverage).toBe(`verified: ${traces.toLocaleString('en')} traces, complete`);
    });
  }

  for (const n of [1, 2, 3, 4, 5]) {
    it(`dpor explores exactly ${2 ** n} traces of readers(${n})`, async () => {
      const r = await explore(readers(n), { strategy: 'dpor' });
      expect(r.schedulesRun).toBe(2 ** n);
      expect(r.complete).toBe(true);
    });
  }

  it('finds the opposite-order deadlock and the lost update', async () => {
    const d = await explore(deadlock, { strategy: 'dpor' });
    expect(d.failure?.kind).toBe('deadlock');
    expect(d.failure?.preemptions).toBe(1);
    expect((await explore(lostUpdate(2), { strategy: 'dpor' })).failure?.kind).toBe('assertion');
    expect((await explore(lostUpdate(3), { strategy: 'dpor' })).failure?.kind).toBe('assertion');
  });

  it('is deterministic: the same sequence of schedules twice', async () => {
    const a = recording(new DporStrategy());
    const b = recording(new DporStrategy());
    await explore(lastzero(4), { strategyInstance: a, iterations: 10_000 });
    await explore(lastzero(4), { strategyInstance: b, iterations: 10_000 });
    expect(a.schedules).toHaveLength(28);
    expect(b.schedules).toEqual(a.schedules);
  });

  it('never explores the same schedule twice', async () => {
    const a = recording(new DporStrategy());
    await explore(lastzero(5), { strategyInstance: a, iterations: 10_000 });
    expect(new Set(a.schedules).size).toBe(a.schedules.length);
  });

  it('--max-schedules cuts the search and says it is not a proof', async () => {
    const r = await explore(lastzero(5), { strategy: 'dpor', maxSchedules: 10 });
    expect(r.schedulesRun).toBe(10);
    expect(r.complete).toBe(false);
    expect(r.coverage).toMatch(/not a proof/);
  });
});

describe('dfs', () => {
  for (const [name, s, dporCount] of [['lastzero(1)', lastzero(1), 2], ['lastzero(2)', lastzero(2), 5],
    ['readers(2)', readers(2), 4], ['readers(3)', readers(3), 8]] as const) {
    it(`dfs without a bound explores at least as many schedules as dpor's traces on ${name}`, async () => {
      const r = await explore(s, { strategy: 'dfs', preemptionBound: 1000 });
      expect(r.complete).toBe(true);
      expect(r.schedulesRun).toBeGreaterThanOrEqual(dporCount);
    });
  }

  it('dfs on lastzero(2) runs every interleaving: 2 544 schedules', async () => {
    const r = await explore(lastzero(2), { strategy: 'dfs', preemptionBound: 1000 });
    expect(r.schedulesRun).toBe(2544);
  });

  it('iterative deepening finds the deadlock with its one preemption', async () => {
    const r = await explore(deadlock, { strategy: 'dfs' });
    expect(r.failure?.kind).toBe('deadlock');
    expect(r.failure?.preemptions).toBe(1);
  });

  it('a bound of 0 does not claim a proof', async () => {
    const r = await explore(lostUpdate(2), { strategy: 'dfs', preemptionBound: 0 });
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(false);
    expect(r.coverage).toMatch(/^no failure within preemption bound 0, \d+ schedules$/);
    expect((await explore(lostUpdate(2), { strategy: 'dfs', preemptionBound: 1 })).failure?.kind).toBe('assertion');
  });

  it('keeps only the current path: memory follows depth, not schedules', async () => {
    const dfs = new DfsStrategy({ preemptionBound: 1000 });
    await explore(readers(3), { strategyInstance: dfs, iterations: 5000 });
    const path = (dfs as unknown as { path: unknown[] }).path;
    expect(path.length).toBeLessThan(40);
  });
});
