import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, scenarioHash, TokenError } from '../../scheduler/codec.ts';

describe('schedule tokens', () => {
  const schedule = { choices: [0, 0, 1, 2, 2, 2, 1, 0, 300, 300], randoms: [0, 0.5, 0.999999] };

  it('round-trips choices, random draws and the trace hash', () => {
    const token = encodeToken('cache/get', schedule, 0xdeadbeef);
    expect(token).toMatch(/^heddle1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    const back = decodeToken(token);
    expect(back.schedule.choices).toEqual(schedule.choices);
    expect(back.schedule.randoms.map((r) => Math.round(r * 2 ** 32))).toEqual(schedule.randoms.map((r) => Math.floor(r * 2 ** 32)));
    expect(back.traceHash).toBe(0xdeadbeef);
    expect(back.scenarioHash).toBe(scenarioHash('cache/get'));
  });

  it('round-trips an empty schedule and a long one compactly', () => {
    expect(decodeToken(encodeToken('x', { choices: [], randoms: [] }, 0)).schedule.choices).toEqual([]);
    const long = { choices: Array.from({ length: 5000 }, (_, i) => (i % 100 < 90 ? 0 : 1)), randoms: [] };
    const token = encodeToken('x', long, 1);
    expect(decodeToken(token).schedule.choices).toEqual(long.choices);
    expect(token.length).toBeLessThan(600);
  });

  const good = encodeToken('s', { choices: [0, 1, 1, 2], randoms: [] }, 7);
  const malformed: [string, RegExp][] = [
    ['', /malformed token/],
    ['heddle1:zz', /malformed token/],
    ['heddle9:00000000:AAAA', /version 'heddle9' is not supported/],
    ['nope:00000000:AAAA', /must start with 'heddle1:'/],
    ['heddle1:xyz:AAAA', /bad scenario hash/],
    ['heddle1:00000000:$$$', /not base64url/],
    [good.slice(0, -3), /truncated|checksum|canonical|malformed/],
    [good.replace(/:([A-Za-z0-9_-])/g, (m, c: string) => ':' + (c === 'A' ? 'B' : 'A')), /checksum|malformed|truncated|bad run/],
    [good + 'AAAA', /trailing|checksum|canonical|malformed/],
  ];
  for (const [token, why] of malformed) {
    it(`rejects ${JSON.stringify(token.slice(0, 40))}`, () => {
      expect(() => decodeToken(token)).toThrow(TokenError);
      expect(() => decodeToken(token)).toThrow(why);
    });
  }
});
