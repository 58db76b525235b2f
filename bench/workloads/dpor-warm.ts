// One DPOR search in one worker thread against the same search split among two, the workers of
// one pool started (and warmed) beforehand: the search alone, without the workers' start-up, and
// both run by worker threads alike (each instruments the scenario as check's workers do).
// Run as its own process by bench/sections/dpor-workers.ts: `tsx bench/workloads/dpor-warm.ts
// file#scenario rounds`; prints one JSON line. Rounds alternate which of the two runs first.
import { performance } from 'node:perf_hooks';
import { registerInstrumentation } from '../../src/instrument/register.ts';

registerInstrumentation();
const { exploreInWorkers, WorkerPool } = await import('../../src/parallel/pool.ts');

const [target, roundsText] = process.argv.slice(2);
const [file, scenario] = target!.split('#') as [string, string];
const pool = new WorkerPool();
pool.warm(2);
const options = { strategy: 'dpor' as const, shrink: false };
const search = async (count: number): Promise<number> => {
  const t0 = performance.now();
  const r = await exploreInWorkers({ file, scenario, options, count }, undefined, pool);
  return (r.schedulesRun / (performance.now() - t0)) * 1000;
};
try {
  // Warm both workers: each runs the search whole, then both run it split, twice.
  for (let k = 0; k < 2; k++) {
    await search(1);
    await search(2);
  }
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < Number(roundsText ?? 5); r++) {
    if (r % 2 === 0) {
      one.push(await search(1));
      two.push(await search(2));
    } else {
      two.push(await search(2));
      one.push(await search(1));
    }
  }
  console.log(JSON.stringify({ one, two }));
} finally {
  await pool.close();
}
