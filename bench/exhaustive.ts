// Exhaustive search: DPOR against the optimal trace counts of ../shared/benchmarks, DFS against
// DPOR (the reduction), traces per second, and DFS memory over a million schedules.
import { execFileSync } from 'node:child_process';
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

/**
 * A million DFS schedules, in a fresh process so nothing else sits in its heap: only the current
 * path is kept, so resident memory stays flat however many schedules run.
 */
async function dfsMemory(): Promise<string> {
  const code = `import { explore } from 'heddle'; import { lastzero } from './scenarios/benchmarks/programs.ts';
    const t0 = performance.now();
    const r = await explore(lastzero(4), { strategy: 'dfs', preemptionBound: 1000, maxSchedules: 1_000_000, shrink: false });
    console.log(JSON.stringify({ schedules: r.schedulesRun, seconds: (performance.now() - t0) / 1000, peakMb: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  const m = JSON.parse(out.trim().split('\n').pop()!) as { schedules: number; seconds: number; peakMb: number };
  return `DFS memory: ${m.schedules.toLocaleString('en')} schedules of lastzero(4) in a fresh process, ${m.seconds.toFixed(0)} s ` +
    `(${Math.round(m.schedules / m.seconds).toLocaleString('en')}/s); peak RSS ${m.peakMb.toFixed(0)} MB (goal < 200 MB).`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of await sections()) console.log(renderSection(s));
}
