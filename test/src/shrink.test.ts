import { describe, expect, it } from 'vitest';
import { explore, replay } from 'heddle';
import { threeOrderings } from '../../scenarios/deep/three-orderings.ts';
import { lostUpdate, oppositeLocks } from '../fixtures/programs.ts';

describe('shrinking', () => {
  it('reports a schedule with no more preemptions than the one found, failing the same way', async () => {
    for (const s of [lostUpdate, oppositeLocks, threeOrderings(3)]) {
      for (const seed of [1, 2, 3, 4]) {
        const raw = await explore(s, { strategy: 'random', seed, iterations: 3000, shrink: false });
        const shrunk = await explore(s, { strategy: 'random', seed, iterations: 3000 });
        expect(shrunk.failure?.kind).toBe(raw.failure?.kind);
        expect(shrunk.failure!.preemptions).toBeLessThanOrEqual(raw.failure!.preemptions);
        if (shrunk.failure!.preemptions === raw.failure!.preemptions) expect(shrunk.failure!.steps).toBeLessThanOrEqual(raw.failure!.steps);
        if (shrunk.failure!.shrunk) expect(shrunk.failure!.shrunk.preemptions).toBe(raw.failure!.preemptions);
        const back = await replay(s, shrunk.failure!.token);
        expect(back.failure?.kind).toBe(raw.failure?.kind);
      }
    }
  });

  it('brings the opposite-order deadlock down to its one necessary preemption', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await explore(oppositeLocks, { strategy: 'random', seed, iterations: 500 });
      expect(r.failure?.kind).toBe('deadlock');
      expect(r.failure?.preemptions).toBe(1);
    }
  });

  it('brings the lost update down to one preemption', async () => {
    const r = await explore(lostUpdate, { strategy: 'random', seed: 9, iterations: 500 });
    expect(r.failure?.preemptions).toBe(1);
  });

  it('is deterministic', async () => {
    const a = await explore(threeOrderings(3), { strategy: 'random', seed: 4, iterations: 3000 });
    const b = await explore(threeOrderings(3), { strategy: 'random', seed: 4, iterations: 3000 });
    expect(a.failure?.token).toBe(b.failure?.token);
    expect(a.failure?.shrunk).toEqual(b.failure?.shrunk);
  });
});
