import assert from 'node:assert/strict';
import { spawn } from 'heddle';
import { RedisModel } from '../../models/job-store/redis-model.ts';
import { GetSetexJobStore, HashJobStore } from '../../models/job-store/redis.ts';
import type { JobStore } from '../../models/job-store/types.ts';
import { pair } from '../support/pair.ts';
import { idsFor } from './harness.ts';

const models = { buggy: (): JobStore => new GetSetexJobStore(new RedisModel()), fixed: (): JobStore => new HashJobStore(new RedisModel(), 100, { newId: idsFor('p') }) };

/**
 * Two server processes update different fields of one job in Redis (one command per step): the
 * background worker reports progress while the API records a cancel request. Both must land.
 */
export const lostField = pair('redis/lost-field', models, async (store) => {
  const job = await store.create();
  const worker = spawn(() => store.update(job.id, { progress: 50 }), 'worker-process');
  const api = spawn(() => store.update(job.id, { message: 'cancel requested' }), 'api-process');
  await worker.join();
  await api.join();
  const after = await store.get(job.id);
  assert.equal(after?.progress, 50, 'the progress update was lost');
  assert.equal(after?.message, 'cancel requested', 'the message update was lost');
}, 'assertion', { description: "the seed's GET/modify/SETEX across processes loses a field; HSET does not" });

/** An update racing a delete must not bring the job back. */
export const updateAfterDelete = pair('redis/update-after-delete', models, async (store) => {
  const job = await store.create();
  const worker = spawn(() => store.update(job.id, { progress: 50 }), 'worker-process');
  const api = spawn(() => store.delete(job.id), 'api-process');
  await worker.join();
  await api.join();
  assert.equal(await store.get(job.id), undefined, 'the deleted job came back');
}, 'assertion', { description: 'GET then SETEX writes a deleted job back' });
