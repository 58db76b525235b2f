import { describe, expect, it } from 'vitest';
import { draw, prng } from '../../scheduler/strategies/random.ts';

// Recorded draws (schedule tokens, PCT priorities) must replay bit for bit. `draw` returns
// Alea's output as it is, which is right only while every output is a multiple of 2^-32.
describe('draw', () => {
  it('is a 32-bit fraction: the same number as the PRNG int32 scaled to [0, 1)', () => {
    for (let s = 0; s < 50; s++) {
      const a = prng(`draw-test-${s}`);
      const b = prng(`draw-test-${s}`);
      for (let i = 0; i < 2000; i++) {
        const x = draw(a);
        expect(x).toBe((b.int32() >>> 0) / 2 ** 32);
        expect(Number.isInteger(x * 2 ** 32)).toBe(true);
      }
    }
  });
});
