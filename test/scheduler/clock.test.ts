import { describe, expect, it } from 'vitest';
import { VectorClock } from '../../scheduler/clock.ts';

describe('VectorClock', () => {
  it('orders an event before what a joining task does next', () => {
    const a = new VectorClock().tick(0);
    const b = new VectorClock().tick(1).join(a).tick(1);
    expect(a.lessOrEqual(b)).toBe(true);
    expect(b.lessOrEqual(a)).toBe(false);
    expect(a.concurrentWith(b)).toBe(false);
  });

  it('calls events of two tasks with no join concurrent', () => {
    const a = new VectorClock().tick(0);
    const b = new VectorClock().tick(1);
    expect(a.concurrentWith(b)).toBe(true);
  });

  it('clones independently', () => {
    const a = new VectorClock().tick(2);
    const b = a.clone().tick(2);
    expect(a.get(2)).toBe(1);
    expect(b.get(2)).toBe(2);
    expect(b.toString()).toBe('[0,0,2]');
  });
});

describe('VectorClock shared between clones and joins', () => {
  // A dense array per clock is the oracle; the clocks share nodes copy-on-write, so a change to
  // one that leaked into another would show up as a component the oracle does not have.
  it('agrees with dense arrays over random ticks, joins and clones of up to 5 000 tasks (three levels)', () => {
    let state = 12345;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const clocks: VectorClock[] = [new VectorClock()];
    const dense: number[][] = [[]];
    const at = (d: number[], t: number) => d[t] ?? 0;
    for (let step = 0; step < 4000; step++) {
      const a = next(clocks.length);
      const op = next(10);
      if (op < 5) {
        const task = next(4) === 0 ? next(5000) : next(70);
        clocks[a]!.tick(task);
        dense[a]![task] = at(dense[a]!, task) + 1;
      } else if (op < 8) {
        const b = next(clocks.length);
        clocks[a]!.join(clocks[b]!);
        const db = dense[b]!;
        for (let t = 0; t < db.length; t++) dense[a]![t] = Math.max(at(dense[a]!, t), at(db, t));
      } else if (clocks.length < 60) {
        clocks.push(clocks[a]!.clone());
        dense.push(dense[a]!.slice());
      }
      if (step % 200 === 0 || step === 3999) {
        clocks.forEach((c, i) => {
          const d = dense[i]!;
          for (let t = 0; t < d.length; t++) if (c.get(t) !== at(d, t)) expect([i, t, c.get(t)]).toEqual([i, t, at(d, t)]);
          expect(c.get(d.length + 5)).toBe(0);
        });
        const [x, y] = [next(clocks.length), next(clocks.length)];
        const leq = dense[x]!.every((v, t) => v === undefined || v <= at(dense[y]!, t));
        expect(clocks[x]!.lessOrEqual(clocks[y]!)).toBe(leq);
      }
    }
  });
});
