import { describe, expect, it } from 'vitest';
import { checkHistory, explore, replay, type HistoryOp, type SequentialModel } from 'heddle';
import { buggyStack, fixedStack } from '../../scenarios/lin/treiber-stack.ts';

// A register: write(v) → undefined, read() → the last value written (initially 0).
const register: SequentialModel<number> = {
  init: () => 0,
  apply: (state, name, args) => (name === 'write' ? { state: args[0] as number, result: { value: undefined } } : { state, result: { value: state } }),
  key: (state) => String(state),
};

// A FIFO queue: enq(v) → undefined, deq() → the oldest value or null.
const fifo: SequentialModel<readonly number[]> = {
  init: () => [],
  apply: (state, name, args) => (name === 'enq'
    ? { state: [...state, args[0] as number], result: { value: undefined } }
    : { state: state.slice(1), result: { value: state[0] ?? null } }),
  key: (state) => state.join(','),
};

let id = 0;
function op(task: number, name: string, args: unknown[], value: unknown, invoked: number, returned: number): HistoryOp {
  return { id: id++, task, name, args, result: { value }, invoked, returned };
}

describe('linearizability checker on hand-built histories', () => {
  it('accepts overlapping writes and reads that some order explains', async () => {
    const h = [op(1, 'write', [1], undefined, 0, 3), op(2, 'read', [], 1, 1, 2), op(2, 'read', [], 1, 4, 5)];
    expect((await checkHistory(h, register)).linearizable).toBe(true);
  });

  it('accepts a read that overlaps a write and still sees the old value', async () => {
    const h = [op(1, 'write', [1], undefined, 0, 3), op(2, 'read', [], 0, 1, 2)];
    expect((await checkHistory(h, register)).linearizable).toBe(true);
  });

  it('rejects a read that returns a value never written', async () => {
    const v = await checkHistory([op(1, 'write', [1], undefined, 0, 1), op(2, 'read', [], 7, 2, 3)], register);
    expect(v.linearizable).toBe(false);
    if (!v.linearizable) expect(v.explanation).toMatch(/read\(\) by task 2 returned 7, but the specification gives 1/);
  });

  it('rejects a stale read after the write returned (real-time order)', async () => {
    const h = [op(1, 'write', [1], undefined, 0, 1), op(2, 'read', [], 0, 2, 3)];
    expect((await checkHistory(h, register)).linearizable).toBe(false);
  });

  it('accepts concurrent enqueues dequeued in either order, rejects a FIFO violation', async () => {
    const ok = [op(1, 'enq', [1], undefined, 0, 2), op(2, 'enq', [2], undefined, 1, 3), op(1, 'deq', [], 2, 4, 5), op(2, 'deq', [], 1, 6, 7)];
    expect((await checkHistory(ok, fifo)).linearizable).toBe(true);
    const bad = [op(1, 'enq', [1], undefined, 0, 1), op(1, 'enq', [2], undefined, 2, 3), op(2, 'deq', [], 2, 4, 5)];
    expect((await checkHistory(bad, fifo)).linearizable).toBe(false);
  });

  it('handles a 16-operation history with memoisation', async () => {
    const h: HistoryOp[] = [];
    for (let i = 0; i < 8; i++) h.push(op(1, 'write', [i], undefined, i * 4, i * 4 + 3), op(2, 'read', [], i, i * 4 + 2, i * 4 + 5));
    const v = await checkHistory(h, register);
    expect(v.linearizable).toBe(true);
  });
});

describe('linearizability scenarios', () => {
  it('finds the non-atomic CAS stack not linearizable, minimised to a few operations, and replays it', async () => {
    const r = await explore(buggyStack, { seed: 1, iterations: 2000 });
    expect(r.failure?.kind).toBe('linearizability');
    expect(r.failure?.message).toMatch(/no sequential order of these [2-5] operations gives their results/);
    expect(r.failure?.message).toMatch(/task \d+ +│ task \d+/);
    const back = await replay(buggyStack, r.failure!.token);
    expect(back.failure?.kind).toBe('linearizability');
  });

  it('passes the Treiber stack with an atomic CAS', async () => {
    const r = await explore(fixedStack, { seed: 1, iterations: 400 });
    expect(r.failure?.message).toBeUndefined();
    expect(r.schedulesRun).toBe(400);
  });
});

describe('linearizability of the seed models (no hand-written invariant)', async () => {
  const lin = (await import('../../scenarios/lin/seed-models.ts')).default;
  for (const s of lin) {
    const buggy = s.options.expect === 'linearizability';
    it(`${s.name} ${buggy ? 'is caught' : 'passes'}`, async () => {
      const r = await explore(s, { seed: 1, iterations: buggy ? 2000 : 300 });
      if (buggy) expect(r.failure?.kind).toBe('linearizability');
      else expect(r.failure?.message).toBeUndefined();
    });
  }
});
