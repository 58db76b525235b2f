// The split DPOR search's balance, apart from the machine: `threads` equal threads take parts as
// exploreParts hands them out (PartTree; the first part cut by ⌈log2 threads⌉ + 1 pairs; a part
// cut again as partCuts says; a thread with nothing to take asks the running parts to give work
// away, DporPart.donate), in lockstep: each thread that has a part runs one execution of it per
// unit of time — void ones, a cut part's first ones, those of a part whose pivot broke included.
// Prints one JSON line: the unsplit search's executions, the split's in all, when the last thread
// finished (the speed-up is their ratio), the traces the parts explored, and how many parts were
// given away. Run as `tsx bench/workloads/dpor-model.ts <file#scenario> [threads]`.
import { registerInstrumentation } from '../../src/instrument/register.ts';

registerInstrumentation();
const { explore } = await import('../../src/explore.ts');
const { runExecution } = await import('../../src/run.ts');
const { loadFile } = await import('../../src/cli/load.ts');
const { DporPart } = await import('../../scheduler/strategies/dpor-split.ts');
const { DporStrategy } = await import('../../scheduler/strategies/dpor.ts');
const { PartTree } = await import('../../src/parallel/part-tree.ts');
const { partCuts } = await import('../../src/parallel/protocol.ts');
type Part = InstanceType<typeof DporPart>;
type ExecutionResult = import('../../scheduler/types.ts').ExecutionResult;

const [target, threadsText] = process.argv.slice(2);
const [file, name] = target!.split('#') as [string, string];
const s = (await loadFile(file)).find((l) => l.scenario.name === name)!.scenario;
const threads = Number(threadsText ?? 2);

/** The unsplit search's executions (look-aheads included: what one thread runs). */
let whole = 0;
const counting = new DporStrategy();
await explore(s, { strategyInstance: new Proxy(counting, {
  get(t, key) {
    if (key === 'endExecution') return (r: ExecutionResult) => { whole++; t.endExecution(r); };
    const v = Reflect.get(t, key, t) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
  },
}), iterations: 1e9, shrink: false });

interface Running { id: number; part: Part; traces: number; wanted: boolean }
const tree = new PartTree<number>();
const running: (Running | null)[] = Array.from({ length: threads }, () => null);
let executions = 0;
let time = 0;
let given = 0;
let fellBack = false;

const take = (k: number): void => {
  const next = fellBack ? undefined : tree.take();
  if (next === undefined) return;
  const run: Running = { id: next.id, traces: 0, wanted: false, part: null as unknown as Part };
  run.part = new DporPart({
    spec: next.spec,
    cutBy: () => partCuts(next.spec.depth, threads, tree.queued), // every thread is in from the start: never ALONE
    donate: {
      wanted: () => run.wanted,
      give: (kept, away) => {
        run.wanted = false;
        given++;
        run.id = tree.donate(run.id, kept, away);
      },
    },
  }, false, '1');
  running[k] = run;
};

for (;;) {
  running.forEach((r, k) => r === null && take(k));
  if (running.every((r) => r === null)) break;
  const idle = running.some((r) => r === null) && tree.queued === 0;
  for (const r of running) if (r !== null) r.wanted = idle;
  time++;
  for (let k = 0; k < threads; k++) {
    const r = running[k];
    if (r === null) continue;
    if (!r.part.newExecution()) {
      running[k] = null;
      if (r.part.cutInto !== null) tree.cut(r.id, r.part.cutInto);
      else tree.finish(r.id, r.traces);
      continue;
    }
    const result = await runExecution(s, r.part, 10_000, false);
    executions++;
    if (!r.part.probeOnly && !result.pruned) r.traces++;
    const broken = r.part.brokenPivot;
    if (broken !== null) {
      running[k] = null;
      if (!tree.broke(r.id, broken)) fellBack = true;
      // Void parts other threads run stop now.
      running.forEach((o, j) => { if (o !== null && tree.isVoid(o.id)) running[j] = null; });
    }
  }
}
const traces = tree.results().reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ whole, executions, makespan: time, traces, given, fellBack }));
