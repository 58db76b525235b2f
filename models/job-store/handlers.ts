import { sleep, spawn, type TaskHandle } from 'heddle';
import type { Job, JobStore } from './types.ts';

/**
 * The web app's handlers, written once against heddle's primitives: the same code runs in the
 * HTTP server and under the checker. A background task walks a job through its states across
 * awaits, as the seed's FastAPI BackgroundTasks did.
 */
export async function startJob(store: JobStore, steps: readonly number[] = [50]): Promise<{ job: Job; background: TaskHandle<void> }> {
  const job = await store.create();
  const background = spawn(() => runJob(store, job.id, steps), `background ${job.id}`);
  return { job, background };
}

/**
 * The background work: running, progress at each step, then done with progress 100. With `stop`
 * (the service's shutdown), an abort ends a pause early and the task returns before its next
 * write, leaving the job as it is for the caller to mark; the scenarios never pass one.
 */
export async function runJob(store: JobStore, id: string, steps: readonly number[], stepMs = 10, stop?: AbortSignal): Promise<void> {
  if (!(await store.update(id, { status: 'running', message: 'started', progress: 0 }))) return;
  for (const progress of steps) {
    await (stop ? untilAborted(sleep(stepMs), stop) : sleep(stepMs));
    if (stop?.aborted || !(await store.update(id, { progress, message: `at ${progress}%` }))) return;
  }
  if (stop?.aborted) return;
  await store.update(id, { status: 'done', message: 'finished', progress: 100 });
}

/** `pause`, or sooner once `stop` is aborted. */
function untilAborted(pause: Promise<void>, stop: AbortSignal): Promise<void> {
  if (stop.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      stop.removeEventListener('abort', done);
      resolve();
    };
    stop.addEventListener('abort', done);
    void pause.then(done);
  });
}

export function jobStatus(store: JobStore, id: string): Promise<Job | undefined> {
  return store.get(id);
}
