import { encodeToken, traceHash } from '../../scheduler/codec.ts';
import type { ExploreOptions, ExploreResult } from '../explore.ts';
import type { Failure } from '../failure.ts';
import { maxStepsOf } from '../run.ts';
import { WrongScenarioError, type ReplayOptions, type ReplayResult } from '../replay.ts';
import type { Watching, WorkerPool } from '../parallel/pool.ts';
import { exploreInWorkers } from '../parallel/split.ts';
import { SliceError, type CheckOutcome, type Stall, type WorkerReply } from '../parallel/protocol.ts';
import { InputError } from './input.ts';
import type { LoadedScenario } from './load.ts';

/**
 * The CLI's watchdog: every execution runs in a worker thread whose heartbeat this thread
 * watches (src/parallel/heartbeat.ts), so an execution that never returns to the scheduler (an
 * endless synchronous loop) is stopped after the time limit and reported as a livelock naming
 * the task, where it was resumed and the schedule so far — whose replay is stopped the same way.
 */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The limit for one scenario: --timeout, else the scenario's own `timeoutMs`, else 10 s. */
export function timeoutOf(loaded: LoadedScenario, flagMs: number | undefined): number {
  return flagMs ?? loaded.scenario.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

type Plain = Omit<ExploreOptions, 'onExecution' | 'strategyInstance' | 'stopAfter' | 'onFailureFound'>;

function refused(reply: Extract<WorkerReply, { ok: false }>, scenario: string): Error {
  if (reply.madeFor !== undefined) return new WrongScenarioError(reply.madeFor, scenario);
  return reply.user ? new InputError(reply.error) : new Error(reply.error);
}

/** Checks one scenario in a worker: its saved regressions, then its search (`workers` > 1: split over that many). */
export async function checkWatched(loaded: LoadedScenario, options: Plain, regressions: string, pool: WorkerPool, timeoutMs: number,
  workers: number, onProgress?: (n: number, caveats: number) => void): Promise<CheckOutcome> {
  const watching: Watching = { timeoutMs, maxSteps: maxStepsOf(loaded.scenario, options), ...(onProgress ? { onProgress } : {}) };
  const job = { kind: 'check', file: loaded.file, scenario: loaded.scenario.name, options, regressions, explore: workers === 1 } as const;
  const reply = await pool.send(0, job, watching);
  if (!reply.ok) {
    if (reply.stalled) return { saved: { replayed: 0, note: '' }, result: await stalledResult(loaded, reply.stalled, options, pool, timeoutMs) };
    throw refused(reply, loaded.scenario.name);
  }
  const outcome = (reply as { check: CheckOutcome }).check;
  if (workers === 1 || outcome.saved.failure) return outcome;
  try {
    return { saved: outcome.saved, result: await exploreInWorkers({ file: loaded.file, scenario: loaded.scenario.name, options, count: workers },
      undefined, pool, { timeoutMs, maxSteps: watching.maxSteps }) };
  } catch (e) {
    if (e instanceof SliceError && e.stalled) return { saved: outcome.saved, result: await stalledResult(loaded, e.stalled, options, pool, timeoutMs) };
    if (e instanceof SliceError && e.user) throw new InputError(e.message);
    throw e;
  }
}

async function stalledResult(loaded: LoadedScenario, stall: Stall, options: Plain, pool: WorkerPool, timeoutMs: number): Promise<ExploreResult> {
  const failure = await stallFailure(loaded, stall, options, pool, timeoutMs, options.strategy ?? 'random');
  return { scenario: loaded.scenario.name, verdict: 'fail', strategy: options.strategy ?? 'random', schedulesRun: stall.schedulesRun + 1,
    stepsRun: failure.steps, pruned: 0, complete: false, failure };
}

/** Replays one token or seed in a worker, under the watchdog. */
export async function replayWatched(loaded: LoadedScenario, tokenOrSeed: string, options: ReplayOptions, pool: WorkerPool, timeoutMs: number,
  locateStep: number | undefined): Promise<ReplayResult | { stalled: Failure }> {
  const maxSteps = maxStepsOf(loaded.scenario, options);
  const reply = await pool.send(0, { kind: 'replay', file: loaded.file, scenario: loaded.scenario.name, token: tokenOrSeed, options },
    { timeoutMs, maxSteps, ...(locateStep !== undefined ? { locateStep } : {}) });
  if (!reply.ok) {
    if (reply.stalled) return { stalled: await stallFailure(loaded, reply.stalled, options, pool, timeoutMs, 'replay') };
    throw refused(reply, loaded.scenario.name);
  }
  return (reply as { replay: ReplayResult }).replay;
}

/**
 * The failure of a stopped worker: the execution up to its last choice, located by replaying
 * that prefix in a fresh worker which is stopped as soon as it reaches the choice (unless the
 * stopped run was a replay that posted it already).
 */
async function stallFailure(loaded: LoadedScenario, stall: Stall, options: { maxSteps?: number }, pool: WorkerPool, timeoutMs: number,
  strategy: string): Promise<Failure> {
  const name = loaded.scenario.name;
  const seconds = `${timeoutMs / 1000} s`;
  if (!stall.inExecution) {
    throw new Error(`a worker did not answer within ${seconds} while no execution ran (loading '${loaded.file}' or between executions)`);
  }
  const schedule = stall.schedule;
  let located = stall.located;
  if (located === undefined && schedule !== null && schedule.choices.length > 0) {
    const prefix = encodeToken(name, schedule, 0);
    const again = await pool.send(0, { kind: 'replay', file: loaded.file, scenario: name, token: prefix, options: { maxSteps: maxStepsOf(loaded.scenario, options) } },
      { timeoutMs, maxSteps: maxStepsOf(loaded.scenario, options), locateStep: schedule.choices.length - 1, stopWhenLocated: true });
    if (!again.ok && again.stalled?.located) located = again.stalled.located;
  }
  const steps = schedule?.choices.length ?? located?.steps ?? 0;
  const task = located?.task ?? schedule?.choices[steps - 1];
  const taskName = task === undefined ? undefined : located?.tasks.find((t) => t.id === task)?.name;
  const last = located && task !== undefined ? [...located.trace].reverse().find((s) => s.task === task && s.location !== undefined) : undefined;
  const who = task === undefined ? 'the execution' : `task ${task}${taskName ? ` '${taskName}'` : ''}`;
  const where = last?.location ? ` after resuming at ${last.location}` : '';
  const env = loaded.scenario.options.environment;
  const clock = env === true || (typeof env === 'object' && (env.clock ?? env.timers) === true);
  const message = `${who} ran for more than ${seconds} without reaching a scheduling point${where}, at step ${steps} — an endless synchronous ` +
    `loop (or a very long computation): stopped by the watchdog (the per-execution limit, --timeout)` +
    (clock ? '. The virtual clock does not move inside synchronous code: a loop that waits for Date.now() or performance.now() to pass a time never ends (await a timer instead)' : '');
  const token = schedule === null ? '' : encodeToken(name, schedule, located ? traceHash(located.trace) : 0);
  const base: Failure = located ?? { kind: 'livelock', message, strategy, token, trace: [], tasks: [], objects: [], steps, preemptions: 0 };
  return { ...base, kind: 'livelock', message: schedule === null ? `${message} (the schedule so far was too long to keep: no token)` : message,
    strategy, token, ...(task !== undefined ? { task } : {}) };
}


