import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { explore, replay, scenario, Shared, spawn, yieldNow, type StrategyName } from 'heddle';
import { lostUpdate, oppositeLocks } from '../fixtures/programs.ts';
import { threeOrderings } from '../../scenarios/deep/three-orderings.ts';
import { makeStrategy } from '../../src/strategies.ts';
import { ShardStrategy } from '../../scheduler/strategies/shard.ts';
import type { SearchStrategy } from '../../scheduler/strategy.ts';

const SAMPLING: StrategyName[] = ['random', 'pct', 'pos', 'portfolio'];

/** Schedules each strategy needed to find the failure, per seed. */
async function executionsToBug(s: ReturnType<typeof threeOrderings>, strategy: StrategyName, seeds: number[]): Promise<number[]> {
  const out: number[] = [];
  for (const seed of seeds) {
    const r = await explore(s, { strategy, seed, iterations: 3000 });
    expect(r.failure?.kind, `${strategy} seed ${seed}`).toBe('assertion');
    out.push(r.schedulesRun);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// A spin loop that ends once another task sets the flag: correct under any fair schedule.
const fairSpin = scenario('fixture/fair-spin', async () => {
  const flag = Shared.atomic(false, 'flag');
  const waiter = spawn(async () => {
    while (!(await flag.get())) await yieldNow();
  }, 'waiter');
  const setter = spawn(async () => {
    await yieldNow();
    await flag.set(true);
  }, 'setter');
  await waiter.join();
  await setter.join();
}, { maxSteps: 500 });

describe('sampling strategies', () => {
  for (const strategy of SAMPLING) {
    it(`${strategy} finds the lost update and the opposite-order deadlock`, async () => {
      expect((await explore(lostUpdate, { strategy, seed: 1, iterations: 500 })).failure?.kind).toBe('assertion');
      expect((await explore(oppositeLocks, { strategy, seed: 1, iterations: 500 })).failure?.kind).toBe('deadlock');
    });

    it(`${strategy} is deterministic: same seed, same failure token, twice`, async () => {
      const s = threeOrderings(2);
      const a = await explore(s, { strategy, seed: 11, iterations: 2000 });
      const b = await explore(s, { strategy, seed: 11, iterations: 2000 });
      expect(a.failure?.token).toBeDefined();
      expect(b.failure?.token).toBe(a.failure?.token);
      expect(b.schedulesRun).toBe(a.schedulesRun);
    });

    it(`${strategy} does not mistake a fair spin loop for a livelock`, async () => {
      const r = await explore(fairSpin, { strategy, seed: 3, iterations: 200 });
      expect(r.failure?.message).toBeUndefined();
    });
  }

  for (const strategy of ['pct', 'pos'] as const) {
    it(`${strategy} gives the same token in a child process`, async () => {
      // The child loads the scenario through heddle's loader, as this test file is loaded by vitest's plugin.
      const code = `import { registerInstrumentation } from './src/instrument/register.ts'; registerInstrumentation();
        const { explore } = await import('heddle'); const { threeOrderings } = await import('./scenarios/deep/three-orderings.ts');
        const r = await explore(threeOrderings(2), { strategy: '${strategy}', seed: 11, iterations: 2000 }); console.log(r.failure.token);`;
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
      const here = await explore(threeOrderings(2), { strategy, seed: 11, iterations: 2000 });
      expect(out.trim()).toBe(here.failure?.token);
    });
  }

  it('a pct failure replays from its execution seed alone', async () => {
    const r = await explore(threeOrderings(3), { strategy: 'pct', seed: 5, iterations: 2000, shrink: false });
    expect(r.failure?.seed).toMatch(/^\d+\/\d+$/);
    const back = await replay(threeOrderings(3), r.failure!.seed!, { strategy: 'pct' });
    expect(back.failure?.token).toBe(r.failure?.token);
  });

  for (const name of ['random', 'pct', 'pos', 'portfolio'] as const) {
    it(`${name}: a slice skips the executions of other slices and still runs the unsplit seeds`, () => {
      const seedsOf = (s: SearchStrategy, n: number) => {
        const out: string[] = [];
        for (let i = 0; i < n && s.newExecution(); i++) out.push(`${s.executionIndex ?? i}:${s.executionSeed}`);
        return out;
      };
      const whole = seedsOf(makeStrategy(name, { seed: '7' }), 60);
      for (const count of [2, 3]) {
        const parts = [];
        for (let index = 0; index < count; index++) {
          parts.push(...seedsOf(new ShardStrategy(makeStrategy(name, { seed: '7' }), index, count, 60, 0), 60));
        }
        expect(parts.sort()).toEqual([...whole].sort());
      }
    });
  }

  it('the portfolio names the member strategy that found the failure', async () => {
    const r = await explore(threeOrderings(2), { strategy: 'portfolio', seed: 2, iterations: 2000 });
    expect(['random', 'pct', 'pos']).toContain(r.failure?.strategy);
    expect(r.strategy).toBe('portfolio');
  });

  it('pct and pos need fewer executions than random on a depth-3 ordering bug (median of 7 pinned seeds)', async () => {
    const s = threeOrderings(4);
    const seeds = [1, 2, 3, 4, 5, 6, 7];
    const random = median(await executionsToBug(s, 'random', seeds));
    const pct = median(await executionsToBug(s, 'pct', seeds));
    const pos = median(await executionsToBug(s, 'pos', seeds));
    expect(pct).toBeLessThan(random);
    expect(pos).toBeLessThan(random);
    expect(pct * 3).toBeLessThan(random); // not a marginal win
    expect(pos * 3).toBeLessThan(random);
  });
});
