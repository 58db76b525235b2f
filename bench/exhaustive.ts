// Exhaustive search: DPOR against the optimal trace counts of ../shared/benchmarks, DFS against
// DPOR (the reduction), traces per second, and DFS memory over a million schedules.
import { performance } from 'node:perf_hooks';
import { explore, type Scenario } from 'heddle';
import { lastzero, readers } from '../scenarios/benchmarks/programs.ts';
import { renderSection, type Section } from './lib.ts';

const OPTIMAL: [string, () => Scenario, number, boolean][] = [
  ['lastzero(1)', () => lastzero(1), 2, true],
  ['lastzero(2)', () => lastzero(2), 5, true],
  ['lastzero(3)', () => lastzero(3), 12, false],
  ['lastzero(4)', () => lastzero(4), 28, false],
  ['lastzero(5)', () => lastzero(5), 64, false],
  ['lastzero(6)', () => lastzero(6), 144, false],
  ['lastzero(10)', () => lastzero(10), 3328, false],
  ['readers(2)', () => readers(2), 4, true],
  ['readers(3)', () => readers(3), 8, true],
  ['readers(5)', () => readers(5), 32, false],
];

export async function sections(): Promise<Section[]> {
  const rows: (string | number)[][] = [];
  for (const [name, make, optimal, withDfs] of OPTIMAL) {
    const t0 = performance.now();
    const dpor = await explore(make(), { strategy: 'dpor' });
    const ms = performance.now() - t0;
    const dfs = withDfs ? await explore(make(), { strategy: 'dfs', preemptionBound: 1000 }) : null;
    rows.push([name, optimal, dpor.schedulesRun, dpor.pruned, (dpor.schedulesRun / optimal).toFixed(2),
      dfs ? dfs.schedulesRun : 'too many to run', dfs ? (dfs.schedulesRun / dpor.schedulesRun).toFixed(1) : '', (dpor.schedulesRun / ms) * 1000]);
  }
  const memory = await dfsMemory();
  return [{
    title: 'Exhaustive search: DPOR against the optimal trace counts, DFS against DPOR',
    columns: ['program', 'optimal', 'dpor traces', 'dpor pruned', 'dpor ÷ optimal', 'dfs schedules', 'dfs ÷ dpor', 'dpor traces/s'],
    rows,
    notes: [memory],
  }];
}

/** A million DFS schedules: the heap holds the current path only, so resident memory stays flat. */
async function dfsMemory(): Promise<string> {
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await explore(lastzero(4), { strategy: 'dfs', preemptionBound: 1000, maxSchedules: 1_000_000, shrink: false });
  const seconds = (performance.now() - t0) / 1000;
  const peak = process.resourceUsage().maxRSS / 1024;
  return `DFS memory: ${r.schedulesRun.toLocaleString('en')} schedules of lastzero(4) in ${seconds.toFixed(0)} s ` +
    `(${Math.round(r.schedulesRun / seconds).toLocaleString('en')}/s); peak RSS ${peak.toFixed(0)} MB (goal < 200 MB; ` +
    `${(before / 2 ** 20).toFixed(0)} MB before the search).`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of await sections()) console.log(renderSection(s));
}
