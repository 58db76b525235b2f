import { explore, scenario, spawn, yieldNow } from 'heddle';
import { bareHarness } from '../bare-harness.ts';
import { fastCheckHarness } from '../fast-check-harness.ts';
import { sideBySide, type Section } from '../lib.ts';

const TASKS = 4;
const AWAITS = 100;

/** The same workload under heddle: N tasks × M yields, spawned and joined by the body. */
export function yieldsWorkload(races: boolean) {
  return scenario('bench/yields', async () => {
    const handles = [];
    for (let t = 0; t < TASKS; t++) handles.push(spawn(async () => { for (let j = 0; j < AWAITS; j++) await yieldNow(); }));
    for (const h of handles) await h.join();
  }, { races });
}

export async function stepsSection(): Promise<Section> {
  // Rounds of 100-200 ms: with 300 executions a round lasted 20-40 ms, and one noisy moment
  // of this shared machine (or a JIT tier-up) moved a median by a fifth.
  const execs = 1500;
  const rates = await sideBySide([
    { label: 'bare harness', run: () => bareHarness(TASKS, AWAITS, execs, '1') },
    { label: 'heddle random, races off', run: async () => (await explore(yieldsWorkload(false), { strategy: 'random', iterations: execs })).stepsRun },
    { label: 'heddle random, races on', run: async () => (await explore(yieldsWorkload(true), { strategy: 'random', iterations: execs })).stepsRun },
    { label: 'fast-check scheduler', run: () => fastCheckHarness(TASKS, AWAITS, 100, 1) },
  ]);
  const bare = rates.get('bare harness')!;
  const fc = rates.get('fast-check scheduler')!;
  const goal: Record<string, string> = {
    'heddle random, races off': '≥ 0.50 of bare', 'heddle random, races on': '≥ 0.25 of bare', 'fast-check scheduler': 'heddle ≥ 7x this',
  };
  return {
    title: `Steps per second (${TASKS} tasks × ${AWAITS} awaits per execution)`,
    columns: ['harness', 'steps/s', '÷ bare', 'heddle ÷ this', 'goal'],
    rows: [...rates].map(([label, rate]) => [label, rate, rate / bare, label.startsWith('heddle') ? '' : rates.get('heddle random, races off')! / rate, goal[label] ?? '']),
    notes: [`heddle (races off) runs ${(rates.get('heddle random, races off')! / fc).toFixed(1)}x the steps/s of fast-check's scheduler.`],
  };
}
