// The instrumented-awaits workload, two ways: plain async code (a counter on a plain object,
// concurrency from Promise.all) and the same written with heddle's primitives (a Shared cell,
// spawned tasks). Loaded through heddle's loader by bench/sections/instrumented.ts.
import { scenario, Shared, spawn } from 'heddle';

export const TASKS = 4;
export const AWAITS = 100;

export const plain = scenario('bench/plain-awaits', async () => {
  const s = { n: 0 };
  const worker = async () => {
    for (let j = 0; j < AWAITS; j++) {
      s.n = s.n + 1;
      await null;
    }
  };
  const workers = [];
  for (let t = 0; t < TASKS; t++) workers.push(worker());
  await Promise.all(workers);
}, { races: false });

export const primitives = scenario('bench/primitive-awaits', async () => {
  const c = new Shared(0, 'n');
  const worker = async () => {
    for (let j = 0; j < AWAITS; j++) await c.update((v) => v + 1);
  };
  const handles = [];
  for (let t = 0; t < TASKS; t++) handles.push(spawn(worker));
  for (const h of handles) await h.join();
}, { races: false });
