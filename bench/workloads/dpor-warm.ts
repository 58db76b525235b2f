// One DPOR search in one worker thread, the same search split among two, and — the machine's own
// ceiling — two copies of the unsplit search side by side, one per worker: all in one pool whose
// two workers were started and warmed beforehand, so the numbers are the searches alone, without
// the workers' start-up. Run as its own process by bench/sections/dpor-workers.ts:
// `tsx bench/workloads/dpor-warm.ts file#scenario rounds`; prints one JSON line of traces/s per
// round. Rounds rotate which of the three runs first (the machine is shared and noisy).
import { performance } from 'node:perf_hooks';
import { registerInstrumentation } from '../../src/instrument/register.ts';

registerInstrumentation();
const { WorkerPool } = await import('../../src/parallel/pool.ts');
const { exploreInWorkers } = await import('../../src/parallel/split.ts');
const { newBound } = await import('../../src/parallel/protocol.ts');

const [target, roundsText] = process.argv.slice(2);
const [file, scenario] = target!.split('#') as [string, string];
/** Warm-up: at least this many rounds, and at least this long (a search of 60 ms needs many to warm). */
const WARM_ROUNDS = 2;
const WARM_MS = 3000;
const pool = new WorkerPool();
pool.warm(2);
const options = { strategy: 'dpor' as const, shrink: false };
/** The unsplit search on worker k: its traces. */
const whole = async (k: number): Promise<number> => {
  const reply = await pool.slice(k, { file, scenario, options, count: 1, index: 0, bound: newBound() });
  if (!reply.ok || !('result' in reply)) throw new Error(`worker ${k + 1}: ${reply.ok ? 'no result' : reply.error}`);
  return reply.result.schedulesRun;
};
const rate = async (run: () => Promise<number>): Promise<number> => {
  const t0 = performance.now();
  const traces = await run();
  return (traces / (performance.now() - t0)) * 1000;
};
const runs = {
  one: () => rate(() => whole(0)),
  two: () => rate(async () => (await exploreInWorkers({ file, scenario, options, count: 2 }, undefined, pool)).schedulesRun),
  side: () => rate(async () => (await Promise.all([whole(0), whole(1)])).reduce((a, b) => a + b, 0)),
};
const kinds = ['one', 'two', 'side'] as const;
try {
  const t0 = performance.now();
  for (let r = 0; r < WARM_ROUNDS || performance.now() - t0 < WARM_MS; r++) for (const kind of kinds) await runs[kind]();
  const out: Record<(typeof kinds)[number], number[]> = { one: [], two: [], side: [] };
  for (let r = 0; r < Number(roundsText ?? 5); r++) {
    for (let j = 0; j < kinds.length; j++) {
      const kind = kinds[(r + j) % kinds.length]!;
      out[kind].push(await runs[kind]());
    }
  }
  console.log(JSON.stringify(out));
} finally {
  await pool.close();
}
