import { performance } from 'node:perf_hooks';
import { explore, type ExploreResult } from 'heddle';
import type { Scenario } from '../../src/scenario.ts';
import { WorkerPool } from '../../src/parallel/pool.ts';
import { exploreInWorkers } from '../../src/parallel/split.ts';
import { fixedStack } from '../../scenarios/lin/treiber-stack.ts';
import { loadFile } from '../../src/cli/load.ts';
import { median, type Section } from '../lib.ts';

interface Workload {
  readonly file: string;
  readonly name: string;
  readonly iterations: number;
}

const WORKLOADS: readonly Workload[] = [
  { file: 'scenarios/lin/treiber-stack.ts', name: 'lin/treiber-stack', iterations: 40_000 },
  { file: 'scenarios/cache/cache.ts', name: 'cache/over-capacity.fixed', iterations: 150_000 },
];

async function scenarioOf(w: Workload): Promise<Scenario> {
  if (w.name === fixedStack.name) return fixedStack;
  const found = (await loadFile(w.file)).find((l) => l.scenario.name === w.name);
  if (!found) throw new Error(`bench: no scenario ${w.name} in ${w.file}`);
  return found.scenario;
}

/** Runs a search, returning the executions it ran, its wall time and the process's CPU time (ms, all threads). */
async function measured(run: () => Promise<ExploreResult>): Promise<{ executions: number; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await run();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { executions: r.schedulesRun, wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/**
 * Executions per second of one random search in this thread alone, and split over this thread
 * and one worker of a pool started once (as `check --workers 2` does for a whole run; the
 * start-up is reported on its own line). Rounds alternate between the two. The CPU columns:
 * what one thread keeps busy (V8's garbage collector runs on helper threads, so it can exceed
 * one core, and 2 ÷ that is the most two threads can gain), the cores the 2-thread rounds got,
 * and their CPU per execution against one thread's.
 */
export async function workersSection(rounds = 5): Promise<Section> {
  const pool = new WorkerPool();
  const rows: (string | number)[][] = [];
  try {
    const t0 = performance.now();
    const first = WORKLOADS[0]!;
    await exploreInWorkers({ file: first.file, scenario: first.name, options: { strategy: 'random', iterations: 200 }, count: 2 }, undefined, pool);
    const startup = performance.now() - t0;
    for (const w of WORKLOADS) {
      const s = await scenarioOf(w);
      const options = { strategy: 'random' as const, iterations: w.iterations };
      // Warm both threads on this scenario (module loading, the JIT's top tier) before measuring.
      const warm = Math.round(w.iterations / 4);
      await explore(s, { ...options, iterations: warm });
      await exploreInWorkers({ file: w.file, scenario: w.name, options: { ...options, iterations: 2 * warm }, count: 2 }, s, pool);
      const one: number[] = [];
      const two: number[] = [];
      const cores: number[] = [];
      const got: number[] = [];
      const cpuRatio: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const a = await measured(() => explore(s, options));
        const b = await measured(() => exploreInWorkers({ file: w.file, scenario: w.name, options, count: 2 }, s, pool));
        cores.push(a.cpu / a.wall);
        got.push(b.cpu / b.wall);
        cpuRatio.push((b.cpu / b.executions) / (a.cpu / a.executions));
        one.push((a.executions / a.wall) * 1000);
        two.push((b.executions / b.wall) * 1000);
      }
      const ratios = one.map((x, i) => two[i]! / x);
      const used = median(cores);
      rows.push([`${w.name} (${w.iterations.toLocaleString('en')})`, median(one), median(two), median(ratios), Math.max(...ratios),
        used, 2 / used, median(got), median(cpuRatio), '≥ 1.8x']);
    }
    rows.push(['(worker start-up, once per run)', `${Math.round(startup)} ms`, '', '', '', '', '', '', '', '']);
  } finally {
    await pool.close();
  }
  return {
    title: `Parallel exploration (random; a warm pool; medians of ${rounds} alternating rounds)`,
    columns: ['scenario (schedules)', '1 thread exec/s', '2 threads exec/s', 'speed-up', 'best round', 'cores 1 thread uses',
      'ceiling 2 ÷ that', 'cores 2 threads got', 'CPU per execution, 2 ÷ 1', 'goal'],
    rows,
    notes: ['"Cores 2 threads got" is the CPU time the process used over the wall time of the 2-thread rounds: below 2, ' +
      'the shared machine gave some of the second core to others. "CPU per execution, 2 ÷ 1" above 1 is what the two ' +
      'threads cost each other (shared caches and memory bandwidth).'],
  };
}
