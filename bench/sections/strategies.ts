import { explore, type StrategyName } from 'heddle';
import { loadAll } from '../../src/cli/load.ts';
import { registerInstrumentation } from '../../src/instrument/register.ts';
import { median, type Section } from '../lib.ts';

const STRATEGIES: StrategyName[] = ['random', 'pct', 'pos', 'portfolio'];
const SEEDS = [1, 2, 3, 4, 5];
const BUDGET = 2000;

/** Executions to the first failure of the declared kind, per strategy, median over seeds. */
export async function strategiesSection(): Promise<Section> {
  // The scenarios load as `check` loads them: instrumented (the bench's own modules, loaded
  // before this, are not).
  registerInstrumentation();
  const buggy = (await loadAll()).filter(({ scenario }) => {
    const kind = scenario.options.expect ?? 'pass';
    return kind !== 'pass' && kind !== 'nondeterminism';
  });
  const rows: (string | number)[][] = [];
  for (const { scenario } of buggy) {
    const row: (string | number)[] = [scenario.name];
    for (const strategy of STRATEGIES) {
      const counts: number[] = [];
      let missed = 0;
      for (const seed of SEEDS) {
        const r = await explore(scenario, { strategy, seed, iterations: BUDGET, shrink: false });
        if (r.failure?.kind === scenario.options.expect) counts.push(r.schedulesRun);
        else missed++;
      }
      row.push(counts.length === 0 ? `not in ${BUDGET}` : `${median(counts)}${missed ? ` (${missed} missed)` : ''}`);
    }
    rows.push(row);
  }
  return {
    title: `Executions to the first bug (median over seeds ${SEEDS.join(', ')}; budget ${BUDGET})`,
    columns: ['scenario', ...STRATEGIES],
    rows,
  };
}
