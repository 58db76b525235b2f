import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeJobStore } from '../../models/job-store/fixed.ts';
import { INTERRUPTED_AT_SHUTDOWN, jobService } from '../../models/job-store/http.ts';
import type { Job } from '../../models/job-store/types.ts';

/** A store that can evict on demand and, like the real stores, tells eviction from absence. */
class EvictingStore extends SafeJobStore {
  private readonly evicted = new Set<string>();
  async evict(id: string): Promise<void> {
    await super.delete(id);
    this.evicted.add(id);
  }
  async lookup(id: string): Promise<Job | 'evicted' | undefined> {
    return (await this.get(id)) ?? (this.evicted.has(id) ? 'evicted' : undefined);
  }
}

const listen = async (service: ReturnType<typeof jobService>) => {
  await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
  return (service.server.address() as AddressInfo).port;
};

/** Sends bytes as they are and returns everything the server wrote until it closed. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

describe('job service: HTTP edges', () => {
  const store = new EvictingStore(10);
  const service = jobService(store, { steps: [50], stepMs: 1 });
  let port = 0;
  beforeAll(async () => {
    port = await listen(service);
  });
  afterAll(() => service.shutdown(1000));
  const call = (method: string, path: string, body?: string) => fetch(`http://127.0.0.1:${port}${path}`, { method, ...(body ? { body } : {}) });

  for (const target of ['http://[::1/jobs', 'http://a:99999/jobs', 'http://[zz]/jobs', 'jobs', '*', 'http:', 'http://a:-1/jobs/1']) {
    it(`answers 400 (not 500) to the request target ${target}`, async () => {
      const response = await raw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(statusOf(response)).toBe(400);
    });
  }

  it('answers 400 to request lines node cannot parse, and keeps serving', async () => {
    for (const line of ['HELLO\r\n\r\n', 'GET /jobs\x01 HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /jobs HTTP/9\r\n\r\n', '\x16\x03\x01\x00\xa5\x01\x00\x00']) {
      expect(statusOf(await raw(port, line))).toBe(400);
    }
    expect((await call('GET', '/jobs')).status).toBe(200);
  });

  it('serves an absolute-form target like its path', async () => {
    const response = await raw(port, `GET http://127.0.0.1:${port}/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(200);
  });

  it('answers HEAD where it answers GET: same status and headers, no body', async () => {
    const created = (await (await call('POST', '/jobs', '{}')).json()) as { id: string };
    for (const path of ['/jobs', `/jobs/${created.id}`, '/jobs/never', '/other']) {
      const get = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const head = await raw(port, `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const [getHeaders] = get.split('\r\n\r\n');
      const [headHeaders, headBody] = head.split('\r\n\r\n');
      const fields = (h: string) => h.split('\r\n').filter((l) => !/^date:/i.test(l) && !/^content-length:/i.test(l));
      expect(fields(headHeaders!)).toEqual(fields(getHeaders!));
      expect(headBody).toBe('');
      if (path === '/jobs/never') expect(statusOf(head)).toBe(404);
      if (path.startsWith('/jobs/job')) expect(statusOf(head)).toBe(200);
    }
  });

  it('lists HEAD in Allow with 405', async () => {
    const put = await call('PUT', '/jobs/x');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, DELETE');
    const patch = await call('PATCH', '/jobs');
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('answers 410 Gone for an evicted job, 404 for one that never existed or that its client deleted', async () => {
    const a = ((await (await call('POST', '/jobs', '{}')).json()) as { id: string }).id;
    const b = ((await (await call('POST', '/jobs', '{}')).json()) as { id: string }).id;
    await store.evict(a);
    expect((await call('GET', `/jobs/${a}`)).status).toBe(410);
    expect((await call('HEAD', `/jobs/${a}`)).status).toBe(410);
    expect((await call('DELETE', `/jobs/${a}`)).status).toBe(410);
    expect((await call('DELETE', `/jobs/${b}`)).status).toBe(204);
    expect((await call('GET', `/jobs/${b}`)).status).toBe(404);
    expect((await call('GET', '/jobs/never')).status).toBe(404);
  });
});

describe('job service: background jobs', () => {
  it('ends a job whose store update throws as failed, not running for ever', async () => {
    class FlakyStore extends SafeJobStore {
      override async update(id: string, patch: Parameters<SafeJobStore['update']>[1]): Promise<boolean> {
        if (patch.progress === 50) throw new Error('connection reset');
        return super.update(id, patch);
      }
    }
    const store = new FlakyStore(10);
    const service = jobService(store, { steps: [50], stepMs: 1 });
    const port = await listen(service);
    const { id } = (await (await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: '{}' })).json()) as { id: string };
    for (let i = 0; i < 100 && service.running() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(service.running()).toBe(0);
    expect(await store.get(id)).toMatchObject({ status: 'failed', message: 'failed: connection reset' });
    await service.shutdown(100);
  });
});

describe('job service: shutdown', () => {
  it('lets jobs that finish within the grace period finish, then stops accepting connections', async () => {
    const store = new SafeJobStore(10);
    const service = jobService(store, { steps: [50], stepMs: 50 });
    const port = await listen(service);
    const ids = await Promise.all([1, 2, 3].map(async () => ((await (await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: '{}' })).json()) as { id: string }).id));
    expect(service.running()).toBe(3);
    const report = await service.shutdown(5000);
    expect(report).toEqual({ running: 3, interrupted: 0, unmarked: 0 });
    for (const id of ids) expect((await store.get(id))?.status).toBe('done');
    await expect(fetch(`http://127.0.0.1:${port}/jobs`)).rejects.toThrow();
  });

  it('marks jobs still running when the grace period ends failed as interrupted, and they stay so', async () => {
    const store = new SafeJobStore(10);
    const service = jobService(store, { steps: [25, 50, 75], stepMs: 300 });
    const port = await listen(service);
    const ids = await Promise.all([1, 2, 3].map(async () => ((await (await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: '{}' })).json()) as { id: string }).id));
    const t0 = Date.now();
    const report = await service.shutdown(50);
    expect(Date.now() - t0).toBeLessThan(300); // the stopped jobs' pauses ended early
    expect(report).toEqual({ running: 3, interrupted: 3, unmarked: 0 });
    await new Promise((r) => setTimeout(r, 400)); // past the pause a stopped job was in: no late write of its own
    for (const id of ids) {
      const job = await store.get(id);
      expect(job?.status).toBe('failed');
      expect(job?.message).toBe(INTERRUPTED_AT_SHUTDOWN);
    }
  });

  it('marks a job whose create was still in flight when the shutdown began, not leaving it running', async () => {
    class SlowCreateStore extends SafeJobStore {
      override async create() {
        await new Promise((r) => setTimeout(r, 200));
        return super.create();
      }
    }
    const store = new SlowCreateStore(10);
    const service = jobService(store, { steps: [50], stepMs: 5000 });
    const port = await listen(service);
    const created = fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: '{}' });
    await new Promise((r) => setTimeout(r, 50)); // the create is under way
    const report = await service.shutdown(0);
    expect((await created).status).toBe(202);
    expect(report).toEqual({ running: 1, interrupted: 1, unmarked: 0 });
    const [job] = await store.list();
    expect(job).toMatchObject({ status: 'failed', message: INTERRUPTED_AT_SHUTDOWN });
  });

  it('refuses new jobs with 503 on a connection still open during the grace period', async () => {
    const store = new SafeJobStore(10);
    const service = jobService(store, { steps: [50], stepMs: 300 });
    const port = await listen(service);
    await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: '{}' });
    // One connection, busy with a request whose body has not arrived when the shutdown begins.
    const response = new Promise<string>((resolve, reject) => {
      let out = '';
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n');
        setTimeout(() => socket.write('{}'), 50);
      });
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (out += d));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 20));
    const stopping = service.shutdown(1000);
    expect(statusOf(await response)).toBe(503);
    expect((await stopping).interrupted).toBe(0);
    expect((await store.list()).length).toBe(1);
  });
});
