// Small random concurrent programs, and the Mazurkiewicz trace an execution belongs to: DPOR is
// checked against an exhaustive DFS on them (every trace DFS reaches, DPOR reaches exactly once).
import seedrandom from 'seedrandom';
import { Event, Mutex, Queue, scenario, Semaphore, Shared, spawn, type Scenario } from 'heddle';
import { dependent, type DporEvent } from '../../scheduler/dependence.ts';
import { toEvents } from '../../scheduler/dependence.ts';
import type { ExecutionResult } from '../../scheduler/types.ts';

type OpName = 'read' | 'write' | 'branch' | 'cas' | 'update' | 'locked' | 'set' | 'clear' | 'release' | 'is-set' | 'get' | 'put' | 'wait' | 'acquire';

/**
 * Which ops a program may use: plain memory; plus critical sections; in-place event and
 * semaphore ops; or blocking ones (get, wait, acquire), each matched by a put, set or release of
 * an extra feeder task so that no program deadlocks for want of one.
 */
export type Family = 'memory' | 'locks' | 'events' | 'blocking';

const OPS: Record<Family, readonly OpName[]> = {
  memory: ['read', 'write', 'branch', 'cas', 'update'],
  locks: ['read', 'write', 'branch', 'cas', 'update', 'locked'],
  events: ['read', 'write', 'set', 'clear', 'release', 'is-set', 'set', 'clear'],
  blocking: ['read', 'write', 'get', 'wait', 'acquire', 'put', 'release', 'clear'],
};

const FEED: Partial<Record<OpName, OpName>> = { get: 'put', wait: 'set', acquire: 'release' };

interface Op {
  readonly name: OpName;
  /** Index of the cell, event or semaphore; `lock` picks the mutex of a critical section. */
  readonly object: number;
  readonly lock: number;
}

export interface RandomProgram {
  readonly scenario: Scenario;
  /** The program in one line, for test names: `read0 write1 ‖ cas0`. */
  readonly text: string;
}

/**
 * A program of 2 or 3 tasks with at most 5 ops in all (and a feeder), over 1–3 objects of each kind. Values
 * written depend on values read, and `branch` writes only when it reads non-zero, so different
 * reads-from relations give different executions. The body returns every local and final value.
 */
export function randomProgram(seed: number, family: Family): RandomProgram {
  const rng = seedrandom.alea(`program:${seed}`);
  const pick = (n: number) => Math.floor(rng() * n);
  const tasks = 2 + pick(2);
  const objects = 1 + pick(3);
  const kinds = OPS[family];
  const plan: Op[][] = [];
  let budget = 5;
  for (let t = 0; t < tasks; t++) {
    const n = 1 + pick(Math.min(3, budget - (tasks - 1 - t)));
    budget -= n;
    plan.push(Array.from({ length: n }, () => ({ name: kinds[pick(kinds.length)]!, object: pick(objects), lock: pick(2) })));
  }
  const feeder = plan.flat().flatMap((o) => (FEED[o.name] ? [{ ...o, name: FEED[o.name]! }] : []));
  if (feeder.length > 0) plan.push(feeder);
  const text = plan.map((ops) => ops.map((o) => `${o.name}${o.object}`).join(' ')).join(' ‖ ');
  const body = async () => {
    const x = Array.from({ length: objects }, (_, i) => new Shared(0, `x${i}`));
    const m = [new Mutex('m0'), new Mutex('m1')];
    const ev = Array.from({ length: objects }, (_, i) => new Event(`e${i}`));
    const sem = Array.from({ length: objects }, (_, i) => new Semaphore(0, `s${i}`));
    const q = Array.from({ length: objects }, (_, i) => new Queue<number>(0, `q${i}`));
    const handles = plan.map((ops, t) => spawn(async () => {
      let local = t + 1;
      for (const o of ops) {
        const cell = x[o.object]!;
        switch (o.name) {
          case 'read': local += await cell.get(); break;
          case 'write': await cell.set(local * 10 + t); break;
          case 'branch': {
            const v = await cell.get();
            if (v !== 0) await x[(o.object + 1) % objects]!.set(v + t);
            break;
          }
          case 'cas': local += (await cell.compareAndSet(0, t + 1)) ? 1 : 0; break;
          case 'update': await cell.update((v) => v + local); break;
          case 'locked': await m[o.lock]!.withLock(async () => { await cell.set((await cell.get()) + 1); }); break;
          case 'set': ev[o.object]!.set(); break;
          case 'clear': ev[o.object]!.clear(); break;
          case 'release': sem[o.object]!.release(); break;
          case 'is-set': local += (await ev[o.object]!.isSet()) ? 7 : 0; break;
          case 'get': local += (await q[o.object]!.get()) * 100; break;
          case 'put': await q[o.object]!.put(t + 1); break;
          case 'wait': await ev[o.object]!.wait(); local += 1000; break;
          case 'acquire': await sem[o.object]!.acquire(); break;
        }
      }
      return local;
    }, `t${t + 1}`));
    const locals = [];
    for (const h of handles) locals.push(await h.join());
    const flags = [];
    for (const e of ev) flags.push(await e.isSet());
    const cells = [];
    for (const c of x) cells.push(await c.get());
    return [locals, cells, flags];
  };
  return { scenario: scenario(`random/${family}-${seed}`, body, { races: false }), text };
}

/**
 * The Mazurkiewicz trace of an execution, as a string: each task's sequence of events, and the
 * order of every two dependent events of different tasks. Two executions give the same string
 * exactly when they differ only in the order of independent events. Objects are named by their
 * (unique) names, not their ids: ids follow the order of first use, which differs between
 * equivalent executions.
 */
export function traceOf(r: ExecutionResult): string {
  const byName = (e: DporEvent): DporEvent => ({ task: e.task, accesses: e.accesses.map((a) => {
    if (a.kind === 'spawn' || a.kind === 'join' || a.object < 0) return a;
    return { kind: a.kind, object: stableId(r.objects[a.object]!.name) };
  }) });
  // The programs share state only through heddle's primitives: what the (instrumented) harness
  // reads of its own arrays, and each task's settling of its own promise, are left out — their
  // objects are named by first use, which differs between equivalent executions.
  const events = toEvents(r.trace).map((e) => ({ task: e.task, accesses: e.accesses.filter((a) => !HARNESS.has(a.kind)) })).map(byName);
  const nth: number[] = [];
  const count = new Map<number, number>();
  const perTask = new Map<number, string[]>();
  for (const e of events) {
    const k = count.get(e.task) ?? 0;
    count.set(e.task, k + 1);
    nth.push(k);
    perTask.set(e.task, [...(perTask.get(e.task) ?? []), e.accesses.map((a) => `${a.kind}${a.object}`).join('+')]);
  }
  const order: string[] = [];
  for (let j = 0; j < events.length; j++) {
    for (let i = 0; i < j; i++) {
      if (events[i]!.task !== events[j]!.task && dependent(events[i]!, events[j]!)) order.push(`${events[i]!.task}.${nth[i]}<${events[j]!.task}.${nth[j]}`);
    }
  }
  const tasks = [...perTask.entries()].sort((a, b) => a[0] - b[0]).map(([t, es]) => `${t}:${es.join(',')}`);
  return `${tasks.join('|')}#${order.sort().join(',')}`;
}

const HARNESS: ReadonlySet<string> = new Set(['load', 'store', 'var-read', 'var-write', 'effect', 'settle', 'await']);

const ids = new Map<string, number>();

/** One number per object name, the same in every execution (names are unique in these programs). */
function stableId(name: string): number {
  if (!ids.has(name)) ids.set(name, ids.size);
  return ids.get(name)!;
}
