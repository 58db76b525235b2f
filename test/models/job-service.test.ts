import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeJobStore } from '../../models/job-store/fixed.ts';
import { jobService, MAX_BODY } from '../../models/job-store/http.ts';
import { consistent, type Job } from '../../models/job-store/types.ts';

const store = new SafeJobStore(5);
const { server } = jobService(store, { steps: [50], stepMs: 5 });
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = async (method: string, path: string, body?: string) => {
  const res = await fetch(base + path, { method, ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

describe('job service over HTTP (loopback)', () => {
  it('starts a job, reports consistent snapshots until done, lists and deletes it', async () => {
    const created = await call('POST', '/jobs', '{}');
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    let job: Job;
    for (;;) {
      const got = await call('GET', `/jobs/${id}`);
      expect(got.status).toBe(200);
      job = got.body;
      expect(consistent(job)).toBe(true);
      if (job.status === 'done') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(job.progress).toBe(100);
    expect((await call('GET', '/jobs')).body.map((j: Job) => j.id)).toContain(id);
    expect((await call('DELETE', `/jobs/${id}`)).status).toBe(204);
    expect((await call('GET', `/jobs/${id}`)).status).toBe(404);
  });

  it('answers bad requests with 4xx and keeps working', async () => {
    expect((await call('GET', '/jobs/nope')).status).toBe(404);
    expect((await call('DELETE', '/jobs/nope')).status).toBe(404);
    expect((await call('POST', '/jobs', '{not json')).status).toBe(400);
    expect((await call('POST', '/jobs', '[1,2]')).status).toBe(400);
    expect((await call('POST', '/jobs', JSON.stringify({ pad: 'x'.repeat(MAX_BODY) }))).status).toBe(413);
    expect((await call('PUT', '/jobs/x')).status).toBe(405);
    expect((await call('PATCH', '/jobs')).status).toBe(405);
    expect((await call('GET', '/other')).status).toBe(404);
    const ok = await call('POST', '/jobs', '{}');
    expect(ok.status).toBe(202);
    const listed = (await call('GET', '/jobs')).body as Job[];
    expect(listed.every(consistent)).toBe(true);
  });

  it('refuses a job when the store is full of running jobs (503), never exceeding the limit', async () => {
    const statuses = await Promise.all(Array.from({ length: 12 }, () => call('POST', '/jobs', '{}').then((r) => r.status)));
    expect(statuses.every((s) => s === 202 || s === 503)).toBe(true);
    expect(((await call('GET', '/jobs')).body as Job[]).length).toBeLessThanOrEqual(5);
  });
});
