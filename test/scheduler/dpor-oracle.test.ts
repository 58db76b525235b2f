// DPOR against an independent oracle (issue #18, item 2): a reference interpreter enumerates every
// interleaving of small plans and groups them into Mazurkiewicz classes by its own dependence
// (test/support/oracle/interpreter.ts); heddle's DPOR, run to the end of its search (deadlocked
// and failed executions included), must explore each class exactly once and cut no execution short.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPENDENCE, enumerate, type Enumeration, type Run } from '../support/oracle/interpreter.ts';
import { searchPlan, type Search } from '../support/oracle/heddle-run.ts';
import { FAMILIES, parsePlan, planText, randomPlan, type Family, type Plan } from '../support/oracle/plan.ts';
import { DporStrategy } from '../../scheduler/strategies/dpor.ts';
import { DfsStrategy } from '../../scheduler/strategies/dfs.ts';
import type { ChoiceContext, SearchStrategy } from '../../scheduler/strategy.ts';
import type { ExecutionResult, PendingOp, TraceStep } from '../../scheduler/types.ts';

/** Random plans checked per family (seeds 1…N; 5 to 8 ops each, besides main's final joins). */
const PLANS: Readonly<Record<Family, number>> = { memory: 100, locks: 100, events: 100, blocking: 100, spawning: 100 };
/** Plans per family that heddle's DFS also runs (every schedule), to check the interpreter and the mapping. */
const DFS_PLANS = 8;
/** DFS schedules at most per plan (a plan with more is left out of the DFS check). */
const DFS_LIMIT = 3_000;

/**
 * Small plans on which today's DPOR breaks a property (found by running the random families and
 * removing ops while it still broke): for developing the new DPOR against.
 */
const MINIMAL: readonly [string, string][] = [
  ['t1: r(x0) | t2: r(x0)', 'one class; an execution cut short (every choice at the first branching step is run)'],
  ['t1: set(e0) | t2: r(x0)', 'one class explored twice: an in-place op in a task\'s first step, on an object not used before'],
  ['t1: rmw(x0) clear(e0) | t2: r(x1) cas(x1,0) clear(e0)', 'a class explored twice: an in-place op later in a task, an object\'s first use'],
  ['[s0=1] t1: acq(s0) | t2: acq(s0)', 'a class missed: t2 never gets the permit (the losing acquire is pending in a deadlock, never an event)'],
  ['t1: clear(e0) | t2: wait(e0) | t3: set(e0)', 'a class missed: set, wait, clear (the wait is pending in the deadlocked set, clear, wait)'],
];

function classesOf(runs: readonly Run[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.key, (count.get(r.key) ?? 0) + 1);
  return count;
}

describe('the interpreter, on plans counted by hand', () => {
  const cases: [string, number, string][] = [
    ['t1: r(x0) | t2: r(x0)', 1, 'two reads commute'],
    ['t1: w(x0) | t2: r(x0)', 2, 'a writer and a reader: the read sees the write or not'],
    ['t1: w(x0) | t2: r(x0) | t3: r(x0)', 4, 'readers(2): each reader before or after the writer'],
    ['t1: w(x0) | t2: w(x0) | t3: r(x0)', 6, 'three pairwise dependent ops: 3! orders'],
    ['t1: w(x0) | t2: w(x1)', 1, 'different cells commute'],
    ['t1: lock(m0) r(x0) unlock(m0) | t2: lock(m0) r(x0) unlock(m0)', 2, 'two critical sections: which goes first'],
    ['t1: lock(m0) lock(m1) unlock(m1) unlock(m0) | t2: lock(m1) lock(m0) unlock(m0) unlock(m1)', 3, 't1 first, t2 first, or the deadlock'],
    ['[s0=1] t1: acq(s0) | t2: acq(s0)', 2, 'one permit, two takers: either one deadlocks'],
    ['[s0=2] t1: acq(s0) w(x0) rel(s0) | t2: acq(s0)', 3, 't2 first, or after t1\'s acquire and before or after its release (which may enable it)'],
    ['t1: wait(e0) | t2: set(e0)', 1, 'the wait can only follow the set'],
    ['t1: wait(e0) | t2: set(e0) clear(e0)', 1, 'set then clear is one atomic step: the wait never sees the flag'],
    ['t1: isset(e0) | t2: set(e0)', 2, 'is-set sees the flag or not'],
    ['t1: put(q0) | t2: put(q0) | t3: get(q0)', 4, 'orders of two puts and a get, the get not first: 3! − 2'],
    ['main: join(t1) r(x0) | t1: w(x0) | t2: w(x0)', 3, "main's read after t1's write: 3 of the 3! orders"],
    ['t1: assert(x0=0) w(x1) | t2: w(x0)', 2, 'the assertion holds (t1 goes on) or fails (t1 stops)'],
  ];
  for (const [text, classes, why] of cases) {
    it(`${text}: ${classes} class${classes === 1 ? '' : 'es'} (${why})`, () => {
      expect(enumerate(parsePlan(text)).classes.size).toBe(classes);
    });
  }

  it('counts deadlocks and failed assertions as runs of their own', () => {
    const deadlocks = [...enumerate(parsePlan('t1: lock(m0) lock(m1) unlock(m1) unlock(m0) | t2: lock(m1) lock(m0) unlock(m0) unlock(m1)')).classes.values()];
    expect(deadlocks.filter((r) => r.deadlocked)).toHaveLength(1);
    const failed = [...enumerate(parsePlan('t1: assert(x0=0) w(x1) | t2: w(x0)')).classes.values()];
    expect(failed.map((r) => r.failed)).toContainEqual([1]);
    expect(failed.map((r) => r.text)).toContainEqual('t2:w(x0) t1:assert(x0=0)=32 main:join(t1) main:join(t2) (failed:t1)');
  });

  it('checks its dependence against the values: a write counted as a read gives one class two outcomes', () => {
    expect(() => enumerate(parsePlan('t1: w(x0) | t2: r(x0)'), { ...DEPENDENCE, write: 'read' })).toThrow(/one class, two outcomes/);
  });

  it('a release ordered against acquires splits classes no outcome tells apart (heddle orders them: enabling)', () => {
    const plan = parsePlan('[s0=2] t1: acq(s0) w(x0) rel(s0) | t2: acq(s0) r(x0)');
    const outcomes = (e: Enumeration) => [...new Set([...e.classes.values()].map((r) => r.outcome))].sort();
    const coarser = enumerate(plan, { ...DEPENDENCE, release: 'none' });
    expect(coarser.classes.size).toBe(4);
    expect(enumerate(plan).classes.size).toBe(5);
    expect(outcomes(coarser)).toEqual(outcomes(enumerate(plan)));
  });

  it('plan text reads back as the same plan', () => {
    for (const family of FAMILIES) {
      for (let seed = 1; seed <= 20; seed++) {
        const plan = randomPlan(family, seed);
        expect(parsePlan(planText(plan))).toEqual({ ...plan, permits: Object.fromEntries(Object.entries(plan.permits).filter(([, n]) => n > 0)) });
      }
    }
  });
});

// Heddle's DFS runs every schedule: the classes it reaches must be exactly the interpreter's. This
// checks the interpreter's semantics and the mapping from heddle's executions to classes,
// independently of DPOR.
describe("heddle's DFS reaches exactly the interpreter's classes", () => {
  for (const family of FAMILIES) {
    it(`${family}: the first ${DFS_PLANS} plans`, async () => {
      let checked = 0;
      for (let seed = 1; checked < DFS_PLANS && seed <= 4 * DFS_PLANS; seed++) {
        const plan = randomPlan(family, seed, 5);
        const dfs = new DfsStrategy({ preemptionBound: 1000 });
        const search = await searchPlan(plan, dfs, DFS_LIMIT);
        if (!search.complete) continue;
        checked++;
        expect([...classesOf(search.runs).keys()].sort(), planText(plan)).toEqual([...enumerate(plan).classes.keys()].sort());
      }
      expect(checked).toBe(DFS_PLANS);
    });
  }
});

interface Checked {
  readonly text: string;
  readonly oracle: Enumeration;
  readonly dpor: Search;
  /** Explored executions per class key. */
  readonly explored: Map<string, number>;
}

/** What a property says is wrong with one checked plan, or null when it holds. */
const PROPERTIES: Record<string, (c: Checked) => string | null> = {
  '(a) soundness: every class of the interpreter is explored': (c) => {
    const missing = [...c.oracle.classes.values()].filter((r) => !c.explored.has(r.key));
    return missing.length === 0 ? null : `${missing.length} of ${c.oracle.classes.size} classes missing, e.g. ${missing[0]!.text}`;
  },
  '(b) optimality: no class is explored twice': (c) => {
    const twice = [...c.explored.values()].filter((n) => n > 1);
    if (twice.length === 0) return null;
    const again = c.dpor.runs.find((r) => c.explored.get(r.key)! > 1)!;
    return `${twice.length} classes explored more than once (${twice.reduce((a, b) => a + b, 0) - twice.length} redundant executions), e.g. ${again.text}`;
  },
  '(c) no execution is cut short (sleep-set blocked)': (c) => (c.dpor.pruned === 0 ? null : `${c.dpor.pruned} cut short, ${c.dpor.runs.length} explored`),
  '(d) explored executions = classes of the interpreter': (c) => (c.dpor.runs.length === c.oracle.classes.size ? null
    : `${c.dpor.runs.length} explored, ${c.oracle.classes.size} classes`),
};

async function check(plan: Plan): Promise<Checked> {
  const dpor = await searchPlan(plan, new DporStrategy());
  return { text: planText(plan), oracle: enumerate(plan), dpor, explored: classesOf(dpor.runs) };
}

/** The plans that break a property, one per line, with what is wrong; fails the test if there are any. */
function expectNone(results: readonly Checked[], property: string, wrong: (c: Checked) => string | null): void {
  const broken = results.flatMap((c) => {
    const why = wrong(c);
    return why === null ? [] : [`  ${c.text}\n      ${why}`];
  });
  expect(broken.length, `${property}: broken on ${broken.length} of ${results.length} plans\n${broken.join('\n')}`).toBe(0);
}

/** Totals of a family, printed once: what the search did besides the failing properties. */
function summary(family: string, results: readonly Checked[]): string {
  const sum = (f: (c: Checked) => number) => results.reduce((n, c) => n + f(c), 0);
  const broken = Object.entries(PROPERTIES).map(([p, wrong]) => `${p.slice(0, 3)} ${results.filter((c) => wrong(c) !== null).length}`);
  return `${family}: ${results.length} plans, ${sum((c) => c.oracle.classes.size)} classes (${sum((c) => c.oracle.interleavings)} interleavings); ` +
    `dpor explored ${sum((c) => c.dpor.runs.length)}, cut short ${sum((c) => c.dpor.pruned)}, probes ${sum((c) => c.dpor.probes)}; ` +
    `plans breaking ${broken.join(', ')}`;
}

for (const family of FAMILIES) {
  describe(`dpor on ${PLANS[family]} random ${family} plans, against the interpreter`, () => {
    const results: Checked[] = [];
    beforeAll(async () => {
      for (let seed = 1; seed <= PLANS[family]; seed++) results.push(await check(randomPlan(family, seed, 5 + (seed % 4))));
    }, 60_000);
    afterAll(() => console.log(summary(family, results)));

    for (const [property, wrong] of Object.entries(PROPERTIES)) it(property, () => expectNone(results, property, wrong));

    it('the search says it is complete, and the plans have deadlocks and failed assertions among them', () => {
      expect(results.every((c) => c.dpor.complete)).toBe(true);
      const runs = results.flatMap((c) => [...c.oracle.classes.values()]);
      if (family === 'blocking' || family === 'events') expect(runs.some((r) => r.deadlocked)).toBe(true);
      expect(runs.some((r) => r.failed.length > 0)).toBe(true);
    });
  });
}

describe('dpor on the minimal plans', () => {
  for (const [text, why] of MINIMAL) {
    it(`${text} (today: ${why})`, async () => {
      const c = await check(parsePlan(text));
      const broken = Object.entries(PROPERTIES).flatMap(([p, wrong]) => {
        const what = wrong(c);
        return what === null ? [] : [`${p}: ${what}`];
      });
      expect(broken, text).toEqual([]);
    });
  }
});

/**
 * A DPOR that takes every write of a cell for a read — a wrong dependence relation, made by
 * changing what the strategy is shown (its pending ops and traces), not its code. The oracle
 * must catch it; the old test, which grouped traces with heddle's own dependence, could not.
 */
class WritesSeenAsReads implements SearchStrategy {
  readonly name = 'dpor-misreading-writes';
  constructor(private readonly inner: SearchStrategy) {}
  get complete() { return this.inner.complete; }
  get probeOnly() { return this.inner.probeOnly; }
  get lookahead() { return this.inner.lookahead; }
  newExecution() { return this.inner.newExecution(); }
  nextRandom() { return this.inner.nextRandom(); }
  nextTask(ctx: ChoiceContext) {
    const misread = (op: PendingOp | null) => (op?.kind === 'write' ? { ...op, kind: 'read' as const } : op);
    return this.inner.nextTask(Object.create(ctx, {
      pending: { value: (t: number) => misread(ctx.pending(t)) },
      previousStep: { value: () => ctx.previousStep().map((op) => misread(op)!) },
    }) as ChoiceContext);
  }
  endExecution(result: ExecutionResult) {
    const trace = result.trace.map((st): TraceStep => (st.kind === 'write' ? { ...st, kind: 'read' } : st));
    this.inner.endExecution?.({ ...result, trace });
  }
}

describe('the oracle is not vacuous', () => {
  it('it catches a DPOR whose dependence takes writes for reads (classes missed)', async () => {
    let missed = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const plan = randomPlan('memory', seed);
      const search = await searchPlan(plan, new WritesSeenAsReads(new DporStrategy()));
      const explored = classesOf(search.runs);
      missed += [...enumerate(plan).classes.keys()].filter((k) => !explored.has(k)).length;
    }
    expect(missed).toBeGreaterThan(0);
  });

  it('it catches a search without reduction (classes explored more than once)', async () => {
    const plan = parsePlan('t1: w(x0) | t2: w(x1) | t3: r(x0)');
    const search = await searchPlan(plan, new DfsStrategy({ preemptionBound: 1000 }));
    expect(enumerate(plan).classes.size).toBe(2);
    expect(search.runs.length).toBeGreaterThan(2);
    expect(classesOf(search.runs).size).toBe(2);
  });
});
