import { parentPort, workerData } from 'node:worker_threads';
import { explore } from '../explore.ts';
import { loadFile } from '../cli/load.ts';
import { lowerBound, type WorkerReply, type WorkerTask } from './protocol.ts';

const task = workerData as WorkerTask;
const bound = new Int32Array(task.bound);

async function run(): Promise<WorkerReply> {
  const loaded = (await loadFile(task.file)).find((l) => l.scenario.name === task.scenario);
  if (!loaded) return { ok: false, error: `worker: no scenario '${task.scenario}' in ${task.file}` };
  const result = await explore(loaded.scenario, {
    ...task.options,
    shard: { index: task.index, count: task.count },
    stopAfter: () => Atomics.load(bound, 0),
  });
  if (result.failure && result.failure.kind !== 'data-race' && result.failureIndex !== undefined) lowerBound(bound, result.failureIndex);
  return { ok: true, result };
}

run().then(
  (reply) => parentPort!.postMessage(reply),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } satisfies WorkerReply),
);
