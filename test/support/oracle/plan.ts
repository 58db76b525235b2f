// A concurrent program as plain data (a plan): the tasks, each a list of ops over named objects.
// The reference interpreter (interpreter.ts) and heddle (heddle-run.ts) both run the same plan;
// nothing here knows about heddle.
import seedrandom from 'seedrandom';

/**
 * An op of a plan. Objects are named by kind and number: cells x0…, mutexes m0…, semaphores s0…,
 * events e0…, queues q0…; a join names a task (t1…).
 * - read, write, cas(expected), rmw: a cell; the value written depends on the values read;
 * - assert(expected): reads a cell; on another value the task records a failure and stops;
 * - lock, unlock: a mutex (a task unlocks only what it locked); acquire, release: a semaphore;
 * - set, clear, wait, is-set: an event; put, get: an unbounded queue;
 * - join: a task waits for a task's end (the main task, or the task that spawned it);
 * - spawn: a task starts another (t2…), which the main task then does not start.
 */
export type OpKind = 'read' | 'write' | 'cas' | 'rmw' | 'assert' | 'lock' | 'unlock' | 'acquire' | 'release'
  | 'set' | 'clear' | 'wait' | 'is-set' | 'put' | 'get' | 'join' | 'spawn';

export interface PlanOp {
  readonly kind: OpKind;
  /** `x0`, `m1`, `s0`, `e2`, `q0`, or for a join or a spawn `t1`. */
  readonly object: string;
  /** cas: the expected value; assert: the value the cell must hold. */
  readonly arg?: number;
}

export interface Plan {
  /**
   * Task 0 is the main task (the scenario body); tasks 1… are spawned by it before its first op,
   * but for those a spawn op of another task starts (made while the program runs).
   */
  readonly tasks: readonly (readonly PlanOp[])[];
  /** Initial permits of semaphores (absent: 0). */
  readonly permits: Readonly<Record<string, number>>;
}

/** The task that starts task t: the one with a spawn op of it, else the main task. */
export function spawnerOf(plan: Plan, t: number): number {
  const at = plan.tasks.findIndex((ops) => ops.some((o) => o.kind === 'spawn' && o.object === `t${t}`));
  return at < 0 ? 0 : at;
}

/** Each task joins, at its end, every task it started and has not joined (as the scenario body does the tasks it spawned). */
export function withFinalJoins(plan: Plan): Plan {
  const tasks = plan.tasks.map((ops, t) => {
    const joined = new Set(ops.filter((o) => o.kind === 'join').map((o) => o.object));
    const rest: PlanOp[] = [];
    for (let u = 1; u < plan.tasks.length; u++) if (spawnerOf(plan, u) === t && !joined.has(`t${u}`)) rest.push({ kind: 'join', object: `t${u}` });
    return [...ops, ...rest];
  });
  return { ...plan, tasks };
}

const TOKEN: Record<OpKind, string> = {
  read: 'r', write: 'w', cas: 'cas', rmw: 'rmw', assert: 'assert', lock: 'lock', unlock: 'unlock', acquire: 'acq',
  release: 'rel', set: 'set', clear: 'clear', wait: 'wait', 'is-set': 'isset', put: 'put', get: 'get', join: 'join', spawn: 'spawn',
};
const KIND = new Map(Object.entries(TOKEN).map(([k, v]) => [v, k as OpKind]));

/** `[s0=1] main: join(t1) r(x0) | t1: acq(s0) w(x0) | t2: cas(x0,0)` — what parsePlan reads back. */
export function planText(plan: Plan): string {
  const permits = Object.entries(plan.permits).filter(([, n]) => n > 0).map(([s, n]) => `${s}=${n}`);
  const tasks = plan.tasks.map((ops, t) => `${taskName(t)}:${ops.map((o) => ` ${opText(o)}`).join('')}`);
  if (plan.tasks[0]!.length === 0) tasks.shift();
  return `${permits.length > 0 ? `[${permits.join(' ')}] ` : ''}${tasks.join(' | ')}`;
}

/** `r(x0)`, `cas(x1,0)`, `assert(x0=0)`: an op as plan text writes it. */
export function opText(o: PlanOp): string {
  return `${TOKEN[o.kind]}(${o.object}${o.kind === 'assert' ? '=' : ','}${o.arg ?? ''})`.replace(/[,=]\)$/, ')');
}

export function taskName(t: number): string {
  return t === 0 ? 'main' : `t${t}`;
}

/** Reads planText's format; tasks must be t1, t2, … in order; main is optional. */
export function parsePlan(text: string): Plan {
  const permits: Record<string, number> = {};
  const body = text.replace(/^\s*\[([^\]]*)\]/, (_, inits: string) => {
    for (const init of inits.trim().split(/\s+/)) {
      const m = /^(s\d+)=(\d+)$/.exec(init);
      if (m === null) throw new Error(`bad initial count '${init}' in: ${text}`);
      permits[m[1]!] = Number(m[2]);
    }
    return '';
  });
  const tasks: PlanOp[][] = [[]];
  for (const part of body.split('|')) {
    const m = /^\s*(main|t(\d+))\s*:(.*)$/.exec(part);
    if (m === null) throw new Error(`bad task '${part.trim()}' in: ${text}`);
    const ops = [...m[3]!.matchAll(/\s*([a-z]+)\(([a-z]\d+)(?:[,=](\d+))?\)/g)].map((o) => {
      const kind = KIND.get(o[1]!);
      if (kind === undefined) throw new Error(`unknown op '${o[1]}' in: ${text}`);
      return o[3] === undefined ? { kind, object: o[2]! } : { kind, object: o[2]!, arg: Number(o[3]) };
    });
    if (m[1] === 'main') tasks[0] = ops;
    else if (Number(m[2]) !== tasks.length) throw new Error(`tasks must be t1, t2, … in order: ${text}`);
    else tasks.push(ops);
  }
  return { tasks, permits };
}

/**
 * Which programs a family makes (each task's ops, and what the main task does besides joining):
 * - memory: cells only (read, write, cas, rmw, assert);
 * - locks: cells, and critical sections `lock(m) <1–2 cell ops> unlock(m)`;
 * - events: cells and events (set, clear, is-set, wait), so some programs wait forever;
 * - blocking: semaphores (initial count 0–1), queues, events, critical sections and joins by the
 *   main task between its own ops; most blocking ops get a provider in another task, some
 *   programs deadlock;
 * - spawning: cells, and one or two tasks that another task (not main) spawns at some point of its
 *   ops, so made while the program runs, and joins at its end; a task that spawns never asserts
 *   (stopped before its spawn, it would leave the task unmade).
 */
export type Family = 'memory' | 'locks' | 'events' | 'blocking' | 'spawning';
export const FAMILIES: readonly Family[] = ['memory', 'locks', 'events', 'blocking', 'spawning'];

type Rng = () => number;

/**
 * A random plan: 2–3 tasks besides main, at most `budget` ops in all (a critical section counts
 * its lock and unlock), one or two objects of each kind.
 */
export function randomPlan(family: Family, seed: number, budget = 7): Plan {
  const rng: Rng = seedrandom.alea(`oracle:${family}:${seed}`);
  const pick = (n: number) => Math.floor(rng() * n);
  const of = <T>(xs: readonly T[]) => xs[pick(xs.length)]!;
  // Blocking plans use many kinds of object: mostly one of each, so that ops meet.
  const objects = family === 'blocking' ? 1 + Number(pick(3) === 0) : 1 + pick(2);
  const name = (prefix: string) => `${prefix}${pick(objects)}`;
  // No assert inside a critical section: a task that stops there would end holding its mutex.
  const cellOp = (inSection = false): PlanOp => {
    const kind = of<OpKind>(['read', 'write', 'write', 'cas', 'rmw', 'read', ...(inSection ? [] : ['assert' as const])]);
    return kind === 'cas' || kind === 'assert' ? { kind, object: name('x'), arg: 0 } : { kind, object: name('x') };
  };
  const section = (): PlanOp[] => {
    const m = name('m');
    return [{ kind: 'lock', object: m }, ...Array.from({ length: 1 + pick(2) }, () => cellOp(true)), { kind: 'unlock', object: m }];
  };
  const eventOp = (): PlanOp => ({ kind: of<OpKind>(['set', 'clear', 'is-set', 'wait', 'set']), object: name('e') });
  const blockingOp = (): PlanOp[] => {
    switch (pick(6)) {
      case 0: return [{ kind: of<OpKind>(['acquire', 'release', 'acquire']), object: name('s') }];
      case 1: return [{ kind: of<OpKind>(['put', 'get']), object: name('q') }];
      case 2: return [eventOp()];
      case 3: return section();
      default: return [cellOp()];
    }
  };
  const next = (): PlanOp[] => {
    switch (family) {
      case 'memory': case 'spawning': return [cellOp()];
      case 'locks': return pick(3) === 0 ? section() : [cellOp()];
      case 'events': return pick(2) === 0 ? [eventOp()] : [cellOp()];
      case 'blocking': return blockingOp();
    }
  };
  const count = family === 'spawning' ? 3 + pick(2) : 2 + pick(2);
  const tasks: PlanOp[][] = Array.from({ length: count + 1 }, () => []);
  let left = budget;
  // Every task gets at least one op; the rest go to random tasks (main only in the blocking family, with joins).
  for (let t = 1; t <= count; t++) {
    const ops = next();
    tasks[t]!.push(...ops);
    left -= ops.length;
  }
  for (let attempts = 0; left > 0 && attempts < 100; attempts++) {
    const t = family === 'blocking' && pick(4) === 0 ? 0 : 1 + pick(count);
    const ops = t === 0 && pick(2) === 0 ? [{ kind: 'join' as const, object: `t${1 + pick(count)}` }] : next();
    if (ops.length > left) break;
    if (ops[0]!.kind === 'join' && tasks[0]!.some((o) => o.kind === 'join' && o.object === ops[0]!.object)) continue;
    tasks[t]!.push(...ops);
    left -= ops.length;
  }
  // A blocking op with nothing to unblock it only deadlocks: most get a provider in another task
  // (a release, put or set at a random place), up to two per plan, besides the budget.
  const PROVIDER: Partial<Record<OpKind, OpKind>> = { acquire: 'release', get: 'put', wait: 'set' };
  let providers = family === 'blocking' ? 2 : 0;
  for (let t = 1; t <= count && providers > 0; t++) {
    for (const op of [...tasks[t]!]) {
      const kind = PROVIDER[op.kind];
      if (kind === undefined || providers === 0 || pick(3) === 0) continue;
      const u = 1 + ((t + pick(count - 1)) % count);
      tasks[u]!.splice(pick(tasks[u]!.length + 1), 0, { kind, object: op.object });
      providers--;
    }
  }
  if (family === 'spawning') spawnSome(tasks, pick);
  const permits: Record<string, number> = {};
  if (family === 'blocking') for (let s = 0; s < objects; s++) permits[`s${s}`] = pick(2);
  return { tasks, permits };
}

/**
 * Moves one or two of the tasks (the last ones, while two stay with the main task) into tasks
 * before them: each is started by a spawn op at a random place in an earlier task (not main),
 * whose asserts become reads.
 */
function spawnSome(tasks: PlanOp[][], pick: (n: number) => number): void {
  const count = tasks.length - 1;
  const late = Math.min(count - 2, 1 + pick(2));
  for (let k = count - late + 1; k <= count; k++) {
    const spawner = tasks[1 + pick(k - 1)]!;
    spawner.forEach((o, i) => o.kind === 'assert' && (spawner[i] = { kind: 'read', object: o.object }));
    spawner.splice(pick(spawner.length + 1), 0, { kind: 'spawn', object: `t${k}` });
  }
}
