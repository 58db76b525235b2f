import pc from 'picocolors';
import { performance } from 'node:perf_hooks';
import { DEFAULT_ITERATIONS, type ExploreResult } from '../explore.ts';
import { Progress } from './progress.ts';
import { parseShard, search, type Split } from './search.ts';
import { WorkerPool } from '../parallel/pool.ts';
import { takesParts } from '../parallel/split.ts';
import { writeReport } from './html-report.ts';
import { CORPUS_DIR } from '../corpus.ts';
import { replaySaved, saveResult, type SavedReplay } from './regressions.ts';
import { checkWatched, timeoutOf } from './watched.ts';
import { existsSync, statSync } from 'node:fs';
import { DEFAULT_STRATEGY, isStrategyName, STRATEGY_NAMES, type StrategyName } from '../strategies.ts';
import type { Scenario } from '../scenario.ts';
import type { RacePolicy } from '../run.ts';
import { formatFailure, warningLines } from '../report/text.ts';
import { failureJson, warningsJson } from '../report/json.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError, parse, racesFlag, wholeNumber } from './input.ts';
import { instrumentModules } from './instrument.ts';
import { resolveTargets, type LoadedScenario } from './load.ts';
import type { Output } from './output.ts';
import { seedProblem } from '../seed.ts';
import type { Cli, Rerun } from '../report/command.ts';
import { plural } from '../report/plural.ts';

/** `check --help`, with the prefix the CLI was invoked by. */
export const checkUsage = (cli: Cli): string => `usage: ${cli} check [target...] [flags]
  target: a scenario or group name (under ./scenarios), file.ts, file.ts#name, or a folder
  (every scenario file in it); several are checked in turn; none: every scenario under ./scenarios
  --strategy NAME     ${STRATEGY_NAMES.join(' | ')} (default ${DEFAULT_STRATEGY})
  --depth D           PCT bug depth: D−1 priority change points (default 3)
  --iterations N      schedules to explore at most (default ${DEFAULT_ITERATIONS}; dfs/dpor: until done)
  --seed S            run seed; a failing execution's seed reruns it first
  --max-steps N       scheduling points per execution before livelock (default 10000)
  --timeout S         seconds one execution may run before the watchdog stops it and reports
                      a livelock (an endless synchronous loop; default 10; 0: no watchdog)
  --preemption-bound K  dfs: at most K preemptions per schedule (default: deepen over deviations
                      from the default order, 0, 1, 2, …)
  --max-schedules N   dfs/dpor: stop after N schedules in all, over every slice (then not a proof)
  --races MODE        warn (default): unordered accesses to a Shared cell are warnings, a lost
                      update fails (atomicity); strict: an unordered pair fails (data-race); off
  --no-shrink         report the failing schedule as found, without shrinking it
  --save              store a failing schedule in regressions/<scenario>.json; saved
                      schedules are always replayed first (a fixed bug shows "still fixed")
  --regressions DIR   where saved schedules live (default regressions/)
  --report FILE       write a failure as a self-contained HTML swimlane diagram (one scenario)
  --workers N         explore on N worker threads (same failure whatever N)
  --shard i/n         explore only slice i of n (CI matrix); combine with 'merge'
  --full-trace        print every step of a failing trace
  --json              one JSON object per scenario, one per line
  --list              list scenarios and what they expect, run nothing
  --instrument NAME   also instrument package NAME's awaits (repeatable; your own code always is)
  --help              this text`;

const FLAGS = {
  strategy: { type: 'string' },
  depth: { type: 'string' },
  iterations: { type: 'string' },
  seed: { type: 'string' },
  'max-steps': { type: 'string' },
  timeout: { type: 'string' },
  'preemption-bound': { type: 'string' },
  'max-schedules': { type: 'string' },
  'full-trace': { type: 'boolean' },
  'no-shrink': { type: 'boolean' },
  races: { type: 'string' },
  save: { type: 'boolean' },
  regressions: { type: 'string' },
  report: { type: 'string' },
  workers: { type: 'string' },
  shard: { type: 'string' },
  json: { type: 'boolean' },
  list: { type: 'boolean' },
  instrument: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

interface CheckHow {
  readonly single: boolean;
  readonly json: boolean;
  readonly full: boolean;
  readonly save: boolean;
  readonly regressions: string;
  readonly report: string | undefined;
  readonly split: Split;
  readonly cli: Cli;
  /** The watchdog's pool and --timeout (ms), or null: explore in this thread. */
  readonly watch: { readonly pool: WorkerPool; readonly flagMs: number | undefined } | null;
}

export interface CheckSettings {
  readonly strategy: StrategyName;
  readonly iterations?: number;
  readonly seed?: string;
  readonly depth?: number;
  readonly maxSteps?: number;
  readonly shrink?: boolean;
  readonly preemptionBound?: number;
  readonly maxSchedules?: number;
  readonly races?: RacePolicy;
}

function expectation(s: Scenario): string {
  return s.options.expect ?? 'pass';
}

export function asExpected(s: Scenario, r: ExploreResult): boolean {
  return (r.failure?.kind ?? 'pass') === expectation(s);
}

function summary(s: Scenario, r: ExploreResult, ms: number, color: boolean): string {
  const c = pc.createColors(color);
  const ok = asExpected(s, r);
  const outcome = r.failure ? r.failure.kind : r.complete ? 'pass (complete)' : 'pass';
  const mark = ok ? c.green('✓') : c.red('✗');
  return `${mark} ${s.name.padEnd(34)} expect ${expectation(s).padEnd(14)} got ${(ok ? outcome : c.red(outcome)).padEnd(16)} ` +
    `${String(r.schedulesRun).padStart(5)} ${r.schedulesRun === 1 ? 'schedule ' : 'schedules'}${prunedNote(r)}  ${ms.toFixed(0).padStart(5)} ms` +
    (r.coverage ? c.dim(`  ${r.coverage}`) : '');
}

/** DPOR's executions cut short by sleep sets: run, but not counted as schedules. */
function prunedNote(r: ExploreResult): string {
  return r.pruned > 0 ? ` (+ ${r.pruned.toLocaleString('en')} pruned)` : '';
}

export async function runCheck(args: readonly string[], out: Output, cli: Cli): Promise<number> {
  const { values, positionals } = parse(args, FLAGS, Infinity);
  if (values.help) {
    out.stdout(checkUsage(cli));
    return EXIT_OK;
  }
  const strategy = values.strategy ?? DEFAULT_STRATEGY;
  if (!isStrategyName(strategy)) throw new InputError(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got '${strategy}'`);
  const seedError = values.seed === undefined ? null : seedProblem(values.seed, strategy);
  if (seedError !== null) throw new InputError(`--seed: ${seedError}`);
  const races = racesFlag(values.races);
  if (values['preemption-bound'] !== undefined && strategy !== 'dfs') throw new InputError(`--preemption-bound applies to --strategy dfs only, not ${strategy}`);
  const settings: CheckSettings = {
    strategy,
    ...(values.iterations !== undefined ? { iterations: wholeNumber('iterations', values.iterations, 1)! } : {}),
    ...(values.seed !== undefined ? { seed: values.seed } : {}),
    ...(values['no-shrink'] ? { shrink: false } : {}),
    ...(races !== undefined ? { races } : {}),
    ...(values.depth !== undefined ? { depth: wholeNumber('depth', values.depth, 1, 20)! } : {}),
    ...(values['max-steps'] !== undefined ? { maxSteps: wholeNumber('max-steps', values['max-steps'], 1)! } : {}),
    ...(values['preemption-bound'] !== undefined ? { preemptionBound: wholeNumber('preemption-bound', values['preemption-bound'], 0, 1000)! } : {}),
    ...(values['max-schedules'] !== undefined ? { maxSchedules: wholeNumber('max-schedules', values['max-schedules'], 1)! } : {}),
  };
  const split: Split = {
    workers: wholeNumber('workers', values.workers, 1, 64) ?? 1,
    ...(values.shard !== undefined ? { shard: parseShard(values.shard) } : {}),
  };
  const timeoutSeconds = wholeNumber('timeout', values.timeout, 0, 86_400);
  const regressions = values.regressions ?? CORPUS_DIR;
  if (existsSync(regressions) && !statSync(regressions).isDirectory()) {
    throw new InputError(`--regressions: '${regressions}' is a file; it names the folder where saved schedules live`);
  }
  instrumentModules(values.instrument);
  // Workers are started once for the whole run: each costs hundreds of milliseconds to boot, the
  // first while this thread loads the scenario files. With the watchdog (the default) every
  // execution runs in a worker this thread can stop. Every worker a search cut into fixed slices
  // will use boots now, side by side, not when its first slice comes; a DPOR search handed out in
  // parts starts the others itself if it runs long.
  const watched = timeoutSeconds !== 0;
  const pool = !values.list && (watched || (split.workers > 1 && split.shard === undefined)) ? new WorkerPool() : undefined;
  pool?.warm(split.workers > 1 && !takesParts(settings, split.workers) ? split.workers : 1);
  try {
    const targets = await resolveTargets(positionals);
    if (values.list) {
      for (const { scenario, file } of targets) {
        out.stdout(`${scenario.name.padEnd(36)} expect ${expectation(scenario).padEnd(14)} ${file}` +
          (scenario.options.description ? `  — ${scenario.options.description}` : ''));
      }
      return EXIT_OK;
    }
    const single = targets.length === 1;
    if (values.report !== undefined && !single) throw new InputError(`--report needs exactly one scenario, '${positionals.join(' ') || 'all'}' names ${targets.length}`);
    let allOk = true;
    let okCount = 0;
    let unreadable = 0;
    const watch = watched ? { pool: pool!, flagMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 } : null;
    for (const loaded of targets) {
      const { ok, problem } = await checkOne(loaded, settings, { single, json: values.json ?? false, full: values['full-trace'] ?? false, save: values.save ?? false,
        regressions, report: values.report, split: pool && !watched ? { ...split, pool } : split, cli, watch }, out);
      allOk &&= ok;
      if (ok) okCount++;
      if (problem) unreadable++;
    }
    if (unreadable > 0) {
      // Not a pass: those scenarios were not checked against their saved schedules (bad input, exit 2).
      out.stderr(`heddle check: ${plural(unreadable, 'scenario')} not checked against ${unreadable === 1 ? 'its' : 'their'} saved schedules ` +
        `(the regression file${unreadable === 1 ? ' is' : 's are'} unreadable: see the warnings above)`);
      return EXIT_USAGE;
    }
    if (!single && !values.json) {
      out.stdout(allOk ? `\nall ${plural(targets.length, 'scenario')} behaved as declared`
        : `\n${plural(targets.length - okCount, 'scenario')} of ${targets.length} did not behave as declared`);
    }
    return allOk ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await pool?.close();
  }
}

/** One scenario's saved regressions, then its search: in a watched worker, or in this thread. */
async function checkScenario(loaded: LoadedScenario, settings: CheckSettings, how: CheckHow): Promise<{ saved: SavedReplay; result: ExploreResult }> {
  const { scenario } = loaded;
  const progress = how.json ? null : Progress.forTerminal(scenario.name);
  try {
    if (how.watch !== null) {
      const options = how.split.shard ? { ...settings, shard: how.split.shard } : settings;
      const outcome = await checkWatched(loaded, options, how.regressions, how.watch.pool, timeoutOf(loaded, how.watch.flagMs),
        how.split.shard ? 1 : how.split.workers, (n, caveats) => progress?.tick(n, caveats));
      return { saved: outcome.saved, result: outcome.result ?? fromCorpus(loaded, outcome.saved) };
    }
    const saved = await replaySaved(scenario, how.regressions);
    if (saved.failure) return { saved, result: fromCorpus(loaded, saved) };
    return { saved, result: await search(loaded, { ...settings, onExecution: (n, caveats) => progress?.tick(n, caveats) }, how.split) };
  } finally {
    progress?.done();
  }
}

function fromCorpus(loaded: LoadedScenario, saved: SavedReplay): ExploreResult {
  return { scenario: loaded.scenario.name, verdict: 'fail', strategy: 'regression corpus', schedulesRun: saved.replayed,
    stepsRun: saved.failure!.steps, pruned: 0, complete: false, failure: saved.failure! };
}

async function checkOne(loaded: LoadedScenario, settings: CheckSettings,
  how: CheckHow, out: Output): Promise<{ ok: boolean; problem: boolean }> {
  const { scenario } = loaded;
  const rerun: Rerun = { cli: how.cli, target: loaded.target };
  const started = performance.now();
  const { saved, result } = await checkScenario(loaded, settings, how);
  const ms = performance.now() - started;
  const problem = saved.problem !== undefined;
  const ok = asExpected(scenario, result);
  if (problem) out.stderr(`warning: ${scenario.name} was not checked against its saved schedules: ${saved.problem}`);
  const savedNote = how.save && !problem ? saveResult(scenario, result, how.regressions) : '';
  if (how.report !== undefined) writeReport(how.report, scenario.name, result.failure, rerun, out);
  if (how.json) {
    out.stdout(JSON.stringify({
      scenario: scenario.name, expect: expectation(scenario), verdict: result.verdict, asExpected: ok,
      strategy: result.strategy, schedulesRun: result.schedulesRun, stepsRun: result.stepsRun, pruned: result.pruned,
      complete: result.complete, coverage: result.coverage ?? null,
      elapsedMs: Math.round(ms), failureIndex: result.failureIndex ?? null,
      shard: how.split.shard ? `${how.split.shard.index + 1}/${how.split.shard.count}` : null,
      // What 'merge' needs to order shards' failures and number them as the unsplit search does.
      ...(how.split.shard ? { failureOrder: result.failureOrder ?? null, countedOrders: result.countedOrders ?? [] } : {}),
      // A DPOR shard that handed the search back whole: its line is the whole search's (merge takes it alone).
      ...(result.whole ? { whole: true } : {}),
      failure: result.failure ? failureJson(result.failure, rerun) : null,
      warnings: warningsJson(result, rerun),
      regressions: saved.note || null, saved: savedNote || null, regressionsProblem: saved.problem ?? null,
    }));
    return { ok, problem };
  }
  out.stdout(summary(scenario, result, ms, out.color));
  for (const line of warningLines(result, rerun, out.color)) out.stdout(line);
  if (saved.note) out.stdout(`  ${saved.note}`);
  if (problem) out.stdout(`  regressions: NOT checked against its saved schedules — ${saved.problem}`);
  if (savedNote) out.stdout(`  ${savedNote}`);
  if (result.failure && (how.single || !ok)) {
    out.stdout('');
    out.stdout(formatFailure(scenario.name, result.failure, { color: out.color, full: how.full, ...(result.failureIndex !== undefined ? { schedule: result.failureIndex } : {}), rerun }));
    out.stdout('');
  } else if (!ok && result.coverage !== undefined) {
    // An exhaustive search says itself what it covered: a proof, a bound, a cut, fixed draws.
    out.stdout(`  expected ${expectation(scenario)} but no failure was found in what this search covered (its line above says what)`);
  } else if (!ok) {
    out.stdout(`  expected ${expectation(scenario)} but no failure was found in ${plural(result.schedulesRun, 'schedule')} ` +
      `(try more --iterations or another --strategy)`);
  }
  return { ok, problem };
}
