import { parentPort } from 'node:worker_threads';
import { loadFile, type LoadedScenario } from '../cli/load.ts';
import { ModelKeyError } from '../linearizability/checker.ts';
import { exploreSlice, type WorkerReply, type WorkerRequest, type WorkerResponse, type WorkerTask } from './protocol.ts';

// A long-lived worker: it explores one slice per request, for as many requests as the pool
// sends, so start-up (loading tsx, heddle and the scenario files) is paid once per worker.
const files = new Map<string, Promise<LoadedScenario[]>>();

async function run(task: WorkerTask): Promise<WorkerReply> {
  let loading = files.get(task.file);
  if (loading === undefined) files.set(task.file, (loading = loadFile(task.file)));
  let scenarios: LoadedScenario[];
  try {
    scenarios = await loading;
  } catch (e) {
    files.delete(task.file);
    return { ok: false, user: true, error: e instanceof Error ? e.message : String(e) };
  }
  const loaded = scenarios.find((l) => l.scenario.name === task.scenario);
  if (!loaded) return { ok: false, user: true, error: `no scenario '${task.scenario}' in ${task.file} (as a worker thread loads it)` };
  try {
    return { ok: true, result: await exploreSlice(loaded.scenario, task.options, task.index, task.count, new BigInt64Array(task.bound)) };
  } catch (e) {
    if (e instanceof ModelKeyError) return { ok: false, user: true, error: e.message };
    throw e;
  }
}

parentPort!.on('message', ({ id, task }: WorkerRequest) => {
  run(task).then(
    (reply) => parentPort!.postMessage({ id, reply } satisfies WorkerResponse),
    (e: unknown) => parentPort!.postMessage({ id, reply: { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } } satisfies WorkerResponse),
  );
});
