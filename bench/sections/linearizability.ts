import { performance } from 'node:perf_hooks';
import { checkHistory, type HistoryOp, type SequentialModel } from 'heddle';
import seedrandom from 'seedrandom';
import type { Section } from '../lib.ts';

// A register specification and histories of overlapping writes and reads that are linearizable
// by construction (each read returns a value some write in its window could have left).
const register: SequentialModel<number> = {
  init: () => 0,
  apply: (state, name, args) => (name === 'write' ? { state: args[0] as number, result: { value: undefined } } : { state, result: { value: state } }),
  key: (state) => String(state),
};

/** Replays a random interleaving of `tasks` workers on a real register and records it. */
function history(ops: number, tasks: number, seed: string): HistoryOp[] {
  const rand = seedrandom.alea(seed);
  let value = 0;
  let clock = 0;
  const pending: { task: number; name: string; args: unknown[]; invoked: number; result?: unknown }[] = [];
  const out: HistoryOp[] = [];
  let started = 0;
  while (out.length < ops) {
    const canStart = started < ops && pending.length < tasks;
    if (canStart && (pending.length === 0 || rand() < 0.5)) {
      const write = rand() < 0.5;
      pending.push({ task: started % tasks, name: write ? 'write' : 'read', args: write ? [Math.floor(rand() * 4)] : [], invoked: clock++ });
      started++;
      continue;
    }
    const i = Math.floor(rand() * pending.length);
    const p = pending.splice(i, 1)[0]!;
    // The operation takes effect at its response: a valid linearization point.
    const result = p.name === 'write' ? ((value = p.args[0] as number), undefined) : value;
    out.push({ id: out.length, task: p.task, name: p.name, args: p.args, result: { value: result }, invoked: p.invoked, returned: clock++ });
  }
  return out;
}

export async function linearizabilitySection(): Promise<Section> {
  const rows: (string | number)[][] = [];
  for (const ops of [10, 15, 20]) {
    const histories = Array.from({ length: 50 }, (_, i) => history(ops, 3, `h${ops}:${i}`));
    const t0 = performance.now();
    for (const h of histories) {
      const v = await checkHistory(h, register);
      if (!v.linearizable) throw new Error('[internal bug] a linearizable history was rejected');
    }
    const ms = (performance.now() - t0) / histories.length;
    rows.push([ops, 3, ms, 1000 / ms]);
  }
  return {
    title: 'Linearizability checker cost (register histories, 3 tasks, all linearizable)',
    columns: ['operations', 'tasks', 'ms per history', 'histories/s'],
    rows,
  };
}
