// A plan (plan.ts) run by heddle: a scenario over heddle's primitives that logs each op of the
// plan as it takes effect, and a driver that runs a strategy to the end of its search, failed
// executions included, mapping every explored execution to the interpreter's class.
import { Event, Mutex, Queue, scenario, Semaphore, Shared, spawn, type Scenario, type SearchStrategy, type TaskHandle } from 'heddle';
import { markPure } from '../../../src/instrument/builtins.ts';
import { runExecution } from '../../../src/run.ts';
import { replayLog, type OpEvent, type Run } from './interpreter.ts';
import { spawnerOf, withFinalJoins, type Plan } from './plan.ts';

/**
 * Where the scenario logs its ops. This module is instrumented like every test file (vitest's
 * heddle plugin): a push onto a shared array would be a store heddle sees, dependent between all
 * tasks, and DPOR would explore every order of the log entries. So the log is written by a
 * function made with `new Function` (not a module: never instrumented) and marked pure: heddle
 * sees no access at all. Each entry is pushed in the step where its op took effect (the rest of a
 * step runs without a scheduling point), so the log's order is the order the ops took effect.
 * The rest of the harness only reads what main made before spawning (the plan, the objects) or
 * touches its own task's locals (the handles of the tasks it spawned): loads that commute.
 */
export class OpLog {
  readonly entries: OpEvent[] = [];
  readonly record = new Function('entries', 'return function record(task, index, value) { entries.push({ task, index, value }); }')(this.entries) as
    (task: number, index: number, value: number | null) => void;

  constructor() {
    markPure(this.record);
  }
}

interface Objects {
  readonly cells: Map<string, Shared<number>>;
  readonly mutexes: Map<string, Mutex>;
  readonly semaphores: Map<string, Semaphore>;
  readonly events: Map<string, Event>;
  readonly queues: Map<string, Queue<number>>;
  readonly plan: Plan;
}

/**
 * The scenario of a plan: objects made in the body, tasks spawned before main's first op (but
 * those a spawn op of another task starts); values computed as the interpreter's.
 */
export function planScenario(input: Plan, log: OpLog): Scenario {
  const plan = withFinalJoins(input);
  const names = (prefix: string) => [...new Set(plan.tasks.flat().map((o) => o.object).filter((o) => o.startsWith(prefix)))];
  const record = log.record;
  return scenario('oracle-plan', async () => {
    const objects: Objects = {
      cells: new Map(names('x').map((n) => [n, new Shared(0, n)])),
      mutexes: new Map(names('m').map((n) => [n, new Mutex(n)])),
      semaphores: new Map(names('s').map((n) => [n, new Semaphore(plan.permits[n] ?? 0, n)])),
      events: new Map(names('e').map((n) => [n, new Event(n)])),
      queues: new Map(names('q').map((n) => [n, new Queue<number>(0, n)])),
      plan,
    };
    await runTask(0, objects, record);
  }, { races: false });
}

/** Starts task t (the caller is the task that spawns it). */
function start(t: number, o: Objects, record: OpLog['record']): TaskHandle<void> {
  return spawn(() => runTask(t, o, record), `t${t}`);
}

/** Runs task t's ops; the values read and written are the interpreter's (interpreter.ts, perform). */
async function runTask(t: number, o: Objects, record: OpLog['record']): Promise<void> {
  const ops = o.plan.tasks[t]!;
  // The tasks this one started: the main task's before its first op.
  const started = new Map<number, TaskHandle<void>>();
  if (t === 0) for (let u = 1; u < o.plan.tasks.length; u++) if (spawnerOf(o.plan, u) === 0) started.set(u, start(u, o, record));
  let local = t + 1;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const name = op.object;
    switch (op.kind) {
      case 'read': {
        const v = await o.cells.get(name)!.get();
        record(t, i, v);
        local += v + 1;
        break;
      }
      case 'assert': {
        const v = await o.cells.get(name)!.get();
        record(t, i, v);
        if (v !== op.arg) return; // the failure is recorded in the log; the task stops, the execution goes on
        break;
      }
      case 'write':
        await o.cells.get(name)!.set(local * 10 + t);
        record(t, i, null);
        break;
      case 'cas': {
        const ok = await o.cells.get(name)!.compareAndSet(op.arg!, local * 10 + t) ? 1 : 0;
        record(t, i, ok);
        local += ok;
        break;
      }
      case 'rmw': {
        const add = local;
        record(t, i, await o.cells.get(name)!.update((v) => v + add));
        break;
      }
      case 'lock': await o.mutexes.get(name)!.lock(); record(t, i, null); break;
      case 'unlock': o.mutexes.get(name)!.unlock(); record(t, i, null); break;
      case 'acquire': await o.semaphores.get(name)!.acquire(); record(t, i, null); break;
      case 'release': o.semaphores.get(name)!.release(); record(t, i, null); break;
      case 'set': o.events.get(name)!.set(); record(t, i, null); break;
      case 'clear': o.events.get(name)!.clear(); record(t, i, null); break;
      case 'wait': await o.events.get(name)!.wait(); record(t, i, null); break;
      case 'is-set': {
        const v = await o.events.get(name)!.isSet() ? 1 : 0;
        record(t, i, v);
        local += 7 * v;
        break;
      }
      case 'put': await o.queues.get(name)!.put(local * 10 + t); record(t, i, null); break;
      case 'get': {
        const v = await o.queues.get(name)!.get();
        record(t, i, v);
        local += v;
        break;
      }
      case 'join': await started.get(Number(name.slice(1)))!.join(); record(t, i, null); break;
      case 'spawn': started.set(Number(name.slice(1)), start(Number(name.slice(1)), o, record)); record(t, i, null); break;
    }
  }
}

/** What a strategy's whole search did on a plan. */
export interface Search {
  /** The interpreter's run of each explored execution, in order. */
  readonly runs: readonly Run[];
  /** Executions cut short by the strategy (sleep-set blocked): not explored schedules. */
  readonly pruned: number;
  /** Executions that only served the search (a split's probes, DPOR's look-aheads): not explored schedules. */
  readonly probes: number;
  /** Whether the strategy says it finished (a complete search). */
  readonly complete: boolean;
}

/**
 * Runs the strategy's search on the plan to its end: explore() stops at the first failure, so
 * this calls the per-execution runner itself, and every execution — deadlocked ones too — is
 * told to the strategy (Execution.finish calls endExecution) and mapped to its class. A log that
 * is not a maximal execution of the plan throws (a bug of the mapping, not of the strategy).
 */
export async function searchPlan(plan: Plan, strategy: SearchStrategy, limit = 100_000): Promise<Search> {
  const log = new OpLog();
  const s = planScenario(plan, log);
  const runs: Run[] = [];
  let pruned = 0;
  let probes = 0;
  for (let n = 0; n < limit && strategy.newExecution(); n++) {
    log.entries.length = 0;
    const r = await runExecution(s, strategy, 10_000, false, 'off');
    if (strategy.probeOnly || strategy.lookahead) {
      probes++;
      continue;
    }
    if (r.pruned) {
      pruned++;
      continue;
    }
    if (r.failure !== null && r.failure.kind !== 'deadlock') throw new Error(`heddle failed with ${r.failure.kind}: ${r.failure.message}`);
    runs.push(replayLog(plan, log.entries, r.failure?.kind === 'deadlock'));
  }
  return { runs, pruned, probes, complete: strategy.complete === true };
}
