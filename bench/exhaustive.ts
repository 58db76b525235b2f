// Exhaustive search: DPOR against the optimal trace counts of ../shared/benchmarks, DFS against
// DPOR (the reduction), traces per second, executions to the known bugs, and DFS and DPOR memory
// over a million schedules. Run alone with `npx tsx bench/exhaustive.ts`, or in `npm run bench`.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { explore, type ExploreOptions, type ExploreResult, type Scenario } from 'heddle';
import { deadlock, filesystem, indexer, lastzero, lostUpdate, readers, reorder } from '../scenarios/benchmarks/programs.ts';
import { renderSection, type Section } from './lib.ts';

/** Optimal (Mazurkiewicz) trace counts from ../shared/benchmarks/README.md. */
const OPTIMAL: [string, () => Scenario, number][] = [
  ['lastzero(1)', () => lastzero(1), 2],
  ['lastzero(2)', () => lastzero(2), 5],
  ['lastzero(3)', () => lastzero(3), 12],
  ['lastzero(4)', () => lastzero(4), 28],
  ['lastzero(5)', () => lastzero(5), 64],
  ['lastzero(6)', () => lastzero(6), 144],
  ['lastzero(10)', () => lastzero(10), 3328],
  ['readers(2)', () => readers(2), 4],
  ['readers(3)', () => readers(3), 8],
  ['readers(5)', () => readers(5), 32],
];

/**
 * DPOR's work before the wakeup trees (source-DPOR with sleep sets, commit 187836f), measured on
 * 2026-12-01 side by side with the code after them on this machine (2 shared cores), best of four
 * runs each: traces per second and executions cut short by sleep sets. A fixed record of code
 * that is gone; the columns after it are measured by every run.
 */
const BEFORE: Record<string, { perSecond: number; blocked: number }> = {
  'lastzero(10)': { perSecond: 6640, blocked: 7382 },
  'readers(12)': { perSecond: 18017, blocked: 12 },
  'filesystem(18)': { perSecond: 28, blocked: 6282 },
  'indexer(13)': { perSecond: 3182, blocked: 19 },
};

const WORK: [string, () => Scenario, number][] = [
  ['lastzero(10)', () => lastzero(10), 3328],
  ['readers(12)', () => readers(12), 4096],
  ['filesystem(18)', () => filesystem(18), 32],
  ['indexer(13)', () => indexer(13), 64],
];

const BUGGY: [string, () => Scenario][] = [
  ['deadlock', () => deadlock],
  ['lost update, 2 tasks', () => lostUpdate(2)],
  ['lost update, 3 tasks', () => lostUpdate(3)],
  ['reorder(5, 5)', () => reorder(5, 5)],
];

/** The searches for a known bug stop here (issue #18: reorder(5, 5) within 1,000 executions). */
const BUG_CAP = 1000;

/** DFS stops here: past it the ratio is a lower bound (lastzero(3) alone has 969 696 schedules). */
const DFS_CAP = 200_000;
/** Each rate is measured over repeated runs of at least this long. */
const MIN_MS = 300;

/** Four runs of a whole DPOR search, as the BEFORE record was measured: the first result and the best rate. */
async function bestOfFour(s: () => Scenario): Promise<{ result: ExploreResult; perSecond: number }> {
  let result: ExploreResult | null = null;
  let best = 0;
  for (let k = 0; k < 4; k++) {
    const t0 = performance.now();
    const r = await explore(s(), { strategy: 'dpor', shrink: false });
    best = Math.max(best, (r.schedulesRun / (performance.now() - t0)) * 1000);
    result ??= r;
  }
  return { result: result!, perSecond: best };
}

/** Runs a search until MIN_MS have passed; the result of the first run and the rate over all. */
async function timed(s: () => Scenario, options: ExploreOptions): Promise<{ result: ExploreResult; perSecond: number }> {
  const t0 = performance.now();
  let result: ExploreResult | null = null;
  let units = 0;
  do {
    const r = await explore(s(), { shrink: false, ...options });
    result ??= r;
    units += r.schedulesRun;
  } while (performance.now() - t0 < MIN_MS);
  return { result: result!, perSecond: (units / (performance.now() - t0)) * 1000 };
}

export async function sections(): Promise<Section[]> {
  const rows: (string | number)[][] = [];
  for (const [name, make, optimal] of OPTIMAL) {
    const dpor = await timed(make, { strategy: 'dpor' });
    const dfs = await timed(make, { strategy: 'dfs', preemptionBound: 1000, maxSchedules: DFS_CAP });
    const cut = !dfs.result.complete;
    const d = dpor.result.schedulesRun;
    rows.push([name, optimal, d, dpor.result.pruned, (d / optimal).toFixed(2),
      cut ? `> ${DFS_CAP.toLocaleString('en')}` : dfs.result.schedulesRun,
      `${cut ? '> ' : ''}${(dfs.result.schedulesRun / d).toFixed(1)}`, dpor.perSecond, dfs.perSecond]);
  }
  const bugs: (string | number)[][] = [];
  for (const [name, make] of BUGGY) {
    const dpor = await explore(make(), { strategy: 'dpor', shrink: false, maxSchedules: BUG_CAP });
    const dfs = await explore(make(), { strategy: 'dfs', shrink: false, maxSchedules: BUG_CAP });
    bugs.push([name, make().options.expect ?? 'pass', dpor.failure?.kind ?? 'none', dpor.schedulesRun, dpor.failure?.preemptions ?? '',
      dfs.failure?.kind ?? 'none', dfs.schedulesRun, dfs.failure?.preemptions ?? '']);
  }
  const work: (string | number)[][] = [];
  for (const [name, make, traces] of WORK) {
    const dpor = await bestOfFour(make);
    const before = BEFORE[name]!;
    work.push([name, traces, dpor.result.schedulesRun, dpor.result.pruned, Math.round(dpor.perSecond), before.blocked, before.perSecond,
      `${(dpor.perSecond / before.perSecond).toFixed(1)}×`]);
  }
  const memory = dfsMemory();
  const dporMemory = dporMillion();
  return [{
    title: 'DPOR: work per trace, with wakeup trees and before them',
    columns: ['program', 'traces', 'explored', 'blocked', 'traces/s', 'blocked before', 'traces/s before', 'speed-up'],
    rows: work,
    notes: ['"blocked": executions that ended with every runnable task asleep (pruned), work that explores no trace. "Before": ' +
      'source-DPOR with sleep sets (commit 187836f), measured on 2026-12-01 side by side on this machine; both columns are ' +
      'the best of four whole searches. ' +
      'Goals (issue #18): ≥ 2× the traces/s of lastzero(10) and ≥ 20× those of filesystem(18). The programs run uninstrumented ' +
      'here (instrumented, the same counts, 0 blocked: test/scheduler/dpor.test.ts). "traces/s" includes the shallow-first ' +
      'look-aheads DPOR runs beside the traces (docs/benchmarks.md counts them).', dporMemory],
  }, {
    title: 'Exhaustive search: DPOR against the optimal trace counts, DFS against DPOR',
    columns: ['program', 'optimal', 'dpor traces', 'dpor pruned', 'dpor ÷ optimal', 'dfs schedules', 'dfs ÷ dpor', 'dpor traces/s', 'dfs schedules/s'],
    rows,
    notes: [`DFS runs every schedule (no preemption bound) and stops at ${DFS_CAP.toLocaleString('en')}: a "> " count is a lower ` +
      'bound. DPOR "pruned" executions were cut short by sleep sets (every runnable task asleep) and are not traces. ' +
      'Rates are over repeated runs of at least 300 ms.', memory],
  }, {
    title: 'Exhaustive search: executions to the known bugs',
    columns: ['program', 'expect', 'dpor found', 'dpor executions', 'preemptions', 'dfs found', 'dfs executions', 'preemptions'],
    rows: bugs,
    notes: ['DFS deepens over deviations from its default order (0, 1, 2, …), so the failure it reports departs least from it; ' +
      'DPOR looks one step aside at each state of its first execution before it goes deep (docs/strategies.md). Both stop at ' +
      `${BUG_CAP.toLocaleString('en')} schedules ("none": not found by then); neither is shrunk here. "executions" is the failing ` +
      "schedule's number (DPOR's passing look-aheads are not counted)."],
  }];
}

/**
 * A million DFS schedules, in a fresh process so nothing else sits in its heap: only the current
 * path is kept, so resident memory stays flat however many schedules run.
 */
function dfsMemory(): string {
  const code = `import { explore } from 'heddle'; import { lastzero } from './scenarios/benchmarks/programs.ts';
    const t0 = performance.now();
    const r = await explore(lastzero(4), { strategy: 'dfs', preemptionBound: 1000, maxSchedules: 1_000_000, shrink: false });
    console.log(JSON.stringify({ schedules: r.schedulesRun, seconds: (performance.now() - t0) / 1000, peakMb: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  const m = JSON.parse(out.trim().split('\n').pop()!) as { schedules: number; seconds: number; peakMb: number };
  return `DFS memory: ${m.schedules.toLocaleString('en')} schedules of lastzero(4) in a fresh process, ${m.seconds.toFixed(0)} s ` +
    `(${Math.round(m.schedules / m.seconds).toLocaleString('en')}/s); peak RSS ${m.peakMb.toFixed(0)} MB (goal < 200 MB).`;
}

/** DPOR's memory goal (issue #18): peak resident memory over a million traces. */
const DPOR_MEMORY_GOAL_MB = 200;

/**
 * A million DPOR traces of readers(20) (2^20 in all), in a fresh process: peak resident memory,
 * beside the same search cut at a thousand traces in another fresh process (what node, tsx and
 * heddle take before the search holds anything), and the most nodes the wakeup trees held.
 */
function dporMillion(): string {
  const run = (traces: number) => {
    const code = `import { explore } from 'heddle'; import { readers } from './scenarios/benchmarks/programs.ts';
      import { DporStrategy } from './scheduler/strategies/dpor.ts';
      const dpor = new DporStrategy();
      let nodes = 0;
      const t0 = performance.now();
      const r = await explore(readers(20), { strategyInstance: dpor, maxSchedules: ${traces}, shrink: false,
        onExecution: (n) => { if ((n & 255) === 0) nodes = Math.max(nodes, dpor.wakeupNodes); } });
      console.log(JSON.stringify({ traces: r.schedulesRun, blocked: r.pruned, nodes, seconds: (performance.now() - t0) / 1000,
        peakMb: process.resourceUsage().maxRSS / 1024 }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop()!) as { traces: number; blocked: number; nodes: number; seconds: number; peakMb: number };
  };
  const floor = run(1000);
  const m = run(1_000_000);
  const verdict = m.peakMb <= DPOR_MEMORY_GOAL_MB ? 'met' : 'not met';
  return `DPOR memory: ${m.traces.toLocaleString('en')} traces of readers(20) in a fresh process, ${m.seconds.toFixed(0)} s ` +
    `(${Math.round(m.traces / m.seconds).toLocaleString('en')}/s, ${m.blocked} blocked); peak RSS ${m.peakMb.toFixed(0)} MB against ` +
    `${floor.peakMb.toFixed(0)} MB for its first ${floor.traces.toLocaleString('en')} traces; the wakeup trees held at most ` +
    `${m.nodes.toLocaleString('en')} nodes (goal ≤ ${DPOR_MEMORY_GOAL_MB} MB: ${verdict}).`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of await sections()) console.log(renderSection(s) + '\n');
}
