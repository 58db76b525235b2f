// Executions per second on the seed-model scenarios (fixed versions: full budgets, random).
import { performance } from 'node:perf_hooks';
import { explore } from 'heddle';
import { loadAll } from '../src/cli/load.ts';
import { registerInstrumentation } from '../src/instrument/register.ts';
import { renderSection, type Section } from './lib.ts';

export async function sections(): Promise<Section[]> {
  const rows: (string | number)[][] = [];
  registerInstrumentation(); // scenarios load as `check` loads them
  for (const { scenario } of await loadAll()) {
    if (!/^(cache|counter|pool|registry|jobs)\/.*\.fixed$/.test(scenario.name)) continue;
    await explore(scenario, { strategy: 'random', iterations: 200 }); // warm-up
    const t0 = performance.now();
    const r = await explore(scenario, { strategy: 'random', iterations: 2000 });
    const seconds = (performance.now() - t0) / 1000;
    rows.push([scenario.name, r.schedulesRun / seconds, r.stepsRun / r.schedulesRun]);
  }
  return [{ title: 'Seed-model scenarios: executions per second (random, 2 000 schedules, race detection on)',
    columns: ['scenario', 'executions/s', 'steps per execution'], rows }];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of await sections()) console.log(renderSection(s));
}
