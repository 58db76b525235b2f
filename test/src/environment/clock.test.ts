import assert from 'node:assert/strict';
import * as timersPromises from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { explore, scenario, sleep, VIRTUAL_EPOCH } from 'heddle';

const RealDate = Date;
const realNow = Date.now;
const realPerformanceNow = performance.now;
const realHrtime = process.hrtime;

/** Written for plain Node: expiry by Date.now(), eviction by setTimeout. */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  set(key: string, value: V, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    setTimeout(() => {
      const entry = this.entries.get(key);
      if (entry !== undefined && entry.expiresAt <= Date.now()) this.entries.delete(key);
    }, ttlMs).unref();
  }
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAt <= Date.now()) return undefined;
    return entry.value;
  }
  get size(): number {
    return this.entries.size;
  }
}

describe('virtual clock', () => {
  it('a TTL cache on Date.now and setTimeout: a 61 s sleep moves Date.now by 61,000 ms, an entry expires exactly at its TTL', async () => {
    const s = scenario('clock/ttl', async () => {
      const cache = new TtlCache<string>();
      const start = Date.now();
      assert.equal(start, VIRTUAL_EPOCH); // virtual time starts at 0 in every execution
      cache.set('k', 'v', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 59_999));
      assert.equal(cache.get('k'), 'v');
      await timersPromises.setTimeout(1);
      assert.equal(Date.now() - start, 60_000);
      assert.equal(cache.get('k'), undefined, 'expired exactly at its TTL');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(Date.now() - start, 61_000);
      assert.equal(cache.size, 0, 'the eviction timer ran');
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'random', iterations: 50 });
    expect(r.failure?.message).toBeUndefined();
    expect(r.schedulesRun).toBe(50);
  });

  it('new Date() and Date() follow virtual time; new Date(x), Date.UTC, Date.parse, instanceof and subclasses keep working', async () => {
    const before = new RealDate(2000, 0, 1);
    const s = scenario('clock/date', async () => {
      await sleep(1_500);
      assert.equal(new Date().toISOString(), '2026-01-01T00:00:01.500Z');
      assert.equal(Date(), new RealDate(VIRTUAL_EPOCH + 1_500).toString());
      assert.equal((Date as (...args: unknown[]) => string)(123), Date()); // as a function, Date ignores its arguments
      assert.equal(new Date(0).getTime(), 0);
      assert.equal(new Date('2020-02-02T00:00:00Z').getUTCDate(), 2);
      assert.equal(new Date(2020, 1, 2).getMonth(), 1);
      assert.equal(Date.UTC(2026, 0, 1), VIRTUAL_EPOCH);
      assert.equal(Date.parse('2026-01-01T00:00:00.000Z'), VIRTUAL_EPOCH);
      assert.ok(new Date() instanceof Date);
      assert.ok(before instanceof Date); // made with the real constructor
      assert.equal(new Date().constructor, Date);
      assert.equal(Object.prototype.toString.call(new Date()), '[object Date]');
      class Stamp extends Date {
        label(): string {
          return `at ${this.toISOString()}`;
        }
      }
      assert.equal(new Stamp().label(), 'at 2026-01-01T00:00:01.500Z');
      assert.ok(new Stamp() instanceof Date);
      assert.equal(new Date(new Date()).getTime(), VIRTUAL_EPOCH + 1_500);
    }, { environment: { clock: true } });
    const r = await explore(s, { iterations: 3 });
    expect(r.failure?.message).toBeUndefined();
  });

  it('performance.now() and process.hrtime() count virtual milliseconds from 0', async () => {
    const s = scenario('clock/performance', async () => {
      assert.equal(performance.now(), 0);
      const t0 = process.hrtime();
      await new Promise((resolve) => setTimeout(resolve, 2.5)); // Node truncates a delay: 2 ms
      assert.equal(performance.now(), 2);
      assert.deepEqual(process.hrtime(t0), [0, 2_000_000]);
      await sleep(0.5); // heddle's own sleep keeps fractions
      await timersPromises.setTimeout(10_000);
      assert.equal(process.hrtime.bigint(), 10_002_500_000n);
      assert.equal(Date.now(), VIRTUAL_EPOCH + 10_002); // whole milliseconds
    }, { environment: { timers: true } });
    const r = await explore(s, { iterations: 3 });
    expect(r.failure?.message).toBeUndefined();
  });

  it('a task resumed a few promise hops after a timer still reads virtual time and sets virtual timers', async () => {
    async function wait(ms: number): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    async function waitTwice(ms: number): Promise<void> {
      await wait(ms);
      await null;
    }
    const s = scenario('clock/resumed', async () => {
      await waitTwice(1_000);
      assert.equal(Date.now(), VIRTUAL_EPOCH + 1_000);
      await waitTwice(1_000).then(() => 1).then(() => 2);
      assert.equal(Date.now(), VIRTUAL_EPOCH + 2_000);
    }, { environment: { timers: true } });
    const r = await explore(s, { iterations: 3 });
    expect(r.failure?.message).toBeUndefined();
  });

  it('clock: false keeps the wall clock with virtual timers; clock alone follows heddle\'s sleep', async () => {
    const wall = scenario('clock/off', async () => {
      await new Promise((resolve) => setTimeout(resolve, 61_000));
      assert.ok(Math.abs(Date.now() - realNow()) < 60_000, 'wall time');
    }, { environment: { timers: true, clock: false } });
    expect((await explore(wall, { iterations: 2 })).failure?.message).toBeUndefined();
    const alone = scenario('clock/alone', async () => {
      await sleep(61_000);
      assert.equal(Date.now(), VIRTUAL_EPOCH + 61_000);
    }, { environment: { clock: true } });
    expect((await explore(alone, { iterations: 2 })).failure?.message).toBeUndefined();
  });

  it('the real clock is back after a throwing execution, and untouched outside explorations', async () => {
    const s = scenario('clock/throws', async () => {
      await sleep(5);
      throw new Error(`boom at ${new Date().toISOString()}`);
    }, { environment: true });
    const r = await explore(s, { iterations: 5 });
    expect(r.verdict).toBe('fail');
    expect(r.failure?.message).toMatch(/boom at 2026-01-01T00:00:00.005Z/);
    expect(Date).toBe(RealDate);
    expect(Date.now).toBe(realNow);
    expect(Date.prototype.constructor).toBe(RealDate);
    expect(performance.now).toBe(realPerformanceNow);
    expect(process.hrtime).toBe(realHrtime);
    expect(Math.abs(Date.now() - new RealDate().getTime())).toBeLessThan(1_000);
    expect(new Date().getFullYear()).toBeGreaterThanOrEqual(2025);
  });
});
