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
