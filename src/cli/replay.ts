import { replay, TokenError, WrongScenarioError, type ReplayResult } from '../replay.ts';
import { decodeToken, scenarioHash } from '../../scheduler/codec.ts';
import type { ExecutionResult } from '../../scheduler/types.ts';
import { WorkerPool } from '../parallel/pool.ts';
import { replayWatched, timeoutOf } from './watched.ts';
import { isStrategyName, STRATEGY_NAMES } from '../strategies.ts';
import { formatFailure, formatTrace } from '../report/text.ts';
import { failureJson } from '../report/json.ts';
import { EXIT_DIVERGED, EXIT_FAILURE, EXIT_OK, InputError, parse, racesFlag, wholeNumber } from './input.ts';
import { instrumentModules } from './instrument.ts';
import { loadAll, resolveTarget, type LoadedScenario } from './load.ts';
import { writeReport } from './html-report.ts';
import type { Output } from './output.ts';
import type { Cli, Rerun } from '../report/command.ts';
import { plural } from '../report/plural.ts';

/** `replay --help`, with the prefix the CLI was invoked by. */
export const replayUsage = (cli: Cli): string => `usage: ${cli} replay <scenario | file.ts#name> <token | seed> [flags]
  --strategy NAME     with a seed: the strategy that found it (random | pct | pos; default random)
  --max-steps N       scheduling points before livelock (default 10000)
  --races MODE        warn (default) | strict | off, as for check: give the one the failure's replay line names
  --timeout S         seconds the execution may run before the watchdog stops it and reports
                      a livelock (an endless synchronous loop; default 10; 0: no watchdog)
  --full-trace        print every step
  --report FILE       write the failure as a self-contained HTML swimlane diagram
  --json              the result as one JSON object
  --instrument NAME   also instrument package NAME's awaits (repeatable; your own code always is)
  --help              this text`;

const FLAGS = {
  strategy: { type: 'string' },
  'max-steps': { type: 'string' },
  races: { type: 'string' },
  timeout: { type: 'string' },
  'full-trace': { type: 'boolean' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  instrument: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A stopped replay has a failure to show; nothing reads its execution. */
const stalledExecution: ExecutionResult = { failure: null, schedule: { choices: [], randoms: [] }, trace: [], tasks: [], objects: [],
  steps: 0, preemptions: 0, races: [], atomicity: [], value: undefined };

export async function runReplay(args: readonly string[], out: Output, cli: Cli): Promise<number> {
  const { values, positionals } = parse(args, FLAGS, 2);
  if (values.help) {
    out.stdout(replayUsage(cli));
    return EXIT_OK;
  }
  if (positionals.length < 2) throw new InputError('replay needs a scenario and a token or seed (see --help)');
  const strategy = values.strategy ?? 'random';
  if (!isStrategyName(strategy)) throw new InputError(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got '${strategy}'`);
  const maxSteps = wholeNumber('max-steps', values['max-steps'], 1);
  const races = racesFlag(values.races);
  const timeoutSeconds = wholeNumber('timeout', values.timeout, 0, 86_400);
  instrumentModules(values.instrument);
  const targets = await resolveTarget(positionals[0]);
  if (targets.length !== 1) throw new InputError(`'${positionals[0]}' names ${plural(targets.length, 'scenario')}: replay needs exactly one`);
  const { scenario, target } = targets[0]!;
  const rerun: Rerun = { cli, target };
  let result: ReplayResult;
  const options = { strategy, ...(maxSteps !== undefined ? { maxSteps } : {}), ...(races !== undefined ? { races } : {}) };
  try {
    if (timeoutSeconds === 0) {
      result = await replay(scenario, positionals[1]!, options);
    } else {
      // Under the watchdog, in a worker: a schedule that reaches an endless synchronous loop is stopped.
      const token = positionals[1]!.trim();
      let locateStep: number | undefined;
      if (token.includes(':') || /^heddle/i.test(token)) {
        const decoded = decodeToken(token);
        if (decoded.scenarioHash !== scenarioHash(scenario.name)) throw new WrongScenarioError(decoded.scenarioHash, scenario.name);
        locateStep = decoded.schedule.choices.length - 1;
      }
      const pool = new WorkerPool();
      try {
        const r = await replayWatched(targets[0]!, token, options, pool, timeoutOf(targets[0]!, timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000), locateStep);
        result = 'stalled' in r ? { scenario: scenario.name, verdict: 'fail', failure: r.stalled, execution: stalledExecution, warnings: [] } : r;
      } finally {
        await pool.close();
      }
    }
  } catch (e) {
    if (e instanceof WrongScenarioError) throw new InputError(await wrongScenario(e, scenario.name, positionals[0]!));
    if (e instanceof TokenError) throw new InputError(e.message);
    throw e;
  }
  const expected = scenario.options.expect ?? 'pass';
  if (result.divergence !== undefined) {
    // Not a verdict on the scenario: say where the schedule stopped fitting, in one line.
    if (values.json) {
      out.stdout(JSON.stringify({ scenario: scenario.name, expect: expected, verdict: result.verdict, asExpected: false,
        divergence: result.divergence, warnings: result.warnings, failure: null }));
    } else {
      out.stderr(`heddle replay: ${result.divergence}`);
    }
    return EXIT_DIVERGED;
  }
  if (values.report !== undefined) writeReport(values.report, scenario.name, result.failure, rerun, out);
  const ok = (result.failure?.kind ?? 'pass') === expected;
  if (values.json) {
    out.stdout(JSON.stringify({ scenario: scenario.name, expect: expected, verdict: result.verdict, asExpected: ok,
      warnings: result.warnings, failure: result.failure ? failureJson(result.failure, rerun) : null }));
    return ok ? EXIT_OK : EXIT_FAILURE;
  }
  for (const w of result.warnings) out.stderr(`warning: ${w}`);
  if (result.failure) {
    out.stdout(formatFailure(scenario.name, result.failure, { color: out.color, full: values['full-trace'] ?? false, rerun }));
  } else {
    out.stdout(`pass: ${scenario.name} ran ${plural(result.execution.steps, 'step')} without failing under this schedule\n`);
    out.stdout(formatTrace(result.execution.trace, result.execution, { color: out.color, full: values['full-trace'] ?? false }));
  }
  out.stdout(`\nexpected ${expected}: ${ok ? 'as declared' : 'NOT as declared'}`);
  return ok ? EXIT_OK : EXIT_FAILURE;
}

/** Names the scenario a token was made for, when one of those the user could mean has its hash. */
async function wrongScenario(e: WrongScenarioError, name: string, target: string): Promise<string> {
  const hash = target.indexOf('#');
  const file = hash >= 0 ? target.slice(0, hash) : target;
  let candidates: LoadedScenario[] = [];
  try {
    candidates = /\.(ts|js|mts)$/.test(file) ? await resolveTarget(file) : await loadAll();
  } catch {
    // Only a better message was at stake.
  }
  const owner = candidates.find((l) => scenarioHash(l.scenario.name) === e.madeFor)?.scenario.name;
  return owner === undefined ? e.message : `this token was made for scenario '${owner}', not '${name}'`;
}
