import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from 'heddle';
import { WorkerPool } from '../../src/parallel/pool.ts';
import { exploreInWorkers } from '../../src/parallel/split.ts';
import { lowerBound, mergeResults, newBound, NO_BOUND, readBound } from '../../src/parallel/protocol.ts';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { threeOrderings } from '../../scenarios/deep/three-orderings.ts';
import { safeCounter } from '../fixtures/programs.ts';

const FILE = 'scenarios/deep/three-orderings.ts';
const NAME = 'deep/three-orderings-4';

async function cli(command: 'check' | 'merge', ...args: string[]) {
  const out = recordingOutput();
  const code = await runCommand(command, args, out);
  return { code, out: out.out.join('\n'), err: out.err.join('\n') };
}

describe('split searches', () => {
  for (const strategy of ['random', 'portfolio', 'pct', 'pos'] as const) {
    it(`${strategy}: every shard count finds the same first failure as one process`, async () => {
      const whole = await explore(threeOrderings(4), { strategy, seed: 3, iterations: 3000 });
      expect(whole.failure).toBeDefined();
      for (const count of [2, 3]) {
        const parts = [];
        for (let index = 0; index < count; index++) parts.push(await explore(threeOrderings(4), { strategy, seed: 3, iterations: 3000, shard: { index, count } }));
        // The earliest failure wins, numbered as the unsplit search numbers it.
        const merged = mergeResults(parts);
        expect(merged.failureIndex).toBe(whole.failureIndex);
        expect(merged.failure?.token).toBe(whole.failure?.token);
      }
    });
  }

  it('merged slices list one race warning per cell, the same whichever slice met it first', () => {
    const warning = (cell: string, step: number, token: string) => ({ kind: 'data-race' as const, cell, token,
      message: `unordered accesses to cell '${cell}': … (step ${step}) …` });
    const slice = (warnings: ReturnType<typeof warning>[]) => ({ scenario: 's', verdict: 'pass' as const, strategy: 'dpor',
      schedulesRun: 10, stepsRun: 100, pruned: 0, complete: true, coverage: 'verified: 10 traces, complete', warnings });
    const a = slice([warning('total', 41, 'heddle2:b'), warning('x', 3, 'heddle2:x')]);
    const b = slice([warning('total', 33, 'heddle2:a')]);
    for (const order of [[a, b], [b, a]]) {
      expect(mergeResults(order).warnings!.map((w) => [w.cell, w.token]).sort()).toEqual([['total', 'heddle2:a'], ['x', 'heddle2:x']]);
    }
  });

  it('shards of a passing search cover every execution exactly once', async () => {
    const total = 120;
    const counts = [];
    for (let index = 0; index < 3; index++) counts.push((await explore(safeCounter, { strategy: 'portfolio', seed: 9, iterations: total, shard: { index, count: 3 } })).schedulesRun);
    expect(counts).toEqual([40, 40, 40]);
  });

  it('--workers 2 finds the same failure (same token) as --workers 1', async () => {
    const one = await exploreInWorkers({ file: FILE, scenario: NAME, options: { seed: 5, iterations: 3000 }, count: 1 });
    const two = await exploreInWorkers({ file: FILE, scenario: NAME, options: { seed: 5, iterations: 3000 }, count: 2 });
    const inProcess = await explore(threeOrderings(4), { seed: 5, iterations: 3000 });
    expect(two.failure?.token).toBe(one.failure?.token);
    expect(two.failure?.token).toBe(inProcess.failure?.token);
    expect(two.failureIndex).toBe(inProcess.failureIndex);
  });

  it('one pool serves several searches, with the results of fresh workers', async () => {
    const pool = new WorkerPool();
    try {
      for (const seed of [5, 6]) {
        const fresh = await exploreInWorkers({ file: FILE, scenario: NAME, options: { seed, iterations: 3000 }, count: 3 });
        const pooled = await exploreInWorkers({ file: FILE, scenario: NAME, options: { seed, iterations: 3000 }, count: 3 }, threeOrderings(4), pool);
        expect(pooled.failure?.token).toBe(fresh.failure?.token);
        expect(pooled.failureIndex).toBe(fresh.failureIndex);
      }
      const passing = await exploreInWorkers({ file: 'test/fixtures/programs.ts', scenario: safeCounter.name, options: { strategy: 'portfolio', seed: 9, iterations: 120 }, count: 3 }, safeCounter, pool);
      expect(passing.verdict).toBe('pass');
      expect(passing.schedulesRun).toBe(120);
    } finally {
      await pool.close();
    }
  });

  it('the shared bound holds execution indices past 2^31 (subtree-ordered keys)', () => {
    const bound = new BigInt64Array(newBound());
    expect(readBound(bound)).toBe(Number(NO_BOUND));
    lowerBound(bound, 300 * 2 ** 24 + 7);
    lowerBound(bound, 2 ** 40);
    expect(readBound(bound)).toBe(300 * 2 ** 24 + 7);
  });

  it('check --shard and merge combine into the unsplit verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-shards-'));
    const files = [];
    for (let i = 1; i <= 3; i++) {
      const r = await cli('check', NAME, '--shard', `${i}/3`, '--json', '--seed', '5');
      const file = join(dir, `shard${i}.json`);
      writeFileSync(file, r.out + '\n');
      files.push(file);
    }
    const merged = await cli('merge', ...files, '--json');
    expect(merged.code).toBe(0);
    const obj = JSON.parse(merged.out);
    const whole = JSON.parse((await cli('check', NAME, '--json', '--seed', '5')).out);
    expect(obj.failureIndex).toBe(whole.failureIndex);
    expect(obj.failure.token).toBe(whole.failure.token);
    expect(obj.shards).toHaveLength(3);
  });

  it('merge: a DPOR shard that found a failure ran the whole search, and its line answers for every shard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-shards-'));
    const files = [];
    const ranWhole = [];
    for (let i = 1; i <= 2; i++) {
      const r = await cli('check', 'benchmarks/lost-update-2', '--strategy', 'dpor', '--shard', `${i}/2`, '--json');
      const file = join(dir, `shard${i}.json`);
      writeFileSync(file, r.out + '\n');
      files.push(file);
      if (JSON.parse(r.out).whole === true) ranWhole.push(i);
    }
    expect(ranWhole).toEqual([2]); // the failing order of the pivot pair is slice 2's
    const whole = JSON.parse((await cli('check', 'benchmarks/lost-update-2', '--strategy', 'dpor', '--json')).out);
    const merged = JSON.parse((await cli('merge', ...files, '--json')).out);
    expect([merged.schedulesRun, merged.failureIndex, merged.failure.token]).toEqual([whole.schedulesRun, whole.failureIndex, whole.failure.token]);
    expect((await cli('merge', ...files)).out).toMatch(/\(the whole search, run by shard 2\/2\)/);
  });

  it('a scenario a worker thread cannot load is a one-line input error, not an internal bug', async () => {
    const r = await cli('check', 'test/fixtures/main-thread-only.ts', '--workers', '2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^heddle check: no scenario 'fixture\/main-thread-only' in test\/fixtures\/main-thread-only\.ts \(as a worker thread loads it\)$/m);
    expect(r.err).not.toMatch(/internal bug/);
  });

  it('rejects a bad --shard and a bad merge input with exit 2', async () => {
    expect((await cli('check', NAME, '--shard', '4/3')).code).toBe(2);
    expect((await cli('check', NAME, '--shard', 'x')).err).toMatch(/--shard expects i\/n/);
    const dir = mkdtempSync(join(tmpdir(), 'heddle-shards-'));
    writeFileSync(join(dir, 'bad.json'), 'not json\n');
    expect((await cli('merge', join(dir, 'bad.json'))).code).toBe(2);
    expect((await cli('merge')).code).toBe(2);
  });
});
