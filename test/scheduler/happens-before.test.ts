import { describe, expect, it } from 'vitest';
import { Event, explore, Queue, replay, scenario, Semaphore, Shared, spawn, type Scenario } from 'heddle';
import { encodeToken, traceHash } from '../../scheduler/codec.ts';
import { DfsStrategy } from '../../scheduler/strategies/dfs.ts';
import type { ExecutionResult, OpKind, TraceStep } from '../../scheduler/types.ts';
import { syncEdges } from '../../src/report/edges.ts';
import { Observing } from '../support/observing.ts';

// Each happens-before edge of a primitive, in a scenario where the race detector's verdict on
// one cell depends on it. Every execution of the scenario is enumerated (DFS) and each one is
// checked on its own: the expected verdict is computed from that execution's trace (which item
// a get received, whether a clear came between a set and a wait), never from the detector.

/** Every execution of the scenario (a race does not end a search: each result carries its own). */
async function everyExecution(s: Scenario): Promise<ExecutionResult[]> {
  const out: ExecutionResult[] = [];
  const dfs = new DfsStrategy();
  await explore(s, { strategyInstance: new Observing(dfs, (e) => out.push(e)), shrink: false, iterations: 1_000_000 });
  expect(dfs.complete).toBe(true);
  return out;
}

/** The trace index of the n-th (0-based) step of `kind` by the task named `task`, or -1. */
function stepOf(r: ExecutionResult, task: string, kind: OpKind, n = 0): number {
  const id = r.tasks.find((t) => t.name === task)?.id;
  let seen = 0;
  return r.trace.findIndex((s: TraceStep) => s.task === id && s.kind === kind && seen++ === n);
}

/** The races on the cell named `cell`, as [first task, its op, second task, its op] by name. */
function racesOn(r: ExecutionResult, cell: string): string[][] {
  const name = (task: number) => r.tasks[task]!.name;
  return r.races.filter((race) => r.objects[race.object]!.name === cell)
    .map((race) => [name(race.first.task), race.first.kind, name(race.second.task), race.second.kind]);
}

describe('happens-before through a queue: each item carries its own putter\'s clock', () => {
  // P1 writes x and puts item 1; P2 puts item 2; C takes one item and reads x.
  const s = scenario('hb/queue-items', async () => {
    const q = new Queue<number>(0, 'q');
    const x = new Shared(0, 'x');
    const p1 = spawn(async () => { await x.set(1); await q.put(1); }, 'p1');
    const p2 = spawn(async () => { await q.put(2); }, 'p2');
    const c = spawn(async () => {
      const item = await q.get();
      await x.get();
      return item;
    }, 'c');
    await p1.join();
    await p2.join();
    const item = await c.join();
    await q.get(); // the other item
    return item;
  });

  it('C reading x races with P1\'s write exactly when C received P2\'s item — also when P1 put first', async () => {
    const runs = await everyExecution(s);
    const gotP2 = runs.filter((r) => r.value === 2);
    // The execution the old queue-wide clock got wrong: P1's put came before C's get, yet C took P2's item.
    const p1PutBeforeGet = gotP2.filter((r) => stepOf(r, 'p1', 'put') < stepOf(r, 'c', 'get'));
    expect(p1PutBeforeGet.length).toBeGreaterThan(0);
    for (const r of gotP2) {
      const writeFirst = stepOf(r, 'p1', 'write') < stepOf(r, 'c', 'read');
      expect(racesOn(r, 'x')).toEqual([writeFirst ? ['p1', 'write', 'c', 'read'] : ['c', 'read', 'p1', 'write']]);
    }
    const gotP1 = runs.filter((r) => r.value === 1);
    expect(gotP1.length).toBeGreaterThan(0);
    for (const r of gotP1) expect(racesOn(r, 'x')).toEqual([]);
  });

  it('replaying the schedule in which P2\'s item overtook P1\'s fails with that data race (races: strict)', async () => {
    const r = (await everyExecution(s)).find((e) => e.value === 2 && stepOf(e, 'p1', 'put') < stepOf(e, 'c', 'get'))!;
    const replayed = await replay(s, encodeToken(s.name, r.schedule, traceHash(r.trace)), { races: 'strict' });
    expect(replayed.verdict).toBe('fail');
    expect(replayed.failure?.kind).toBe('data-race');
    expect(replayed.failure?.message).toMatch(/data race on cell 'x': task 1 'p1' set .* and task 3 'c' get/);
  });

  it('a report draws the queue edge from the put of the item taken', async () => {
    const r = (await everyExecution(s)).find((e) => e.value === 2 && stepOf(e, 'p1', 'put') < stepOf(e, 'c', 'get'))!;
    const into = syncEdges(r.trace, r.objects).filter((e) => e.to === stepOf(r, 'c', 'get'));
    expect(into).toEqual([{ from: stepOf(r, 'p2', 'put'), to: stepOf(r, 'c', 'get'), kind: 'queue' }]);
  });
});

describe('happens-before through a bounded queue: the get that frees a place → the put that fills it', () => {
  // Capacity 2, filled by the body. G1 writes x and gets; G2 gets; P puts (it must wait for the
  // first get) and reads x. P's put filled the place the first get freed: ordered after G1's
  // write only when G1's get was the first.
  const s = scenario('hb/queue-slots', async () => {
    const q = new Queue<string>(2, 'q');
    const x = new Shared(0, 'x');
    await q.put('a');
    await q.put('b');
    const g1 = spawn(async () => { await x.set(1); await q.get(); }, 'g1');
    const g2 = spawn(async () => { await q.get(); }, 'g2');
    const p = spawn(async () => { await q.put('c'); await x.get(); }, 'p');
    await g1.join();
    await g2.join();
    await p.join();
  });

  it('P reading x is ordered after G1\'s write exactly when G1\'s get came first, whatever came later', async () => {
    const runs = await everyExecution(s);
    const g1First = runs.filter((r) => stepOf(r, 'g1', 'get') < stepOf(r, 'g2', 'get'));
    const g2First = runs.filter((r) => stepOf(r, 'g2', 'get') < stepOf(r, 'g1', 'get'));
    expect([g1First.length > 0, g2First.length > 0]).toEqual([true, true]);
    for (const r of g1First) expect(racesOn(r, 'x')).toEqual([]);
    for (const r of g2First) expect(racesOn(r, 'x')).toHaveLength(1);
    // Where both gets came before P's put, a channel joining every get would have hidden the race.
    expect(g2First.some((r) => stepOf(r, 'g1', 'get') < stepOf(r, 'p', 'put'))).toBe(true);
  });

  it('a report draws the edge from the first get to the put', async () => {
    const r = (await everyExecution(s)).find((e) => stepOf(e, 'g1', 'get') < stepOf(e, 'g2', 'get'))!;
    const into = syncEdges(r.trace, r.objects).filter((e) => e.to === stepOf(r, 'p', 'put'));
    expect(into).toEqual([{ from: stepOf(r, 'g1', 'get'), to: stepOf(r, 'p', 'put'), kind: 'queue' }]);
  });

  it('an unbounded queue gives no get → put edge', async () => {
    const unbounded = scenario('hb/queue-unbounded', async () => {
      const q = new Queue<string>(0, 'q');
      const x = new Shared(0, 'x');
      await q.put('a');
      const g = spawn(async () => { await x.set(1); await q.get(); }, 'g');
      const p = spawn(async () => { await q.put('c'); await x.get(); }, 'p');
      await g.join();
      await p.join();
    });
    const runs = await everyExecution(unbounded);
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) expect(racesOn(r, 'x')).toHaveLength(1);
  });

  it('taskDone → join orders every worker\'s writes before the joiner', async () => {
    const done = scenario('hb/queue-join', async () => {
      const q = new Queue<number>(1, 'q');
      const x = new Shared(0, 'x');
      const w = spawn(async () => {
        for (let i = 0; i < 2; i++) {
          const item = await q.get();
          await x.set(item);
          q.taskDone();
        }
      }, 'w');
      await q.put(1);
      await q.put(2);
      await q.join();
      await x.get();
      await w.join();
    });
    const runs = await everyExecution(done);
    expect(runs.length).toBeGreaterThan(1);
    for (const r of runs) expect([r.failure, racesOn(r, 'x')]).toEqual([null, []]);
  });
});

describe('happens-before through an event', () => {
  // W writes x and sets; K clears; R waits and reads x. The body sets once more after K is done
  // (so R never waits forever), knowing nothing of W.
  const s = scenario('hb/event-clear', async () => {
    const ev = new Event('ev');
    const x = new Shared(0, 'x');
    const tasks = [
      spawn(async () => { await x.set(1); ev.set(); }, 'w'),
      spawn(async () => { await ev.wait(); await x.get(); }, 'r'),
    ];
    await spawn(async () => { ev.clear(); }, 'k').join();
    ev.set();
    for (const t of tasks) await t.join();
  });

  it('a wait is ordered after the sets since the last clear, and only those', async () => {
    const runs = (await everyExecution(s)).filter((r) => stepOf(r, 'r', 'read') >= 0);
    let cleared = 0;
    for (const r of runs) {
      const wait = stepOf(r, 'r', 'wait');
      const lastClear = r.trace.slice(0, wait).map((st) => st.kind).lastIndexOf('clear');
      const wSet = stepOf(r, 'w', 'set');
      const afterClear = wSet > lastClear && wSet < wait; // W's set raised the flag R saw
      if (!afterClear && wSet >= 0 && wSet < lastClear) cleared++;
      expect(racesOn(r, 'x').length, `W's set at ${wSet}, last clear at ${lastClear}, wait at ${wait}`).toBe(afterClear ? 0 : 1);
    }
    // The executions the old detector got wrong: W set, K cleared, the body set, then R waited.
    expect(cleared).toBeGreaterThan(0);
  });

  it('an isSet that returns true orders the caller after the set; one that returns false does not', async () => {
    const isSet = scenario('hb/event-is-set', async () => {
      const ev = new Event('ev');
      const x = new Shared(0, 'x');
      const w = spawn(async () => { await x.set(1); ev.set(); }, 'w');
      const r = spawn(async () => {
        const seen = await ev.isSet();
        await x.get();
        return seen;
      }, 'r');
      await w.join();
      return r.join();
    });
    const runs = await everyExecution(isSet);
    expect(new Set(runs.map((r) => r.value))).toEqual(new Set([true, false]));
    for (const r of runs) expect(racesOn(r, 'x')).toHaveLength(r.value === true ? 0 : 1);
  });

  it('an isSet after a clear is not ordered after the set before the clear', async () => {
    const afterClear = scenario('hb/event-is-set-clear', async () => {
      const ev = new Event('ev');
      const x = new Shared(0, 'x');
      const w = spawn(async () => { await x.set(1); ev.set(); ev.clear(); ev.set(); }, 'w');
      const s2 = spawn(async () => { ev.set(); }, 's2');
      const r = spawn(async () => {
        const seen = await ev.isSet();
        await x.get();
        return seen;
      }, 'r');
      await w.join();
      await s2.join();
      return r.join();
    });
    for (const r of await everyExecution(afterClear)) {
      const is = stepOf(r, 'r', 'is-set');
      const clear = stepOf(r, 'w', 'clear');
      // Ordered only by a set of W that came after its write and before the isSet: either one,
      // as long as the flag R saw was raised by W (not by S2 alone after the clear).
      const wSets = [stepOf(r, 'w', 'set', 0), stepOf(r, 'w', 'set', 1)].filter((i) => i >= 0 && i < is);
      const sinceClear = clear < is ? wSets.filter((i) => i > clear) : wSets;
      expect(racesOn(r, 'x')).toHaveLength(r.value === true && sinceClear.length > 0 ? 0 : 1);
    }
  });
});

describe('happens-before through a semaphore: release → acquire', () => {
  it('an acquire after a release is ordered after it; one on the initial permit is not', async () => {
    const s = scenario('hb/semaphore', async () => {
      const sem = new Semaphore(1, 'sem');
      const x = new Shared(0, 'x');
      const p = spawn(async () => { await x.set(1); sem.release(); }, 'p');
      const c = spawn(async () => { await sem.acquire(); await x.get(); }, 'c');
      await p.join();
      await c.join();
    });
    const runs = await everyExecution(s);
    const afterRelease = runs.filter((r) => stepOf(r, 'p', 'release') < stepOf(r, 'c', 'acquire'));
    expect([afterRelease.length > 0, afterRelease.length < runs.length]).toEqual([true, true]);
    for (const r of runs) expect(racesOn(r, 'x')).toHaveLength(afterRelease.includes(r) ? 0 : 1);
  });
});
