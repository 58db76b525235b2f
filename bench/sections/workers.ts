import { performance } from 'node:perf_hooks';
import { explore } from 'heddle';
import { exploreInWorkers } from '../../src/parallel/pool.ts';
import { fixedStack } from '../../scenarios/lin/treiber-stack.ts';
import type { Section } from '../lib.ts';

const FILE = 'scenarios/lin/treiber-stack.ts';
const NAME = 'lin/treiber-stack';

/** Executions per second of one search in this thread alone and on 2 threads (this one and a worker, start-up included). */
export async function workersSection(iterations = 60_000): Promise<Section> {
  const rate = async (count: number) => {
    const t0 = performance.now();
    const r = count === 1 ? await explore(fixedStack, { strategy: 'random', iterations })
      : await exploreInWorkers({ file: FILE, scenario: NAME, options: { strategy: 'random', iterations }, count }, fixedStack);
    return (r.schedulesRun / (performance.now() - t0)) * 1000;
  };
  await rate(1); // warm the module cache
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < 2; r++) {
    one.push(await rate(1));
    two.push(await rate(2));
  }
  const best1 = Math.max(...one);
  const best2 = Math.max(...two);
  return {
    title: `Parallel exploration (${NAME}, ${iterations.toLocaleString('en')} schedules, random)`,
    columns: ['workers', 'executions/s', 'speed-up', 'goal'],
    rows: [['1', best1, 1, ''], ['2', best2, best2 / best1, '≥ 1.8x']],
  };
}
