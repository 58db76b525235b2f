import { describe, expect, it } from 'vitest';
import { Caveat, explore, random, scenario, Shared, spawn } from 'heddle';
import { Progress } from '../../src/cli/progress.ts';

describe('a search that cannot be a proof says so as soon as it knows', () => {
  it('one note per reason, at the execution that showed it, on a log as on a terminal', () => {
    for (const terminal of [false, true]) {
      const lines: string[] = [];
      const p = new Progress('lin/stack', terminal, (t) => lines.push(t));
      p.tick(1, 0);
      expect(lines).toEqual([]);
      p.tick(2, Caveat.Draws);
      p.tick(3, Caveat.Draws);
      expect(lines.filter((l) => l.includes('note:'))).toEqual(['  note: lin/stack cannot be proved by this search: it draws random() values, and an exhaustive search runs one value per draw, not every value\n']);
      p.tick(4, Caveat.Draws | Caveat.Uncontrolled);
      expect(lines.filter((l) => l.includes('note:'))).toHaveLength(2);
      expect(lines.at(-1)).toMatch(/does not control/);
    }
  });

  it('explore reports the draws of an exhaustive search after its first execution, and none for a sampling one', async () => {
    const drawing = scenario('fixture/draws', async () => {
      const c = new Shared(0, 'c');
      const t = spawn(() => c.set(random() < 0.5 ? 1 : 2), 't');
      await c.get();
      await t.join();
    }, { races: false });
    const seen: number[] = [];
    await explore(drawing, { strategy: 'dpor', onExecution: (_n, caveats) => seen.push(caveats) });
    expect(seen[0]).toBe(Caveat.Draws);
    const sampled: number[] = [];
    await explore(drawing, { strategy: 'random', iterations: 3, onExecution: (_n, caveats) => sampled.push(caveats) });
    expect(sampled).toEqual([0, 0, 0]);
  });
});
