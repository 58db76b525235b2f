// The linearizability search memoises on the model's state only when the model has a key it can
// trust: a class keeps state where no snapshot sees it (#private fields, closures, Dates).
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { checkHistory, classModel, explore, linearizability, ModelKeyError, Shared, type HistoryOp, type SequentialModel } from 'heddle';

/** A register that keeps its value in a private field, behind a Shared cell (two scheduling points per call). */
class Register {
  #v = new Shared(0, 'v');
  async write(x: number): Promise<void> {
    await this.#v.set(x);
  }
  async read(): Promise<number> {
    return this.#v.get();
  }
}

/**
 * A register with two replicas: a write updates one, then the other; reads alternate between
 * them. A read can see the new value and a later read the old one: not linearizable.
 */
class ReplicatedRegister {
  #a = new Shared(0, 'a');
  #b = new Shared(0, 'b');
  #reads = 0;
  async write(x: number): Promise<void> {
    await this.#a.set(x);
    await this.#b.set(x);
  }
  async read(): Promise<number> {
    return (this.#reads++ % 2 === 0 ? this.#a : this.#b).get();
  }
}

/** A register kept in a closure: no field at all. */
function closureRegister() {
  let v = 0;
  return {
    write: async (x: number) => {
      await null;
      v = x;
    },
    read: async () => {
      await null;
      return v;
    },
  };
}

/** A clock whose state is a Date: an object with no own enumerable field. */
class Clock {
  at = new Date(0);
  async set(ms: number): Promise<void> {
    await null;
    this.at = new Date(ms);
  }
  async get(): Promise<number> {
    await null;
    return this.at.getTime();
  }
}

/** A FIFO queue in a private array. */
class Fifo {
  #items: number[] = [];
  async enq(x: number): Promise<void> {
    this.#items.push(x);
  }
  async deq(): Promise<number | null> {
    return this.#items.shift() ?? null;
  }
}

interface RegisterLike {
  write(x: number): Promise<void>;
  read(): Promise<number>;
}
const registerOps = {
  write: { args: (r: () => number) => [1 + Math.floor(r() * 2)], run: (o: RegisterLike, [x]: readonly unknown[]) => o.write(x as number) },
  read: { run: (o: RegisterLike) => o.read() },
};
const fifoOps = {
  enq: { args: (r: () => number) => [1 + Math.floor(r() * 2)], run: (q: Fifo, [x]: readonly unknown[]) => q.enq(x as number) },
  deq: { run: (q: Fifo) => q.deq() },
};

const registerClass = classModel({ name: 'register', create: () => new Register() as RegisterLike, operations: registerOps }) as SequentialModel<unknown>;
const fifoClass = classModel({ name: 'fifo', create: () => new Fifo(), operations: fifoOps }) as SequentialModel<unknown>;

const registerSpec: SequentialModel<number> = {
  init: () => 0,
  apply: (s, name, args) => (name === 'write' ? { state: args[0] as number, result: { value: undefined } } : { state: s, result: { value: s } }),
  key: (s) => String(s),
};
const fifoSpec: SequentialModel<readonly number[]> = {
  init: () => [],
  apply: (s, name, args) => (name === 'enq' ? { state: [...s, args[0] as number], result: { value: undefined } } : { state: s.slice(1), result: { value: s[0] ?? null } }),
  key: (s) => s.join(','),
};

let nextId = 0;
function op(task: number, name: string, args: unknown[], value: unknown, invoked: number, returned: number): HistoryOp {
  return { id: nextId++, task, name, args, result: { value }, invoked, returned };
}
function pending(task: number, name: string, args: unknown[], invoked: number): HistoryOp {
  return { id: nextId++, task, name, args, result: null, invoked, returned: Infinity };
}

describe('the default specification (the class, run alone) has no key to trust', () => {
  // Two overlapping writes, then a read of the second: the order write(1), write(2) explains it.
  // Listed write(2) first, the search tries write(2), write(1) first and fails; a memo on
  // (these two writes done, a snapshot of the object) would then refuse write(1), write(2).
  const overlapping = () => [
    op(2, 'write', [2], undefined, 1, 4), op(1, 'write', [1], undefined, 0, 3), op(3, 'read', [], 1, 2, 5), op(3, 'read', [], 2, 6, 7),
  ];

  it('a #private register passes a linearizable history of overlapping writes and reads', async () => {
    const v = await checkHistory(overlapping(), registerClass);
    expect(v.linearizable).toBe(true);
    if (v.linearizable) expect(v.order.map((o) => `${o.name}${o.args.join('')}`)).toEqual(['write1', 'read', 'write2', 'read']);
  });

  it('a register kept in a closure passes the same history', async () => {
    const model = classModel({ name: 'closure', create: closureRegister, operations: registerOps }) as SequentialModel<unknown>;
    expect((await checkHistory(overlapping(), model)).linearizable).toBe(true);
  });

  it('a Date-valued state passes, and a stale read after the set returned is still caught', async () => {
    const ops = {
      set: { run: (c: Clock, [ms]: readonly unknown[]) => c.set(ms as number) },
      get: { run: (c: Clock) => c.get() },
    };
    const model = classModel({ name: 'clock', create: () => new Clock(), operations: ops }) as SequentialModel<unknown>;
    const ok = [op(2, 'set', [2], undefined, 1, 4), op(1, 'set', [1], undefined, 0, 3), op(3, 'get', [], 2, 6, 7)];
    expect((await checkHistory(ok, model)).linearizable).toBe(true);
    const stale = [op(1, 'set', [5], undefined, 0, 1), op(2, 'get', [], 0, 2, 3)];
    expect((await checkHistory(stale, model)).linearizable).toBe(false);
  });

  it('a Date-valued specification with a key of its own passes the key test', async () => {
    const clockSpec: SequentialModel<Date> = {
      init: () => new Date(0),
      apply: (d, name, args) => (name === 'set' ? { state: new Date(args[0] as number), result: { value: undefined } } : { state: d, result: { value: d.getTime() } }),
      key: (d) => d.toISOString(),
    };
    const h = [op(2, 'set', [2], undefined, 1, 4), op(1, 'set', [1], undefined, 0, 3), op(3, 'get', [], 2, 6, 7), op(1, 'set', [2], undefined, 8, 9)];
    expect((await checkHistory(h, clockSpec)).linearizable).toBe(true);
  });

  it('a #private register passes under random and dpor exploration; a replicated register is caught', async () => {
    const correct = linearizability({ name: 'memo/register', create: () => new Register() as RegisterLike, operations: registerOps });
    const random = await explore(correct, { seed: 1, iterations: 300 });
    expect(random.failure?.message).toBeUndefined();
    expect(random.schedulesRun).toBe(300);
    const small = linearizability({ name: 'memo/register.small', create: () => new Register() as RegisterLike, operations: registerOps, tasks: 2, opsPerTask: 2 });
    const dpor = await explore(small, { strategy: 'dpor', maxSchedules: 2000 });
    expect(dpor.failure?.message).toBeUndefined();
    expect(dpor.schedulesRun).toBeGreaterThan(1);

    const buggy = linearizability({ name: 'memo/replicated', create: () => new ReplicatedRegister() as RegisterLike, operations: registerOps, expect: 'linearizability' });
    const r = await explore(buggy, { seed: 1, iterations: 2000 });
    expect(r.failure?.kind).toBe('linearizability');
  });

  it('a closure register passes under random exploration', async () => {
    const s = linearizability({ name: 'memo/closure', create: closureRegister, operations: registerOps });
    const r = await explore(s, { seed: 1, iterations: 300 });
    expect(r.failure?.message).toBeUndefined();
  });
});

describe('a key that conflates states', () => {
  const constantKey: SequentialModel<number> = { ...registerSpec, key: () => 'register' };

  it('is a one-line ModelKeyError from the checker, not a verdict', async () => {
    const h = [op(2, 'write', [2], undefined, 1, 4), op(1, 'write', [1], undefined, 0, 3), op(3, 'read', [], 2, 5, 6)];
    const error = await checkHistory(h, constantKey).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ModelKeyError);
    expect((error as Error).message).toMatch(/^the specification's key conflates states: two states have key "register" but read\(\) returns \d on one and \d on the other/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('stops an exploration with the scenario named, instead of failing the code under test', async () => {
    const s = linearizability({ name: 'memo/bad-key', create: () => new Register() as RegisterLike, operations: registerOps, model: constantKey });
    const error = await explore(s, { seed: 1, iterations: 300 }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ModelKeyError);
    expect((error as Error).message).toMatch(/^linearizability 'memo\/bad-key': the specification's key conflates states/);
  });
});

describe('operations that never returned (the execution was cut)', () => {
  it('may have taken effect, or not', async () => {
    for (const model of [registerSpec, registerClass] as SequentialModel<unknown>[]) {
      const took = [pending(1, 'write', [1], 0), op(2, 'read', [], 1, 1, 2)];
      expect((await checkHistory(took, model)).linearizable).toBe(true);
      const notYet = [pending(1, 'write', [1], 0), op(2, 'read', [], 0, 1, 2)];
      expect((await checkHistory(notYet, model)).linearizable).toBe(true);
      const both = [pending(1, 'write', [1], 0), op(2, 'read', [], 1, 1, 2), op(2, 'read', [], 0, 3, 4)];
      const v = await checkHistory(both, model);
      expect(v.linearizable).toBe(false);
      if (!v.linearizable) expect(v.explanation).toMatch(/these 2 operations \(and any of the 1 that never returned\)/);
      // A pending call that would throw, alone: nothing to explain, linearizable.
      expect((await checkHistory([pending(1, 'read', [], 0)], model)).linearizable).toBe(true);
    }
  });
});

// The oracle: every order of the operations that respects real time (and every choice of the
// pending operations that took effect), each run on a fresh object, must reproduce the results.
async function bruteForce(ops: readonly HistoryOp[], fresh: () => Record<string, (...args: unknown[]) => Promise<unknown>>): Promise<boolean> {
  const completed = ops.filter((o) => o.result !== null);
  const open = ops.filter((o) => o.result === null);
  for (let mask = 0; mask < 1 << open.length; mask++) {
    const chosen = [...completed, ...open.filter((_, i) => mask & (1 << i))];
    const orders: HistoryOp[][] = [];
    const extend = (prefix: HistoryOp[], rest: HistoryOp[]) => {
      if (rest.length === 0) return void orders.push(prefix);
      for (const [i, o] of rest.entries()) {
        // o may go next only if nothing left returned before o was called.
        if (rest.some((p) => p !== o && p.returned < o.invoked)) continue;
        extend([...prefix, o], rest.filter((_, j) => j !== i));
      }
    };
    extend([], chosen);
    for (const order of orders) {
      const obj = fresh();
      let fits = true;
      for (const o of order) {
        const value = await obj[o.name]!(...o.args);
        if (o.result !== null && JSON.stringify(o.result) !== JSON.stringify({ value })) fits = false;
      }
      if (fits) return true;
    }
  }
  return false;
}

/** 3 tasks × up to 3 operations on a real object, each taking effect at a random moment of its window; sometimes cut short, sometimes one result changed. */
async function randomHistory(seed: string, calls: readonly (() => [string, unknown[]])[], values: readonly unknown[], real: Record<string, (...args: unknown[]) => Promise<unknown>>): Promise<HistoryOp[]> {
  const rand = seedrandom.alea(seed);
  const plans = [0, 1, 2].map(() => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => calls[Math.floor(rand() * calls.length)]!()));
  const state = plans.map(() => ({ next: 0, open: null as null | { name: string; args: unknown[]; invoked: number; effect?: unknown } }));
  const out: HistoryOp[] = [];
  let clock = 0;
  const cutAt = rand() < 0.3 ? Math.floor(rand() * 12) : Infinity;
  for (let step = 0; step < cutAt; step++) {
    const live = state.map((s, t) => ({ s, t })).filter(({ s, t }) => s.open !== null || s.next < plans[t]!.length);
    if (live.length === 0) break;
    const { s, t } = live[Math.floor(rand() * live.length)]!;
    if (s.open === null) {
      const [name, args] = plans[t]![s.next++]!;
      s.open = { name, args, invoked: clock++ };
    } else if (!('effect' in s.open)) s.open.effect = await real[s.open.name]!(...s.open.args);
    else {
      out.push({ id: out.length, task: t + 1, name: s.open.name, args: s.open.args, result: { value: s.open.effect }, invoked: s.open.invoked, returned: clock++ });
      s.open = null;
    }
  }
  for (const [t, s] of state.entries()) if (s.open !== null) out.push({ id: out.length, task: t + 1, name: s.open.name, args: s.open.args, result: null, invoked: s.open.invoked, returned: Infinity });
  const done = out.filter((o) => o.result !== null && 'value' in o.result && o.result.value !== undefined);
  if (done.length > 0 && rand() < 0.5) {
    const victim = done[Math.floor(rand() * done.length)]!;
    out[out.indexOf(victim)] = { ...victim, result: { value: values[Math.floor(rand() * values.length)] } };
  }
  // Call order, the order a reader would list them in; the checker must not depend on it.
  return out.sort((a, b) => a.invoked - b.invoked);
}

describe('the checker agrees with brute force on 200 random small histories', () => {
  const asRecord = (o: object) => o as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const cases = [
    {
      what: 'a register', spec: registerSpec as SequentialModel<unknown>, cls: registerClass, fresh: () => asRecord(new Register()),
      calls: [() => ['write', [1]], () => ['write', [2]], () => ['read', []]] as (() => [string, unknown[]])[], values: [0, 1, 2],
    },
    {
      what: 'a queue', spec: fifoSpec as SequentialModel<unknown>, cls: fifoClass, fresh: () => asRecord(new Fifo()),
      calls: [() => ['enq', [1]], () => ['enq', [2]], () => ['deq', []]] as (() => [string, unknown[]])[], values: [null, 1, 2],
    },
  ];
  for (const c of cases) {
    it(`${c.what}: the keyed specification and the #private class both give brute force's verdict`, async () => {
      const tally = { linearizable: 0, not: 0, cut: 0 };
      for (let i = 0; i < 200; i++) {
        const h = await randomHistory(`${c.what}:${i}`, c.calls, c.values, c.fresh());
        const truth = await bruteForce(h, c.fresh);
        expect((await checkHistory(h, c.spec)).linearizable, `history ${i}: ${JSON.stringify(h)}`).toBe(truth);
        expect((await checkHistory(h, c.cls)).linearizable, `history ${i}: ${JSON.stringify(h)}`).toBe(truth);
        tally[truth ? 'linearizable' : 'not']++;
        if (h.some((o) => o.result === null)) tally.cut++;
      }
      // Both verdicts and cut histories occur often enough to mean something.
      expect(tally.linearizable).toBeGreaterThan(40);
      expect(tally.not).toBeGreaterThan(20);
      expect(tally.cut).toBeGreaterThan(20);
    });
  }
});
