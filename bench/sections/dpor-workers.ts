import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { median, type Section } from '../lib.ts';

const run = promisify(execFile);

// lastzero(10) and filesystem(18) from the DPOR literature, lastzero(12) (a search of seconds) and
// lastzero(14) (tens of seconds: whole processes only, two rounds); registry/double-create.fixed
// (small: 4 traces); and the fixed seed models whose DPOR search is large enough to time (the other
// fixed cache, counter, registry and job-store models have 1 to 54 traces: milliseconds, all start-up).
const PROGRAMS = 'bench/workloads/dpor-programs.ts#benchmarks/';
const TARGETS: readonly { readonly target: string; readonly long?: true }[] = [
  { target: `${PROGRAMS}lastzero-10` },
  { target: `${PROGRAMS}filesystem-18` },
  { target: `${PROGRAMS}lastzero-12` },
  { target: `${PROGRAMS}lastzero-14`, long: true },
  { target: 'scenarios/registry/registry.ts#registry/double-create.fixed' },
  { target: 'scenarios/pool/pool.ts#pool/active-count.fixed' },
  { target: 'scenarios/pool/pool.ts#pool/stats-inconsistent.fixed' },
];

/** Rounds of whole processes for a long search. */
const LONG_ROUNDS = 2;

/** Rounds of the warm-pool comparison (searches of 0.1 to 3 s: cheap, and the machine is noisy). */
const WARM_ROUNDS = 7;

interface Checked {
  readonly schedulesRun: number;
  readonly pruned: number;
  /** The search's own time as check reports it (ms). */
  readonly elapsedMs: number;
  /** The whole process, start-up and worker threads included (ms). */
  readonly wallMs: number;
}

/** One whole `check` process (what a user runs), with its JSON line. */
async function check(target: string, args: readonly string[]): Promise<Checked> {
  const t0 = performance.now();
  const { stdout } = await run('npx', ['tsx', 'check.ts', target, '--strategy', 'dpor', '--no-shrink', '--json', ...args],
    { maxBuffer: 1 << 26 });
  const wallMs = performance.now() - t0;
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as { schedulesRun: number; pruned: number; elapsedMs: number };
  return { schedulesRun: r.schedulesRun, pruned: r.pruned, elapsedMs: r.elapsedMs, wallMs };
}

/**
 * DPOR over `--workers 1` against `--workers 2`, each a whole `check` process, rounds
 * alternating; and once each `--shard 1/2` and `--shard 2/2`, whose traces show how the split
 * shares the work.
 */
export async function dporWorkersSection(rounds = 3): Promise<Section> {
  const rows: (string | number)[][] = [];
  for (const { target, long } of TARGETS) {
    const one: Checked[] = [];
    const two: Checked[] = [];
    for (let r = 0; r < (long ? LONG_ROUNDS : rounds); r++) {
      one.push(await check(target, ['--workers', '1']));
      two.push(await check(target, ['--workers', '2']));
    }
    const shards = [await check(target, ['--shard', '1/2']), await check(target, ['--shard', '2/2'])];
    const rate = (xs: Checked[], time: (c: Checked) => number) => median(xs.map((c) => (c.schedulesRun / time(c)) * 1000));
    const search = (c: Checked) => c.elapsedMs;
    const wall = (c: Checked) => c.wallMs;
    let warm = { split: NaN, ceiling: NaN };
    let model = '—';
    if (!long) {
      const { stdout: line } = await run('npx', ['tsx', 'bench/workloads/dpor-model.ts', target, '2'], { maxBuffer: 1 << 26 });
      const m = JSON.parse(line.trim().split('\n').pop()!) as { whole: number; executions: number; makespan: number; given: number; fellBack: boolean };
      model = m.fellBack ? 'whole search' : `${(m.whole / m.makespan).toFixed(2)} (${m.whole} / ${m.executions}; ${m.given} given)`;
      const { stdout } = await run('npx', ['tsx', 'bench/workloads/dpor-warm.ts', target, String(WARM_ROUNDS)], { maxBuffer: 1 << 26 });
      const rates = JSON.parse(stdout.trim().split('\n').pop()!) as { one: number[]; two: number[]; side: number[] };
      warm = { split: median(rates.two.map((x, i) => x / rates.one[i]!)), ceiling: median(rates.side.map((x, i) => x / rates.one[i]!)) };
    }
    rows.push([target.split('#')[1]!, `${one[0]!.schedulesRun} / ${two[0]!.schedulesRun}`, `${one[0]!.pruned} / ${two[0]!.pruned}`,
      shards.map((s) => s.schedulesRun).join(' / '), Math.round(rate(one, search)), Math.round(rate(two, search)),
      rate(two, search) / rate(one, search), rate(two, wall) / rate(one, wall), ...(long ? ['—', '—', '—'] : [warm.split, warm.ceiling, warm.split / warm.ceiling]),
      model, '≥ 1.8x']);
  }
  return {
    title: `Parallel DPOR: check --workers 1 against --workers 2 (whole processes; medians of ${rounds} alternating rounds, ${LONG_ROUNDS} for lastzero-14)`,
    columns: ['scenario', 'traces, 1 / 2 workers', 'pruned, 1 / 2', 'traces of shard 1/2 / 2/2', 'traces/s, 1 worker (search)',
      'traces/s, 2 workers (search)', 'speed-up (search)', 'speed-up (whole process)', 'speed-up (warm pool: split ÷ 1 worker)',
      'ceiling (warm pool: 2 unsplit searches side by side ÷ 1)', 'split ÷ ceiling',
      'model: 2 equal threads, executions as time (executions, unsplit / split; parts given away)', 'goal'],
    rows,
    notes: ['The split cuts the search by the orders of pairs of conflicting steps from its first executions ' +
      '(scheduler/strategies/dpor-split.ts): each part its own DPOR search, none waiting for another; --shard takes fixed ' +
      'slices of parts, --workers hands parts out as workers become free and cuts a part again when none waits; a worker with nothing to take gets part of a ' +
      'running part\'s remaining work (that part\'s explored executions kept). "Search" ' +
      'is the time check reports for the scenario, which includes booting the first worker (about 0.7 s: tsx, heddle ' +
      'and the scenario files); "whole process" includes start-up too; "warm pool" times the search alone in one worker ' +
      'against the search split among two, the workers booted and warmed beforehand (bench/workloads/dpor-warm.ts), ' +
      `median of ${WARM_ROUNDS} rounds rotating which runs first; "ceiling" runs two copies of the unsplit search at once, ` +
      'one per worker: what the machine gives two threads of this search, whatever the split. With two workers on two ' +
      'cores, check starts the second only once the search has run 1.5 s (its start-up and warm-up take about that much ' +
      'of a core), so a short search runs on one worker. "Model" is the split apart from the machine ' +
      '(bench/workloads/dpor-model.ts): two equal threads take parts by the same rules and, with nothing to take, ask ' +
      'the running part to give work away; every execution one unit of time (a cut part\'s first ones and void ones ' +
      'included); the unsplit search\'s executions ÷ when the last thread finished. The unsplit search runs its look-aheads (shallow bugs first), which the parts do not.'],
  };
}
