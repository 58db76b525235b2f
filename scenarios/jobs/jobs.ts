import assert from 'node:assert/strict';
import { sleep, spawn } from 'heddle';
import { BuggyJobStore } from '../../models/job-store/buggy.ts';
import { SafeJobStore } from '../../models/job-store/fixed.ts';
import { jobStatus, runJob, startJob } from '../../models/job-store/handlers.ts';
import { consistent, EXPIRY_MS, StoreFullError, type JobStore } from '../../models/job-store/types.ts';
import { pair } from '../support/pair.ts';

const models = (maxJobs = 100) => ({ buggy: (): JobStore => new BuggyJobStore(maxJobs), fixed: (): JobStore => new SafeJobStore(maxJobs) });

/** The status endpoint polled while the background task runs: every answer is a consistent job. */
export const tornStatus = pair('jobs/torn-status', models(), async (store) => {
  const { job, background } = await startJob(store, [50]);
  const poller = spawn(async () => {
    for (let i = 0; i < 2; i++) {
      const seen = await jobStatus(store, job.id);
      if (seen) assert.ok(consistent(seen), `status returned a torn job: ${seen.status} at ${seen.progress}%`);
      await sleep(10);
    }
  }, 'status-poller');
  await poller.join();
  await background.join();
}, 'assertion', { description: 'status sees a job half-way through a field-by-field update' });

/** A client deletes a job while its background task still updates it: it stays deleted. */
export const updateAfterDelete = pair('jobs/update-after-delete', models(), async (store) => {
  const { job, background } = await startJob(store, []);
  const client = spawn(() => store.delete(job.id), 'delete-request');
  await client.join();
  await background.join();
  assert.equal(await store.get(job.id), undefined, 'the deleted job came back: its background task recreated it');
}, 'assertion', { description: 'an update after delete resurrects the job' });

/** Cleanup of expired jobs while a new job is created: only the expired one goes. */
export const cleanupRace = pair('jobs/cleanup-race', models(), async (store) => {
  const old = await store.create();
  await sleep(EXPIRY_MS + 1); // a day passes: free in virtual time
  const cleaner = spawn(() => store.cleanup(), 'cleanup');
  const creator = spawn(() => store.create(), 'create-request');
  await cleaner.join();
  const created = await creator.join();
  assert.equal(await store.get(old.id), undefined, 'the expired job must be gone');
  assert.ok(await store.get(created.id), 'a job created during cleanup was lost');
}, 'assertion', { description: 'cleanup rewrites the map and drops a job created meanwhile' });

/**
 * A job whose background step outlives the 24-hour expiry, and the cleanup that expires it at the
 * same virtual moment: once cleanup has removed it, the job stays gone — its background task's
 * next update must not bring it back (as a fresh, half-filled record).
 */
export const cleanupRunning = pair('jobs/cleanup-running', models(), async (store) => {
  const job = await store.create();
  const background = spawn(() => runJob(store, job.id, [50], EXPIRY_MS + 1), 'background job-1');
  const cleaner = spawn(async () => {
    await sleep(EXPIRY_MS + 1); // wakes with the background task's step: a day later, free
    return store.cleanup();
  }, 'cleanup');
  const removed = await cleaner.join();
  await background.join();
  assert.equal(removed, 1, 'the expired job must be cleaned up');
  assert.equal(await store.get(job.id), undefined, 'a job removed by cleanup came back: its background task recreated it');
}, 'assertion', { description: 'cleanup removes an expired job while its background task still updates it' });

/** Two creates at the limit: never more jobs than the limit. */
export const capExceeded = pair('jobs/cap-exceeded', models(2), async (store) => {
  await store.create();
  const tryCreate = async () => {
    try {
      await store.create();
    } catch (e) {
      if (!(e instanceof StoreFullError)) throw e;
    }
  };
  const a = spawn(tryCreate, 'create-a');
  const b = spawn(tryCreate, 'create-b');
  await a.join();
  await b.join();
  const count = (await store.list()).length;
  assert.ok(count <= 2, `${count} jobs in a store limited to 2`);
}, 'assertion', { description: 'the limit is checked, then the job inserted a step later' });
