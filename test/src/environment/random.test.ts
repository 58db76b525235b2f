import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { randomUUID as importedRandomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { explore, replay, scenario, spawn } from 'heddle';

const realMathRandom = Math.random;
const realRandomUUID = nodeCrypto.randomUUID;
const realWebRandomUUID = globalThis.crypto.randomUUID;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** One of each virtual random source, as plain Node code would call them. */
function draws(): string[] {
  return [
    String(Math.random()),
    crypto.randomUUID(),
    Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    nodeCrypto.randomUUID(),
    importedRandomUUID(), // an ESM named import sees the replacement too
    nodeCrypto.randomBytes(6).toString('hex'),
    String(nodeCrypto.randomInt(1_000_000)),
    Buffer.from(nodeCrypto.randomFillSync(new Uint8Array(4))).toString('hex'),
    Buffer.from(nodeCrypto.webcrypto.getRandomValues(new Uint32Array(1)).buffer).toString('hex'),
  ];
}

describe('recorded randomness', () => {
  it('a failure replayed from its token draws the very same Math.random, UUIDs and bytes', async () => {
    const s = scenario('random/replay', async () => {
      const seen: string[] = [];
      const a = spawn(() => seen.push(...draws()), 'a');
      const b = spawn(() => seen.push(...draws()), 'b');
      await a.join();
      await b.join();
      assert.ok(Number(seen[0]) < 0.5, `drew ${seen.join(' ')}`);
    }, { environment: { random: true } });
    const r = await explore(s, { strategy: 'random', seed: 7, iterations: 200 });
    expect(r.failure?.kind).toBe('assertion');
    const drawn = /drew (.*)/.exec(r.failure!.message)![1]!.split(' ');
    expect(drawn).toHaveLength(18);
    expect(new Set(drawn).size).toBe(18);
    const again = await replay(s, r.failure!.token);
    expect(again.failure?.message).toBe(r.failure!.message);
  });

  it('other seeds draw other values; each value has the real API\'s shape and range', async () => {
    let first: string[] | null = null; // of each search: a search may run an execution twice
    const s = scenario('random/seeds', () => {
      const values = draws();
      first ??= values;
      assert.ok(Number(values[0]) >= 0 && Number(values[0]) < 1);
      assert.match(values[1]!, UUID_V4);
      assert.match(values[3]!, UUID_V4);
      assert.equal(values[5]!.length, 12);
      const n = nodeCrypto.randomInt(-3, 3);
      assert.ok(Number.isInteger(n) && n >= -3 && n < 3);
      const array = new Int16Array(3);
      assert.equal(crypto.getRandomValues(array), array);
    }, { environment: { random: true } });
    const firsts: string[][] = [];
    for (const seed of [1, 2, 3]) {
      first = null;
      expect((await explore(s, { strategy: 'random', seed, iterations: 1 })).failure?.message).toBeUndefined();
      firsts.push(first!);
    }
    for (let i = 0; i < firsts[0]!.length; i++) {
      expect(new Set(firsts.map((v) => v[i])).size, `source ${i}`).toBe(3);
    }
  });

  it('bad arguments throw Node\'s own errors', async () => {
    const s = scenario('random/errors', () => {
      assert.throws(() => crypto.getRandomValues(new Float64Array(1) as never), { name: 'TypeMismatchError' });
      assert.throws(() => crypto.getRandomValues(new Uint8Array(65_537)), { name: 'QuotaExceededError' });
      assert.throws(() => nodeCrypto.randomInt(5, 1), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => nodeCrypto.randomBytes(-1), { code: 'ERR_OUT_OF_RANGE' });
    }, { environment: { random: true } });
    expect((await explore(s, { iterations: 2 })).failure?.message).toBeUndefined();
  });

  it('callback forms deliver in a task of their own', async () => {
    const s = scenario('random/callbacks', async () => {
      const [bytes, n] = await Promise.all([
        new Promise<Buffer>((resolve, reject) => nodeCrypto.randomBytes(4, (err, buf) => (err ? reject(err) : resolve(buf)))),
        new Promise<number>((resolve, reject) => nodeCrypto.randomInt(10, 20, (err, value) => (err ? reject(err) : resolve(value)))),
      ]);
      assert.equal(bytes.length, 4);
      assert.ok(n >= 10 && n < 20);
    }, { environment: { random: true } });
    expect((await explore(s, { iterations: 5 })).failure?.message).toBeUndefined();
  });

  it('the real functions are back after a throwing execution, and untouched outside explorations', async () => {
    const s = scenario('random/throws', () => {
      throw new Error(`drew ${Math.random()}`);
    }, { environment: true });
    expect((await explore(s, { iterations: 3 })).verdict).toBe('fail');
    expect(Math.random).toBe(realMathRandom);
    expect(nodeCrypto.randomUUID).toBe(realRandomUUID);
    expect(importedRandomUUID).toBe(realRandomUUID);
    expect(globalThis.crypto.randomUUID).toBe(realWebRandomUUID);
    expect(Object.prototype.hasOwnProperty.call(globalThis.crypto, 'getRandomValues')).toBe(false);
    expect(crypto.randomUUID()).not.toBe(crypto.randomUUID());
  });
});
