// One DPOR search in this thread against the same search split over this thread and one worker
// of a pool started (and warmed) beforehand: the search alone, without the worker's start-up.
// Run as its own process by bench/sections/dpor-workers.ts: `tsx bench/workloads/dpor-warm.ts
// file#scenario rounds`; prints one JSON line. The scenario file is instrumented here as the
// worker instruments it (hooks are per thread), so that both run the same code.
import { performance } from 'node:perf_hooks';
import { registerInstrumentation } from '../../src/instrument/register.ts';

registerInstrumentation();
const { explore } = await import('../../src/explore.ts');
const { exploreInWorkers, WorkerPool } = await import('../../src/parallel/pool.ts');
const { loadFile } = await import('../../src/cli/load.ts');

const [target, roundsText] = process.argv.slice(2);
const [file, name] = target!.split('#') as [string, string];
const s = (await loadFile(file)).find((l) => l.scenario.name === name)!.scenario;
const pool = new WorkerPool();
const options = { strategy: 'dpor' as const, shrink: false };
const split = () => exploreInWorkers({ file, scenario: name, options, count: 2 }, s, pool);
try {
  await split(); // boots the worker and warms both threads
  await explore(s, options);
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < Number(roundsText ?? 3); r++) {
    let t0 = performance.now();
    const a = await explore(s, options);
    one.push((a.schedulesRun / (performance.now() - t0)) * 1000);
    t0 = performance.now();
    const b = await split();
    two.push((b.schedulesRun / (performance.now() - t0)) * 1000);
  }
  console.log(JSON.stringify({ one, two }));
} finally {
  await pool.close();
}
