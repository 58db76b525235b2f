import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { explore, Mutex, scenario, Shared, spawn, yieldNow, type Scenario } from 'heddle';
import { RECHECK_EVERY } from '../../src/explore.ts';
import { lastzero } from '../../scenarios/benchmarks/programs.ts';

// heddle assumes each execution is a function of its schedule. These scenarios break that on
// purpose, with a counter that survives from one execution to the next (a module-level object,
// as a cache or registry would be); each factory makes a fresh counter.

/**
 * Behaves the same for its first 69 executions; from the 70th on, every other execution takes
 * an extra step. A check of the first execution alone cannot see it.
 */
function lateLeak(): Scenario {
  let runs = 0;
  return scenario('fixture/late-leak', async () => {
    runs++;
    const c = Shared.atomic(0, 'c');
    const t = spawn(async () => { await c.set(1); }, 'setter');
    await c.get(); // before or after the set: a scheduling point
    if (runs >= 70 && runs % 2 === 0) await yieldNow();
    await t.join();
  });
}

/**
 * Which task the body spawns first depends on how often it ran: from its seventh execution on (after the first-run recheck),
 * the task that locks 'm' and the one that updates the counter directly trade places. Each
 * execution is deterministic on its own; only a replay of an earlier prefix sees the difference.
 */
function spawnOrderLeak(): Scenario {
  let runs = 0;
  return scenario('fixture/spawn-order-leak', async () => {
    runs++;
    const m = new Mutex('m');
    const total = Shared.atomic(0, 'total');
    const locked = async () => { await m.lock(); await total.update((v) => v + 1); m.unlock(); };
    const direct = async () => { await total.update((v) => v + 1); };
    const order = runs <= 6 ? [locked, direct, locked] : [direct, locked, locked];
    const tasks = order.map((f, i) => spawn(f, `t${i + 1}`));
    for (const t of tasks) await t.join();
  });
}

describe('determinism, rechecked on a sample', () => {
  it('state that leaks only from the 70th execution on is caught by the sampled recheck', async () => {
    const r = await explore(lateLeak(), { strategy: 'random', iterations: 1000, seed: 1 });
    expect(r.failure?.kind).toBe('nondeterminism');
    // Only a rechecked schedule can show it: a multiple of 64 past the first leaking execution.
    expect(r.failureIndex! % RECHECK_EVERY).toBe(0);
    expect(r.failureIndex).toBeGreaterThanOrEqual(64);
    expect(r.failure?.message).toContain(`(schedule ${r.failureIndex} of the search)`);
    expect(r.failure?.message).toMatch(/state leaks between executions/);
  });

  it('a deterministic scenario passes its rechecks', async () => {
    const r = await explore(lastzero(5), { strategy: 'dpor' });
    expect(r.verdict).toBe('pass');
    expect(r.schedulesRun).toBe(64);
    const random = await explore(lastzero(3), { strategy: 'random', iterations: 300 });
    expect(random.verdict).toBe('pass');
  });
});

// A get-or-create on a module-level registry: the first execution fills it, the next ones find it full.
function registryScenario(name: string, check: boolean) {
  const registry = new Map<string, object>();
  return scenario(name, async () => {
    const get = async (key: string) => {
      const found = registry.get(key);
      if (found) return found;
      await null;
      const made = { key };
      registry.set(key, made);
      return made;
    };
    const [a, b] = await Promise.all([get('db'), get('db')]);
    if (check) assert.equal(a, b, 'two entries for one name');
  });
}

describe('state that leaks between executions', () => {
  it('is named in the report, with the line that read it', async () => {
    const r = await explore(registryScenario('determinism/module-registry', false), { strategy: 'dpor' });
    expect(r.failure?.kind).toBe('nondeterminism');
    expect(r.failure?.message).toMatch(/state left by an earlier execution: a Map made before the execution was read at test\/src\/determinism\.test\.ts:\d+/);
    expect(r.failure?.message).toMatch(/state leaks between executions/);
  });

  it('does not hide the failure of an execution that started clean: it is reported, with the leak', async () => {
    const r = await explore(registryScenario('determinism/module-registry-race', true), { strategy: 'dpor' });
    expect(r.failure?.kind).toBe('assertion');
    expect(r.failure?.message).toMatch(/AssertionError: .*\(this process cannot run it again: it leaves state the next execution reads — a Map made before the execution was read at test\/src\/determinism\.test\.ts:\d+/);
  });
});

describe('dpor checks the prefix it replays', () => {
  it('a prefix that ran differently is nondeterminism, not a silently different tree', async () => {
    const r = await explore(spawnOrderLeak(), { strategy: 'dpor' });
    expect(r.failure?.kind).toBe('nondeterminism');
    expect(r.failure?.internal).toBeUndefined();
    expect(r.failure?.message).toMatch(/^the same schedule prefix ran differently: at step \d+, task \d+ was recorded to \w+ #\d+, now (it is about to \w+ #\d+|it is not runnable)/);
    expect(r.failure?.message).toMatch(/state leaks between executions|something heddle does not control/i);
  });
});
