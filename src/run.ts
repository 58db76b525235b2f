import { Execution } from '../scheduler/execution.ts';
import { withFailure } from '../scheduler/record.ts';
import { describeRace, RaceDetector } from '../scheduler/detectors/race.ts';
import { ENVIRONMENT } from '../scheduler/detectors/stall.ts';
import { AtomicityDetector, describeAtomicity } from '../scheduler/detectors/atomicity.ts';
import type { Strategy } from '../scheduler/strategy.ts';
import type { ExecutionObserver } from '../scheduler/execution-types.ts';
import type { ExecutionResult } from '../scheduler/types.ts';
import type { Scenario } from './scenario.ts';
import { installEnvironment, type Environment } from './environment/index.ts';
import { asyncTaskContext, attributeTasks } from './environment/context.ts';
import { enterOutsideScopes } from './instrument/tracking.ts';
import { ModelKeyError } from './linearizability/checker.ts';

export const DEFAULT_MAX_STEPS = 10_000;

// Every step runs in microtasks, so once the microtask queue has drained a live execution is
// waiting on something heddle does not control. One setImmediate watches whichever execution is
// current when it fires: executions that finish in microtasks run back to back, with no
// macrotask and no allocation between them.
let watched: Execution | null = null;
let armed = false;
// Captured at load: scenarios may replace the global timers with virtual ones.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** How long a controlled call may take in real time before the execution is abandoned. */
export const EXTERNAL_LIMIT_MS = 30_000;

function watch(ex: Execution): void {
  watched = ex;
  if (armed) return;
  armed = true;
  realSetImmediate(() => {
    armed = false;
    const stalled = watched;
    if (stalled === null || stalled.finished) return;
    if (stalled.waitingOnExternal) return waitForExternal(stalled);
    if (stalled.waitingOnUnknown && ioPending()) return waitForUnknown(stalled);
    stalled.checkStalled();
    // A suspended task (environment scenarios) lets the execution go on: keep watching it.
    if (!stalled.finished) watch(stalled);
  });
}

/** A controlled call is doing real work: wait for it (bounded), then watch again. */
function waitForExternal(ex: Execution): void {
  const limit = realSetTimeout(() => ex.fail({ kind: 'nondeterminism',
    message: `a controlled call did not settle within ${EXTERNAL_LIMIT_MS / 1000} s of real time` }), EXTERNAL_LIMIT_MS);
  void ex.externalSettled().then(() => {
    realClearTimeout(limit);
    if (!ex.finished) watch(ex);
  });
}

/**
 * Whether real I/O is under way in this process (a file, a socket, a DNS lookup): an awaited
 * promise heddle does not control may then still settle by itself.
 */
function ioPending(): boolean {
  return process.getActiveResourcesInfo().some((r) => /Req|Connect|Write|Shutdown/.test(r) && r !== 'CloseReq');
}

/** Uncontrolled real I/O is under way: wait for it (bounded), then watch again. */
function waitForUnknown(ex: Execution): void {
  const limit = realSetTimeout(() => ex.fail({ kind: 'nondeterminism',
    message: `an awaited promise heddle does not control did not settle within ${EXTERNAL_LIMIT_MS / 1000} s of real time` }), EXTERNAL_LIMIT_MS);
  void ex.strands.promises.unknownSettled().then(() => {
    realClearTimeout(limit);
    if (!ex.finished) watch(ex);
  });
}

/**
 * What races and lost updates do to a verdict (scenario option `races`, flag `--races`):
 * - 'warn' (the default): a lost update (atomicity.ts) fails as `atomicity`; two accesses to a
 *   Shared cell unordered by synchronisation are a warning listed with the result — JavaScript
 *   has no memory-level data race, each access is atomic;
 * - 'strict': an unordered pair fails as `data-race` too;
 * - 'off': neither is looked for.
 */
export type RacePolicy = 'strict' | 'warn' | 'off';

export const RACE_POLICIES: readonly RacePolicy[] = ['strict', 'warn', 'off'];

/** The policy a search uses: the one asked for (`--races`), else the scenario's own. */
export function racePolicy(s: Scenario, asked?: RacePolicy): RacePolicy {
  if (asked !== undefined) return asked;
  const own = s.options.races;
  return own === false ? 'off' : own === 'strict' ? 'strict' : 'warn';
}

/** The flags a failure found under `policy` needs to replay: none under the scenario's own policy. */
export function raceFlags(s: Scenario, policy: RacePolicy): readonly string[] | undefined {
  return policy === racePolicy(s) ? undefined : ['--races', policy];
}

/**
 * Watches this thread's executions from outside (the CLI's watchdog, src/parallel/heartbeat.ts):
 * told when each starts and ends, and sees every choice and draw as it is made.
 */
export interface ExecutionMonitor {
  executionStarted(): void;
  executionEnded(): void;
  recording(strategy: Strategy): Strategy;
  /** An observer for the execution (one that reports where it got to), or null. */
  observe(ex: Execution): ExecutionObserver | null;
}

let monitor: ExecutionMonitor | null = null;

/** Installs (or with null removes) the monitor of this thread's executions. */
export function monitorExecutions(m: ExecutionMonitor | null): void {
  monitor = m;
}

/** Runs one execution of the scenario under the strategy, never hanging on a promise (a synchronous loop: see src/parallel/heartbeat.ts). */
export async function runExecution(s: Scenario, strategy: Strategy, maxSteps: number, captureLocations: boolean,
  policy: RacePolicy = racePolicy(s)): Promise<ExecutionResult> {
  const watcher = monitor;
  if (watcher === null) return runOne(s, strategy, maxSteps, captureLocations, policy, null);
  watcher.executionStarted();
  try {
    return await runOne(s, watcher.recording(strategy), maxSteps, captureLocations, policy, watcher);
  } finally {
    watcher.executionEnded();
  }
}

async function runOne(s: Scenario, strategy: Strategy, maxSteps: number, captureLocations: boolean, policy: RacePolicy,
  watcher: ExecutionMonitor | null): Promise<ExecutionResult> {
  const tracked = s.options.environment ? asyncTaskContext() : null;
  const ex = new Execution(strategy, { maxSteps, captureLocations, environmentOff: environmentOff(s.options.environment),
    ...(tracked ? { tasks: tracked.context } : {}) });
  if (tracked !== null) attributeTasks(ex, tracked.context);
  if (policy !== 'off') ex.observers.push(new RaceDetector(), new AtomicityDetector());
  const watching = watcher?.observe(ex) ?? null;
  if (watching !== null) ex.observers.push(watching);
  enterOutsideScopes(ex.memory);
  const restore = s.options.environment ? installEnvironment(s.options.environment) : null;
  let result: ExecutionResult;
  try {
    ex.start(s.body);
    watch(ex);
    result = await ex.done;
  } finally {
    restore?.();
    tracked?.close();
  }
  if (watched === ex) watched = null;
  if (result.failure !== null || s.options.verify === undefined) return result;
  let verdict;
  try {
    // A body that returned a promise (`return x.get()`) ended with it: verify sees its value.
    verdict = await s.options.verify(await result.value);
  } catch (e) {
    // A mistake in the scenario's specification is the user's to fix, not a verdict on the code.
    if (e instanceof ModelKeyError) throw e;
    verdict = { kind: 'uncaught' as const, message: `the scenario's verify hook threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
  }
  return verdict === null ? result : withFailure(result, { kind: verdict.kind, message: verdict.message });
}

/** The parts of the environment (timers, fs, events) a scenario's options leave off. */
function environmentOff(env: Environment | boolean | undefined): readonly string[] {
  if (env === true) return [];
  return ENVIRONMENT.filter((part) => env === false || env === undefined || !env[part as keyof Environment]);
}

export function maxStepsOf(s: Scenario, options: { maxSteps?: number }): number {
  return options.maxSteps ?? s.options.maxSteps ?? DEFAULT_MAX_STEPS;
}


/**
 * An execution that passed but showed a lost update fails with `atomicity`; under 'strict', one
 * that raced fails with `data-race` (a lost update first: it says more).
 */
export function withDeferredFailure(r: ExecutionResult, policy: RacePolicy): ExecutionResult {
  if (r.failure !== null || policy === 'off') return r;
  if (r.atomicity.length > 0) return withFailure(r, { kind: 'atomicity', message: describeAtomicity(r.atomicity[0]!, r) });
  if (policy === 'strict' && r.races.length > 0) return withFailure(r, { kind: 'data-race', message: describeRace(r.races[0]!, r) });
  return r;
}
