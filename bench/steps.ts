import { performance } from 'node:perf_hooks';
import { explore, scenario, spawn, yieldNow } from 'heddle';
import { bareHarness } from './bare-harness.ts';

export const TASKS = 4;
export const AWAITS = 100;

/** The same workload under heddle: N tasks × M yields, spawned and joined by the body. */
export function yieldsWorkload(races: boolean) {
  return scenario('bench/yields', async () => {
    const handles = [];
    for (let t = 0; t < TASKS; t++) handles.push(spawn(async () => { for (let j = 0; j < AWAITS; j++) await yieldNow(); }));
    for (const h of handles) await h.join();
  }, { races });
}

export async function measure(label: string, run: () => Promise<number>): Promise<{ label: string; stepsPerSec: number }> {
  await run(); // warm-up
  const t0 = performance.now();
  const steps = await run();
  const ms = performance.now() - t0;
  return { label, stepsPerSec: (steps / ms) * 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const execs = 400;
  const bare = await measure('bare', () => bareHarness(TASKS, AWAITS, execs, '1'));
  const off = await measure('heddle random, races off', async () => (await explore(yieldsWorkload(false), { strategy: 'random', iterations: execs })).stepsRun);
  const on = await measure('heddle random, races on', async () => (await explore(yieldsWorkload(true), { strategy: 'random', iterations: execs })).stepsRun);
  for (const m of [bare, off, on]) console.log(m.label.padEnd(28), Math.round(m.stepsPerSec).toLocaleString('en').padStart(12), 'steps/s', (m.stepsPerSec / bare.stepsPerSec).toFixed(2));
}
