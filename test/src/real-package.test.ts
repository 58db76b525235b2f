// heddle on a real npm package, unmodified: p-memoize 6.0.2 (a known race, fixed in 7.0.0).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explore, replay } from 'heddle';
import { buggy, fixed } from '../../scenarios/real/p-memoize.ts';
import { buggy as plainBuggy, fixed as plainFixed } from '../../scenarios/real/p-memoize-plain.ts';

const version = (dir: string) => (JSON.parse(readFileSync(`node_modules/${dir}/package.json`, 'utf8')) as { version: string }).version;

describe('p-memoize, unmodified', () => {
  it('the exact versions are installed', () => {
    expect(version('p-memoize-6.0.2')).toBe('6.0.2');
    expect(version('p-memoize-7.0.0')).toBe('7.0.0');
  });

  it('6.0.2 loads twice for one key: found by every sampling strategy, replayed from a pinned token', async () => {
    for (const strategy of ['random', 'pct', 'pos', 'dpor'] as const) {
      const r = await explore(buggy, { strategy, seed: 1, iterations: 500 });
      expect(r.failure?.kind, strategy).toBe('assertion');
      expect(r.failure?.message).toMatch(/the loader ran 2 times for one key/);
    }
    const back = await replay(buggy, 'heddle2:667b2bf7:BgABAgEBBQABAgQAAQD63vWkBw:7c8015b4');
    expect(back.failure?.kind).toBe('assertion');
  });

  it('7.0.0 passes: 1 000 random schedules and every schedule under DPOR', async () => {
    expect((await explore(fixed, { strategy: 'random', seed: 1, iterations: 1000 })).verdict).toBe('pass');
    const d = await explore(fixed, { strategy: 'dpor' });
    expect(d.verdict).toBe('pass');
    expect(d.complete).toBe(true);
  });

  it('with an ordinary async loader (no controlled()), 6.0.2 is found by random, dfs and dpor', async () => {
    for (const strategy of ['random', 'dfs', 'dpor'] as const) {
      const r = await explore(plainBuggy, { strategy, seed: 1, iterations: 500 });
      expect(r.failure?.kind, strategy).toBe('assertion');
      expect(r.failure?.message).toMatch(/the loader ran 2 times for one key/);
    }
  });

  it('with an ordinary async loader, 7.0.0 is verified by dpor: every await of the package is a scheduling point', async () => {
    const d = await explore(plainFixed, { strategy: 'dpor' });
    expect(d.verdict).toBe('pass');
    expect(d.complete).toBe(true);
    // Its calls are awaited one after the other: no step ever had two tasks to choose from.
    expect(d.coverage).toBe('no choice: one task alone could run at every scheduling point, so one execution is all there is');
  });
});
