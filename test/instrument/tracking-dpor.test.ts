// DPOR over plain code relies on what the transform and the runtime say each step reads and
// writes. If they missed an access, DPOR would treat two conflicting steps as commuting and skip
// an order that leads somewhere else. The oracle here is DFS without any bound, which uses no
// dependence at all: on random programs over plain objects, a Map (by key and through values()),
// an array, a Set, a class instance, a property inherited from a prototype and a captured
// variable, DPOR must reach exactly the final states DFS reaches.
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { explore, scenario } from 'heddle';
import { makeStrategy } from '../../src/strategies.ts';
import type { ExecutionResult } from '../../scheduler/types.ts';
import { Observing } from '../support/observing.ts';

type Place = 'obj.a' | 'obj.b' | 'other.a' | 'map.k1' | 'map.k2' | 'arr' | 'captured' | 'keys' | 'set' | 'inst.f' | 'proto' | 'entries';
type Op = { readonly kind: 'read' | 'write'; readonly place: Place };
type Program = readonly (readonly (readonly Op[])[])[]; // strands × steps × accesses

const PLACES: readonly Place[] = ['obj.a', 'obj.b', 'other.a', 'map.k1', 'map.k2', 'arr', 'captured', 'keys', 'set', 'inst.f', 'proto', 'entries'];

function generate(seed: string, strands: number, steps: number): Program {
  const rnd = seedrandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  // Two or three places per program, so that the strands meet on them often.
  const places = [...PLACES].sort(() => rnd() - 0.5).slice(0, 2 + Math.floor(rnd() * 2));
  return Array.from({ length: strands }, () => Array.from({ length: 1 + Math.floor(rnd() * steps) }, () =>
    Array.from({ length: 1 + Math.floor(rnd() * 3) }, (): Op => ({ kind: rnd() < 0.5 ? 'read' : 'write', place: pick(places) }))));
}

/**
 * The program as a scenario: each strand an async function, each step its accesses then an await;
 * `generators`: each strand's steps run in an async generator's body, one per resumption, and the
 * strand takes their results with a `for await`.
 */
function asScenario(program: Program, generators = false) {
  return scenario('tracking/random-program', async () => {
    const obj: Record<string, number> = { a: 0, b: 0 };
    const other: Record<string, number> = { a: 0 };
    const map = new Map<string, number>();
    const arr: number[] = [];
    let captured = 0;
    const set = new Set<number>();
    class Holder { f = 0; }
    const inst = new Holder();
    const defaults = { v: 0 };
    const child = Object.create(defaults) as { v: number };
    const seen: number[][] = program.map(() => []); // what each strand read, its own array: no shared state
    const access = (strand: number, op: Op, acc: number): number => {
      const w = acc * 7 + strand + 1;
      switch (op.place) {
        case 'obj.a': if (op.kind === 'write') obj.a = w; else return obj.a!;
          break;
        case 'obj.b': if (op.kind === 'write') obj.b = w; else return obj.b!;
          break;
        case 'other.a': if (op.kind === 'write') other.a = w; else return other.a!;
          break;
        case 'map.k1': if (op.kind === 'write') map.set('k1', w); else return map.get('k1') ?? -1;
          break;
        case 'map.k2': if (op.kind === 'write') map.delete('k2'); else return map.has('k2') ? 1 : 0;
          break;
        case 'arr': if (op.kind === 'write') arr.push(w); else return arr.length;
          break;
        case 'captured': if (op.kind === 'write') captured = w; else return captured;
          break;
        case 'keys': if (op.kind === 'write') obj[`x${strand}`] = w; else return Object.keys(obj).length;
          break;
        case 'set': if (op.kind === 'write') set.add(w % 3); else return set.size * 10 + (set.has(1) ? 1 : 0);
          break;
        case 'inst.f': if (op.kind === 'write') inst.f = w; else return inst.f;
          break;
        case 'proto': if (op.kind === 'write') defaults.v = w; else return child.v;
          break;
        case 'entries': if (op.kind === 'write') map.set(`e${w % 2}`, w); else return [...map.values()].reduce((x, y) => x + y, 0);
          break;
      }
      return acc;
    };
    map.set('k2', 1);
    const run = async (strand: number, steps: readonly (readonly Op[])[]) => {
      let acc = 0;
      for (const step of steps) {
        for (const op of step) acc = access(strand, op, acc);
        seen[strand]!.push(acc);
        await null;
      }
    };
    async function* resumptions(strand: number, steps: readonly (readonly Op[])[]) {
      let acc = 0;
      for (const step of steps) {
        for (const op of step) acc = access(strand, op, acc);
        yield acc;
      }
    }
    const take = async (strand: number, steps: readonly (readonly Op[])[]) => {
      for await (const acc of resumptions(strand, steps)) seen[strand]!.push(acc);
    };
    await Promise.all(program.map((steps, strand) => (generators ? take : run)(strand, steps)));
    return JSON.stringify({ obj, other, map: [...map], arr, captured, set: [...set], f: inst.f, v: defaults.v, seen });
  }, { races: false });
}

async function finals(program: Program, strategy: 'dfs' | 'dpor', generators = false): Promise<{ states: Set<string>; executions: number }> {
  const states = new Set<string>();
  let executions = 0;
  const see = (r: ExecutionResult) => {
    executions++;
    states.add(r.value as string);
  };
  const r = await explore(asScenario(program, generators), { strategyInstance: new Observing(makeStrategy(strategy, { seed: '1' }), see), shrink: false, iterations: 1e9 });
  expect(r.failure?.message).toBeUndefined();
  expect(r.complete, `${strategy}: ${r.coverage}`).toBe(true);
  return { states, executions };
}

describe('DPOR over tracked plain code reaches what DFS reaches', () => {
  it('10 random programs of 2 strands × up to 3 steps, each strand taking its steps from an async generator', async () => {
    for (let i = 0; i < 10; i++) {
      const program = generate(`gen-${i}`, 2, 3);
      const dfs = await finals(program, 'dfs', true);
      const dpor = await finals(program, 'dpor', true);
      expect([...dpor.states].sort(), `program ${i}: ${JSON.stringify(program)}`).toEqual([...dfs.states].sort());
    }
  });

  for (const [strands, steps, count] of [[2, 4, 60], [3, 3, 30]] as const) {
    it(`${count} random programs of ${strands} strands × up to ${steps} steps`, async () => {
      let [dfsRuns, dporRuns] = [0, 0];
      for (let i = 0; i < count; i++) {
        const program = generate(`${strands}-${steps}-${i}`, strands, steps);
        const dfs = await finals(program, 'dfs');
        const dpor = await finals(program, 'dpor');
        expect([...dpor.states].sort(), `program ${i}: ${JSON.stringify(program)}`).toEqual([...dfs.states].sort());
        dfsRuns += dfs.executions;
        dporRuns += dpor.executions;
      }
      // And the tracking pays: DPOR runs fewer executions than DFS over the same programs.
      expect(dporRuns).toBeLessThan(dfsRuns);
    });
  }
});

// Variables captured by closures made outside any execution: the module's own scope, and a
// factory's scope made while the module loaded. Both are shared by every execution.
let loadedCount = 0;
function makeCounter() {
  let n = 0;
  return {
    async inc() { const v = n; await null; n = v + 1; },
    get: () => n,
    reset() { n = 0; },
  };
}
const loaded = makeCounter();

describe('captured variables of scopes made outside any execution', () => {
  // Reset at the end, not the start: the first touch of each variable is then inside a strand,
  // after a scheduling point, where DPOR must not mistake it for a scope the step itself made.
  const shared = scenario('tracking/outside-scopes', async () => {
    const bump = async () => {
      await null;
      const m = loadedCount;
      await null;
      loadedCount = m + 1;
      await loaded.inc();
    };
    await Promise.all([bump(), bump()]);
    const final = JSON.stringify([loadedCount, loaded.get()]);
    loadedCount = 0;
    loaded.reset();
    return final;
  }, { races: false });

  async function finalsOf(strategy: 'dfs' | 'dpor'): Promise<string[]> {
    const states = new Set<string>();
    const see = (r: ExecutionResult) => void states.add(r.value as string);
    const r = await explore(shared, { strategyInstance: new Observing(makeStrategy(strategy, { seed: '1' }), see), shrink: false, iterations: 1e9 });
    expect(r.complete, `${strategy}: ${r.coverage}`).toBe(true);
    return [...states].sort();
  }

  it('DPOR reaches every final state DFS reaches, lost updates included', async () => {
    const dfs = await finalsOf('dfs');
    expect(dfs).toEqual(['[1,1]', '[1,2]', '[2,1]', '[2,2]']);
    expect(await finalsOf('dpor')).toEqual(dfs);
  });
});
