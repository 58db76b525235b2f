// A failure found by the portfolio's depth-2 PCT member names the flags its seed needs: the
// printed rerun line (`--strategy pct --depth 2 --seed …`) runs that very execution first.
import { describe, expect, it } from 'vitest';
import { explore } from 'heddle';
import { rerunCommand } from '../../src/report/command.ts';
import { threeOrderings } from '../../scenarios/deep/three-orderings.ts';

describe('rerun flags', () => {
  it('a failure of the depth-2 PCT member reruns from --strategy pct --depth 2 --seed', async () => {
    const s = threeOrderings(1);
    let found: Awaited<ReturnType<typeof explore>>['failure'];
    for (let seed = 1; seed <= 200 && found === undefined; seed++) {
      const r = await explore(s, { strategy: 'portfolio', seed, iterations: 400, shrink: false });
      if (r.failure?.rerunFlags !== undefined) found = r.failure;
    }
    expect(found, 'no seed of 200 had the depth-2 member find the bug first').toBeDefined();
    expect(found!.strategy).toBe('pct');
    expect(found!.rerunFlags).toEqual(['--depth', '2']);
    expect(rerunCommand({ cli: 'npx tsx', target: s.name }, found!.strategy, found!.seed!, found!.rerunFlags))
      .toMatch(/ check \S+ --strategy pct --depth 2 --seed \d+\/\d+$/);
    const again = await explore(s, { strategy: 'pct', depth: 2, seed: found!.seed!, iterations: 1, shrink: false });
    expect(again.failure?.token).toBe(found!.token);
  });
});
