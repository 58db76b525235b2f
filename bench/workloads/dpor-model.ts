// The split DPOR search's balance, apart from the machine: `threads` equal threads take parts as
// exploreParts hands them out (PartTree; the first part cut by ⌈log2 threads⌉ + 1 pairs, a part
// cut again by one when no part waits), every execution — void ones, a cut part's first ones, those
// of a part whose pivot broke — one unit of time. Prints one JSON line: the unsplit search's
// executions, the split's in all, and when the last thread finished (the speed-up is their ratio).
// Run as `tsx bench/workloads/dpor-model.ts <file#scenario> [threads]`.
import { registerInstrumentation } from '../../src/instrument/register.ts';

registerInstrumentation();
const { explore } = await import('../../src/explore.ts');
const { loadFile } = await import('../../src/cli/load.ts');
const { DporPart } = await import('../../scheduler/strategies/dpor-split.ts');
const { DporStrategy } = await import('../../scheduler/strategies/dpor.ts');
const { PartTree } = await import('../../src/parallel/part-tree.ts');
const { partCuts } = await import('../../src/parallel/protocol.ts');
type PartSpec = import('../../scheduler/strategies/dpor-pivots.ts').PartSpec;
type Strategy = import('../../scheduler/strategy.ts').SearchStrategy;
type ExecutionResult = import('../../scheduler/types.ts').ExecutionResult;

const [target, threadsText] = process.argv.slice(2);
const [file, name] = target!.split('#') as [string, string];
const s = (await loadFile(file)).find((l) => l.scenario.name === name)!.scenario;
const threads = Number(threadsText ?? 2);

/** Counts a strategy's executions (every one that ends), and at which count it was asked whether to cut. */
function counted<T extends Strategy>(inner: T): { strategy: Strategy; runs: () => number } {
  let runs = 0;
  const strategy = new Proxy(inner, {
    get(t, key) {
      if (key === 'endExecution') return (r: ExecutionResult) => { runs++; t.endExecution?.(r); };
      const v = Reflect.get(t, key, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { strategy, runs: () => runs };
}

interface Outcome {
  readonly runs: number;
  /** Executions run when the part was asked whether to cut (null: it ended first). */
  readonly askedAt: number | null;
  readonly traces: number;
  readonly cut: readonly PartSpec[] | null;
  readonly broken: number | null;
}

const outcomes = new Map<string, Outcome>();
/** A part run on its own, cut by `k` pairs when asked. */
async function outcome(spec: PartSpec, k: number): Promise<Outcome> {
  const key = `${JSON.stringify(spec)}|${k}`;
  const known = outcomes.get(key);
  if (known !== undefined) return known;
  let askedAt: number | null = null;
  const part = new DporPart({ spec, cutBy: () => { askedAt = runs(); return k; } }, false, '1');
  const { strategy, runs } = counted(part);
  const r = await explore(s, { strategyInstance: strategy, iterations: 1e9, shrink: false });
  const o = { runs: runs(), askedAt, traces: r.schedulesRun, cut: part.cutInto, broken: part.brokenPivot };
  outcomes.set(key, o);
  return o;
}

const wholeRun = counted(new DporStrategy());
await explore(s, { strategyInstance: wholeRun.strategy, iterations: 1e9, shrink: false });

interface Event { readonly time: number; readonly start: number; readonly thread: number; readonly id: number; readonly spec: PartSpec; readonly kind: 'decide' | 'end'; readonly outcome: Outcome }
const tree = new PartTree<number>();
const events: Event[] = [];
const idle: number[] = [];
let executions = 0;
let makespan = 0;
let whole = false;

async function start(thread: number, time: number): Promise<void> {
  const part = whole ? undefined : tree.take();
  if (part === undefined) return void idle.push(thread);
  const o = await outcome(part.spec, 0);
  const decide = o.askedAt !== null && (o.broken === null || o.askedAt < o.runs);
  events.push({ time: time + (decide ? o.askedAt! : o.runs), start: time, thread, id: part.id, spec: part.spec, kind: decide ? 'decide' : 'end', outcome: o });
}

for (let t = 0; t < threads; t++) await start(t, 0);
while (events.length > 0) {
  events.sort((a, b) => a.time - b.time || a.thread - b.thread);
  const e = events.shift()!;
  makespan = Math.max(makespan, e.time);
  if (e.kind === 'decide') {
    const k = partCuts(e.spec.depth, threads, tree.queued); // every thread is in from the start: never ALONE
    const c = k > 0 ? await outcome(e.spec, k) : null;
    if (c !== null && c.cut !== null) {
      executions += c.runs;
      tree.cut(e.id, c.cut);
    } else {
      events.push({ ...e, time: e.time + e.outcome.runs - e.outcome.askedAt!, kind: 'end' });
      continue;
    }
  } else {
    const o = e.outcome;
    executions += o.runs;
    if (o.broken !== null) {
      if (!tree.broke(e.id, o.broken)) whole = true;
      // Void parts other threads run stop now.
      events.forEach((other, i) => {
        if (tree.isVoid(other.id)) events[i] = { ...other, time: e.time, kind: 'end', outcome: { ...other.outcome, broken: null, runs: e.time - other.start } };
      });
    } else tree.finish(e.id, o.traces);
  }
  for (const t of idle.splice(0)) await start(t, e.time);
  await start(e.thread, e.time);
}
const traces = tree.results().reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ whole: wholeRun.runs(), executions, makespan, traces, fellBack: whole }));
