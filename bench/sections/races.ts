import { performance } from 'node:perf_hooks';
import { explore, Mutex, scenario, Shared, spawn } from 'heddle';
import { median, type Section } from '../lib.ts';

/** Shared cells under one lock, besides each task's own cell. */
const SHARED_CELLS = 4;

/**
 * N tasks spawned by the body, each reading and writing its own cell and then one of a few
 * shared cells under a lock, all joined at the end: no race, and happens-before through spawn,
 * the lock and join — what race detection costs as the number of tasks grows.
 */
export function manyTasksWorkload(tasks: number, races: boolean) {
  return scenario(`bench/races-${tasks}`, async () => {
    const lock = new Mutex('lock');
    const shared = Array.from({ length: SHARED_CELLS }, (_, i) => new Shared(0, `shared${i}`));
    const handles = [];
    for (let t = 0; t < tasks; t++) {
      handles.push(spawn(async () => {
        const own = new Shared(0, `own${t}`);
        await own.set((await own.get()) + 1);
        await lock.withLock(async () => {
          const cell = shared[t % SHARED_CELLS]!;
          await cell.set((await cell.get()) + 1);
        });
      }));
    }
    for (const h of handles) await h.join();
  }, { races });
}

/** Wall time (ms) of one random schedule of the workload. */
async function oneSchedule(tasks: number, races: boolean): Promise<number> {
  const t0 = performance.now();
  const r = await explore(manyTasksWorkload(tasks, races), { strategy: 'random', iterations: 1, seed: 1, maxSteps: 20 * tasks });
  const ms = performance.now() - t0;
  if (r.verdict !== 'pass') throw new Error(`bench: ${tasks} tasks failed: ${r.failure?.kind} ${r.failure?.message}`);
  return ms;
}

/**
 * One schedule of N tasks with race detection on and off, rounds alternating (medians), at a few
 * sizes: the ratio should stay flat as N grows (race detection linear in the tasks). A schedule
 * of the largest size lasts seconds, so sizes past the first get fewer rounds and no warm-up
 * (the first size warms the code up). Peak RSS is the process's high-water mark after a size's
 * rounds: sizes run smallest first, so each row's peak is that size's or an earlier one's.
 */
export async function racesSection(sizes: readonly number[] = [1000, 4000, 10000]): Promise<Section> {
  const rows: (string | number)[][] = [];
  for (const [i, n] of sizes.entries()) {
    if (i === 0) {
      await oneSchedule(n, false);
      await oneSchedule(n, true);
    }
    const off: number[] = [];
    const on: number[] = [];
    for (let r = 0; r < (i === 0 ? 5 : 3); r++) {
      off.push(await oneSchedule(n, false));
      on.push(await oneSchedule(n, true));
    }
    const rss = process.resourceUsage().maxRSS / 1024;
    rows.push([n, median(off), median(on), median(on) / median(off), Math.round(rss)]);
  }
  return {
    title: 'Race detection by number of tasks (one random schedule: each task spawned by the body, own cell, shared cells under a lock, joined)',
    columns: ['tasks', 'races off (ms)', 'races on (ms)', 'on ÷ off', 'peak RSS so far (MB)'],
    rows,
    notes: ['Goal: on ÷ off ≤ 3 at 10 000 tasks, and flat as the tasks grow.'],
  };
}
