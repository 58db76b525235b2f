import { parentPort } from 'node:worker_threads';
import { loadFile, type LoadedScenario } from '../cli/load.ts';
import { InputError } from '../cli/input.ts';
import { ModelKeyError } from '../linearizability/checker.ts';
import { explore } from '../explore.ts';
import { replay, TokenError, WrongScenarioError } from '../replay.ts';
import { toFailure } from '../explore.ts';
import { monitorExecutions } from '../run.ts';
import { replaySaved } from '../cli/regressions.ts';
import { HeartbeatWriter } from './heartbeat.ts';
import { exploreSlice, type CheckJob, type ReplayJob, type WorkerJob, type WorkerReply, type WorkerRequest, type WorkerMessage } from './protocol.ts';
import type { ExecutionObserver } from '../../scheduler/execution-types.ts';
import type { Execution } from '../../scheduler/execution.ts';
import type { ExecutionResult } from '../../scheduler/types.ts';

// A long-lived worker: it runs one job per request (a slice of a split search, a scenario's
// check, a replay), for as many requests as the pool sends, so start-up (loading tsx, heddle
// and the scenario files) is paid once per worker.
const files = new Map<string, Promise<LoadedScenario[]>>();

async function load(job: WorkerJob): Promise<LoadedScenario | string> {
  let loading = files.get(job.file);
  if (loading === undefined) files.set(job.file, (loading = loadFile(job.file)));
  let scenarios: LoadedScenario[];
  try {
    scenarios = await loading;
  } catch (e) {
    files.delete(job.file);
    return e instanceof Error ? e.message : String(e);
  }
  return scenarios.find((l) => l.scenario.name === job.scenario) ?? `no scenario '${job.scenario}' in ${job.file} (as a worker thread loads it)`;
}

async function run(job: WorkerJob, id: number): Promise<WorkerReply> {
  const loaded = await load(job);
  if (typeof loaded === 'string') return { ok: false, user: true, error: loaded };
  // The watchdog's clock starts now: booting and loading files are not an execution.
  heartbeat?.pulse();
  try {
    if (!('kind' in job)) {
      return { ok: true, result: await exploreSlice(loaded.scenario, job.options, job.index, job.count, new BigInt64Array(job.bound), job.part,
        (donated) => post({ id, donated })) };
    }
    return job.kind === 'check' ? await check(loaded, job) : await replayJob(loaded, job);
  } catch (e) {
    // A linearizability spec whose key conflates states, or the project's setup (memfs missing
    // for environment: { fs }): the user's one-line error.
    if (e instanceof ModelKeyError || e instanceof InputError) return { ok: false, user: true, error: e.message };
    throw e;
  }
}

async function check(loaded: LoadedScenario, job: CheckJob): Promise<WorkerReply> {
  const saved = await replaySaved(loaded.scenario, job.regressions);
  if (saved.failure || !job.explore) return { ok: true, check: { saved } };
  const result = await explore(loaded.scenario, { ...job.options, onExecution: (n, caveats) => heartbeat?.counted(n, caveats) });
  return { ok: true, check: { saved, result } };
}

async function replayJob(loaded: LoadedScenario, job: ReplayJob): Promise<WorkerReply> {
  try {
    const r = await replay(loaded.scenario, job.token, job.options);
    // A RecordedResult's trace is a getter, which a message would lose: send plain data.
    return { ok: true, replay: { ...r, execution: plainExecution(r.execution) } };
  } catch (e) {
    if (e instanceof WrongScenarioError) return { ok: false, user: true, token: true, madeFor: e.madeFor, error: e.message };
    if (e instanceof TokenError) return { ok: false, user: true, token: true, error: e.message };
    throw e;
  }
}

function plainExecution(r: ExecutionResult): ExecutionResult {
  return { failure: r.failure, schedule: r.schedule, trace: r.trace, tasks: r.tasks, objects: r.objects, steps: r.steps,
    preemptions: r.preemptions, races: r.races, atomicity: r.atomicity, value: undefined, pruned: r.pruned ?? false, uncontrolled: r.uncontrolled ?? [], unseen: r.unseen ?? 0 };
}

let heartbeat: HeartbeatWriter | null = null;

/** Posts the execution as it stands at its `step`-th choice: the watchdog reports it if that step never returns. */
function locator(id: number, step: number, scenario: string): (ex: Execution) => ExecutionObserver | null {
  let posted = false;
  return (ex) => {
    if (posted) return null;
    let choices = 0;
    return {
      onStep: (_task, _op, choice) => {
        if (choice && choices++ === step && !posted) {
          posted = true;
          const located = toFailure(scenario, ex.snapshot({ kind: 'livelock', message: '', task: _task }), 'replay', undefined);
          post({ id, located });
        }
        return null;
      },
      onSpawn: () => {},
    };
  };
}

function post(response: WorkerMessage): void {
  try {
    parentPort!.postMessage(response);
  } catch {
    // A thrown value that cannot be copied (a function, a class instance with private state): send its description.
    parentPort!.postMessage(JSON.parse(JSON.stringify(response, (key, value: unknown) => (key === 'error' && typeof value === 'object' && value !== null
      ? { name: (value as Error).name, message: String((value as Error).message) } : typeof value === 'bigint' || typeof value === 'function' ? String(value) : value))));
  }
}

parentPort!.on('message', ({ id, task, heartbeat: buffer, locateStep }: WorkerRequest) => {
  if (buffer !== undefined) {
    const writer = (heartbeat = new HeartbeatWriter(buffer));
    const observe = locateStep === undefined ? () => null : locator(id, locateStep, task.scenario);
    monitorExecutions({
      executionStarted: () => writer.executionStarted(),
      executionEnded: () => writer.executionEnded(),
      recording: (strategy) => writer.recording(strategy),
      observe,
    });
  }
  const done = () => {
    monitorExecutions(null);
    heartbeat = null;
  };
  run(task, id).then(
    (reply) => { done(); post({ id, reply }); },
    (e: unknown) => { done(); post({ id, reply: { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } }); },
  );
});

// Booted (tsx, heddle): the pool hands this worker parts of a split search from now on.
post({ ready: true });
