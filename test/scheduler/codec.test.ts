import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, fnv1a, scenarioHash, TokenError } from '../../scheduler/codec.ts';

describe('schedule tokens', () => {
  const schedule = { choices: [0, 0, 1, 2, 2, 2, 1, 0, 300, 300], randoms: [0, 0.5, 0.999999] };

  it('round-trips choices, random draws and the trace hash', () => {
    const token = encodeToken('cache/get', schedule, 0xdeadbeef);
    expect(token).toMatch(/^heddle2:[0-9a-f]{8}:[A-Za-z0-9_-]+:[0-9a-f]{8}$/);
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
  const [, hash, payload, check] = good.split(':') as [string, string, string, string];
  const malformed: [string, RegExp][] = [
    ['', /damaged token: it must start with 'heddle2:'/],
    ['heddle2:zz', /damaged token: expected heddle2:<scenario>:<schedule>:<check>, found 2 fields/],
    ['heddle1:00000000:AAAA', /made by an older heddle \(heddle1; this one reads heddle2 tokens\): run check again/],
    ['heddle9:00000000:AAAA:00000000', /made by a newer heddle \(heddle9/],
    ['nope:00000000:AAAA:00000000', /it must start with 'heddle2:', not 'nope:'/],
    [good.toUpperCase(), /it must start with 'heddle2:', not 'HEDDLE2:'/],
    [`heddle2:xyz:${payload}:${check}`, /the scenario field is not 8 hex digits/],
    [`heddle2:${hash}:$$$:${check}`, /the schedule field is not base64url/],
    [`heddle2:${hash}:${payload}:${check.toUpperCase()}`, /the check field is not 8 hex digits/],
    [good.slice(0, -1), /the check field is not 8 hex digits/],
    [`heddle2:${hash}:${payload[0] === 'A' ? 'B' : 'A'}${payload.slice(1)}:${check}`, /its check does not match/],
    [`heddle2:${hash}:${payload}AAAA:${check}`, /its check does not match/],
    [`${good}:00000000`, /found 5 fields/],
  ];
  for (const [token, why] of malformed) {
    it(`rejects ${JSON.stringify(token.slice(0, 40))}`, () => {
      expect(() => decodeToken(token)).toThrow(TokenError);
      expect(() => decodeToken(token)).toThrow(why);
    });
  }

  it('refuses a token whose check matches but whose schedule is not canonical (forged by hand)', () => {
    const body = `heddle2:${hash}:${payload}A`;
    expect(() => decodeToken(`${body}:${fnv1a(body).toString(16).padStart(8, '0')}`)).toThrow(/damaged token: the schedule is not canonical|trailing data/);
  });

  it('ignores white space around a token, not inside it', () => {
    expect(decodeToken(` ${good}\n`).traceHash).toBe(7);
    expect(() => decodeToken(good.replace(':', ': '))).toThrow(/damaged token/);
  });
});
