import { performance } from 'node:perf_hooks';
import { checkHistory, classModel, type HistoryOp, type SequentialModel } from 'heddle';
import seedrandom from 'seedrandom';
import type { Section } from '../lib.ts';

// A register specification and histories of overlapping writes and reads that are linearizable
// by construction (each operation takes effect at some moment of its window).
const register: SequentialModel<number> = {
  init: () => 0,
  apply: (state, name, args) => (name === 'write' ? { state: args[0] as number, result: { value: undefined } } : { state, result: { value: state } }),
  key: (state) => String(state),
};

/** The default specification of `linearizability()`: the class itself, run alone. */
class Register {
  value = 0;
  async write(x: number): Promise<void> {
    this.value = x;
  }
  async read(): Promise<number> {
    return this.value;
  }
}
const registerClass = classModel({
  name: 'bench/register',
  create: () => new Register(),
  operations: { write: { run: (r: Register, [x]) => r.write(x as number) }, read: { run: (r: Register) => r.read() } },
}) as SequentialModel<unknown>;

/**
 * Replays a random interleaving of `tasks` workers on a real register and records it. Each
 * operation takes effect at a random moment between its call and its return (its linearization
 * point), and the history lists operations in call order, so the search cannot just take them in
 * the order they returned.
 */
function history(ops: number, tasks: number, seed: string): HistoryOp[] {
  const rand = seedrandom.alea(seed);
  let value = 0;
  let clock = 0;
  const pending: { task: number; name: string; args: unknown[]; invoked: number; took?: { value: unknown } }[] = [];
  const out: HistoryOp[] = [];
  let started = 0;
  while (out.length < ops) {
    const canStart = started < ops && pending.length < tasks;
    const waiting = pending.filter((p) => p.took === undefined);
    const took = pending.filter((p) => p.took !== undefined);
    const r = rand();
    if (canStart && (pending.length === 0 || r < 1 / 3)) {
      const write = rand() < 0.5;
      pending.push({ task: started % tasks, name: write ? 'write' : 'read', args: write ? [Math.floor(rand() * 4)] : [], invoked: clock++ });
      started++;
    } else if (waiting.length > 0 && (took.length === 0 || r < 2 / 3)) {
      const p = waiting[Math.floor(rand() * waiting.length)]!;
      p.took = { value: p.name === 'write' ? ((value = p.args[0] as number), undefined) : value };
    } else if (took.length > 0) {
      const p = took[Math.floor(rand() * took.length)]!;
      pending.splice(pending.indexOf(p), 1);
      out.push({ id: out.length, task: p.task, name: p.name, args: p.args, result: p.took!, invoked: p.invoked, returned: clock++ });
    }
  }
  return out.sort((x, y) => x.invoked - y.invoked);
}

export async function linearizabilitySection(): Promise<Section> {
  const models: [string, SequentialModel<unknown>, readonly number[]][] = [
    ['{ init, apply, key }', register as SequentialModel<unknown>, [10, 15, 20]],
    ['the class, run alone (default)', registerClass, [6, 9, 12]],
  ];
  const sets = models.flatMap(([label, model, sizes]) => sizes.map((ops) => ({
    label, model, ops, histories: Array.from({ length: 200 }, (_, i) => history(ops, 3, `h${ops}:${i}`)),
  })));
  const pass = async (set: (typeof sets)[number]) => {
    const t0 = performance.now();
    for (const h of set.histories) {
      const v = await checkHistory(h, set.model);
      if (!v.linearizable) throw new Error('[internal bug] a linearizable history was rejected');
    }
    return (performance.now() - t0) / set.histories.length;
  };
  for (const set of sets) await pass(set); // warm-up, so the first row is not the JIT's
  const times = sets.map(() => [] as number[]);
  for (let round = 0; round < 7; round++) for (const [i, set] of sets.entries()) times[i]!.push(await pass(set));
  const rows = sets.map((set, i) => {
    const ms = times[i]!.sort((a, b) => a - b)[3]!; // the median of 7 rounds
    return [set.label, set.ops, 3, ms, 1000 / ms];
  });
  return {
    title: 'Linearizability checker cost (register histories, 3 tasks, all linearizable)',
    columns: ['specification', 'operations', 'tasks', 'ms per history', 'histories/s'],
    rows,
    notes: ['A scenario makes histories of 3 tasks × up to 3 operations (at most 9).'],
  };
}
