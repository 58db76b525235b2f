// The job service as real processes on loopback: killed with kill -9 while jobs run and restarted
// on the same store, and stopped with SIGTERM. SQLite in a temporary file; Redis on a private
// redis-server the test starts (skipped when none is installed).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERRUPTED_AT_CRASH, INTERRUPTED_AT_SHUTDOWN } from '../../models/job-store/http.ts';
import { haveRedisServer, startLocalRedis, type LocalRedis } from '../../models/job-store/local-redis.ts';
import { startServiceProcess, type ServiceProcess as Service } from '../../models/job-store/service-process.ts';
import type { Job } from '../../models/job-store/types.ts';

const post = async (base: string) => {
  const res = await fetch(`${base}/jobs`, { method: 'POST', body: '{}' });
  return { status: res.status, id: res.status === 202 ? ((await res.json()) as { id: string }).id : undefined };
};
const list = async (base: string) => (await (await fetch(`${base}/jobs`)).json()) as Job[];

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How each store is opened for one test, and released after. */
interface Backend {
  readonly name: string;
  readonly available: boolean;
  open(): Promise<{ args: string[]; release(): Promise<void> }>;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'heddle-service-'));
const backends: Backend[] = [
  { name: 'sqlite', available: true, open: async () => {
    const dir = tmp();
    return { args: ['--store', 'sqlite', '--db', join(dir, 'jobs.db')], release: async () => rmSync(dir, { recursive: true, force: true }) };
  } },
  { name: 'redis', available: haveRedisServer(), open: async () => {
    const redis: LocalRedis = await startLocalRedis();
    return { args: ['--store', 'redis', '--redis', redis.url], release: () => redis.stop() };
  } },
];

for (const backend of backends) {
  describe.skipIf(!backend.available)(`job service process on ${backend.name}`, () => {
    let store: Awaited<ReturnType<Backend['open']>>;
    const services: Service[] = [];
    const start = async (extra: string[]) => {
      const s = await startServiceProcess([...store.args, ...extra]);
      services.push(s);
      return s;
    };
    beforeAll(async () => {
      store = await backend.open();
    });
    afterAll(async () => {
      for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await Promise.all(services.map((s) => s.exited));
      await store?.release();
    });

    it('after kill -9 with jobs in flight, a restart marks them failed as interrupted and accepts new jobs', { timeout: 60_000 }, async () => {
      const first = await start(['--step-ms', '5000']);
      const ids = (await Promise.all(Array.from({ length: 8 }, () => post(first.base)))).map((r) => r.id!);
      expect(ids.every((id) => id !== undefined)).toBe(true);
      await until('every job runs', async () => (await list(first.base)).filter((j) => ids.includes(j.id) && j.status === 'running').length === ids.length);
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      const second = await start(['--step-ms', '5']);
      expect(second.output()).toMatch(/recovered 8 jobs left pending or running/);
      const after = await list(second.base);
      expect(after.filter((j) => j.status === 'pending' || j.status === 'running')).toEqual([]);
      for (const id of ids) {
        const job = after.find((j) => j.id === id);
        expect(job?.status).toBe('failed');
        expect(job?.message).toBe(INTERRUPTED_AT_CRASH);
      }
      const made = await post(second.base);
      expect(made.status).toBe(202);
      expect(ids).not.toContain(made.id);
      await until('the new job is done', async () => (await list(second.base)).find((j) => j.id === made.id)?.status === 'done');
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    });

    it('--skip-recovery: a process joining a running one leaves its running jobs alone; one without marks them', { timeout: 60_000 }, async () => {
      const first = await start(['--step-ms', '20000', '--grace', '100']);
      const ids = (await Promise.all(Array.from({ length: 3 }, () => post(first.base)))).map((r) => r.id!);
      await until('every job runs', async () => (await list(first.base)).filter((j) => ids.includes(j.id) && j.status === 'running').length === ids.length);
      const joining = await start(['--skip-recovery']);
      expect(joining.output()).not.toMatch(/recovered/);
      expect((await list(joining.base)).filter((j) => ids.includes(j.id)).map((j) => j.status)).toEqual(['running', 'running', 'running']);
      joining.child.kill('SIGTERM');
      expect((await joining.exited).code).toBe(0);
      first.child.kill('SIGKILL');
      await first.exited;
      const next = await start([]);
      expect(next.output()).toMatch(/recovered 3 jobs/);
      next.child.kill('SIGTERM');
      expect((await next.exited).code).toBe(0);
    });

    it('on SIGTERM, jobs that finish within --grace finish, and the service exits 0', { timeout: 60_000 }, async () => {
      const service = await start(['--step-ms', '200', '--grace', '10000']);
      const ids = (await Promise.all(Array.from({ length: 4 }, () => post(service.base)))).map((r) => r.id!);
      service.child.kill('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(service.output()).toMatch(/stopped: 4 job\(s\) finished, 0 marked failed as interrupted/);
      const again = await start(['--step-ms', '5']);
      const jobs = await list(again.base);
      for (const id of ids) expect(jobs.find((j) => j.id === id)?.status).toBe('done');
      again.child.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    });

    it('on SIGTERM, jobs still running when --grace ends are marked failed as interrupted, and the service exits 0', { timeout: 60_000 }, async () => {
      const service = await start(['--step-ms', '20000', '--grace', '300']);
      const ids = (await Promise.all(Array.from({ length: 4 }, () => post(service.base)))).map((r) => r.id!);
      await until('every job runs', async () => (await list(service.base)).filter((j) => ids.includes(j.id) && j.status === 'running').length === ids.length);
      const t0 = Date.now();
      service.child.kill('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(10_000); // the grace period, not the jobs' 20 s pauses
      expect(service.output()).toMatch(/stopped: 0 job\(s\) finished, 4 marked failed as interrupted/);
      const again = await start(['--step-ms', '5']);
      const jobs = await list(again.base);
      for (const id of ids) {
        const job = jobs.find((j) => j.id === id);
        expect(job?.status).toBe('failed');
        expect(job?.message).toBe(INTERRUPTED_AT_SHUTDOWN);
      }
      again.child.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    });
  });
}

describe('serve.ts flags', () => {
  const run = (args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'models/job-store/serve.ts', ...args], { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
      (error, out, err) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out, err }));
  });

  it('--help describes the eviction promise and the shutdown, and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/at least 60 s after it finished/);
    expect(out).toMatch(/410 Gone/);
    expect(out).toMatch(/--grace MS/);
  });

  for (const args of [['--grace', '-1'], ['--step-ms', 'x'], ['--port', '70000'], ['--store', 'nope'], ['--bogus']]) {
    it(`${args.join(' ')}: one line on stderr, exit 2`, async () => {
      const { code, err } = await run(args);
      expect(code).toBe(2);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^serve: /);
    });
  }
});
