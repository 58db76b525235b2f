// Load test of the job service (loopback only, bounded in requests and time):
//   npx tsx models/job-store/load-test.ts [--clients 20] [--requests 2000] [--store buggy,memory,sqlite,redis]
// Many concurrent clients create jobs, poll them until done, delete a third of them and list, on
// one service per store (default buggy, sqlite and, when a redis-server is installed, redis on a
// private server it starts; memory has no `lookup`, so its evictions count as lost). For each
// store it prints requests/s, p50/p99 latency and what became of the clients' jobs: lost (an
// acknowledged job that answered 404 though its client never deleted it), torn (a status whose
// fields disagree, per `consistent`), evicted (410: the documented eviction at the cap), rejected
// (503: at the cap, or a store too busy). Every store but the seed's buggy one must lose nothing
// and tear nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BuggyJobStore } from './buggy.ts';
import { SafeJobStore } from './fixed.ts';
import { jobService } from './http.ts';
import { haveRedisServer, startLocalRedis } from './local-redis.ts';
import { HashJobStore } from './redis.ts';
import { connectRedis } from './redis-client.ts';
import { SqliteJobStore } from './sqlite.ts';
import { consistent, MAX_JOBS, type Job, type JobStore } from './types.ts';

export interface LoadOptions {
  readonly clients: number;
  /** Requests of all clients together; a client stops once they are sent. */
  readonly requests: number;
  /** Wall-time bound of the run, ms. */
  readonly deadlineMs?: number;
}

export interface LoadReport {
  readonly store: string;
  readonly clients: number;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Creates answered 202. */
  readonly created: number;
  /** Answers 503: a create at the cap (every job unfinished or finished too recently to evict), or a store too busy. */
  readonly rejected: number;
  /** Jobs of the clients that answered 410: evicted by the store, as documented. */
  readonly evicted: number;
  /** Jobs acknowledged (202), never deleted by their client, that answered 404. */
  readonly lost: number;
  /** Status answers (a job or a list entry) whose fields disagree. */
  readonly torn: number;
  /** Answers no client should get (500, a wrong status, a failed connection). */
  readonly errors: number;
  readonly maxJobs: number;
  readonly rssMb: number;
}

/** A store behind the service for one run, and how to release it afterwards. */
export interface LoadTarget {
  readonly name: string;
  readonly store: JobStore;
  release(): Promise<void>;
}

export const STORES = ['buggy', 'memory', 'sqlite', 'redis'] as const;

export async function openTarget(name: (typeof STORES)[number]): Promise<LoadTarget> {
  if (name === 'buggy') return { name, store: new BuggyJobStore(MAX_JOBS), release: async () => {} };
  if (name === 'memory') return { name, store: new SafeJobStore(MAX_JOBS), release: async () => {} };
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-load-'));
    const store = new SqliteJobStore(join(dir, 'jobs.db'));
    return { name, store, release: async () => {
      await store.close?.();
      rmSync(dir, { recursive: true, force: true });
    } };
  }
  const redis = await startLocalRedis();
  const connection = await connectRedis(redis.url);
  const store: JobStore = new HashJobStore(connection);
  return { name, store, release: async () => {
    if (store.close) await store.close();
    else await connection.close();
    await redis.stop();
  } };
}

/** One run: a fresh service on `store`, `clients` concurrent clients, then the service closed. */
export async function runLoad(name: string, store: JobStore, options: LoadOptions): Promise<LoadReport> {
  const { clients, requests } = options;
  const deadlineMs = options.deadlineMs ?? 20_000;
  const service = jobService(store, { steps: [25, 50, 75], stepMs: 2 });
  await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  const latencies: number[] = [];
  let sent = 0;
  let created = 0, rejected = 0, torn = 0, errors = 0, maxJobs = 0;
  const evicted = new Set<string>();
  const lost = new Set<string>();
  const started = performance.now();
  const request = async (method: string, path: string, body?: string): Promise<{ status: number; body: unknown }> => {
    const t0 = performance.now();
    sent++;
    try {
      const res = await fetch(base + path, { method, ...(body ? { body } : {}) });
      const text = await res.text();
      latencies.push(performance.now() - t0);
      return { status: res.status, body: text ? JSON.parse(text) : null };
    } catch {
      return { status: 0, body: null }; // counted as an error by the caller
    }
  };
  const more = () => sent < requests && performance.now() - started < deadlineMs;
  const client = async (c: number) => {
    while (more()) {
      const made = await request('POST', '/jobs', '{}');
      if (made.status === 202) {
        created++;
        const id = (made.body as { id: string }).id;
        for (let poll = 0; poll < 6 && more(); poll++) {
          const got = await request('GET', `/jobs/${id}`);
          if (got.status === 410) evicted.add(id);
          else if (got.status === 404) lost.add(id); // only this client deletes its jobs, and it has not
          else if (got.status === 503) rejected++;
          else if (got.status !== 200) errors++;
          if (got.status !== 200) break;
          if (!consistent(got.body as Job)) torn++;
          if ((got.body as Job).status === 'done') break;
        }
        if ((c + sent) % 3 === 0 && !lost.has(id)) {
          const gone = await request('DELETE', `/jobs/${id}`);
          if (gone.status === 410) evicted.add(id);
          else if (gone.status === 404) lost.add(id);
          else if (gone.status === 503) rejected++;
          else if (gone.status !== 204) errors++;
        }
      } else if (made.status === 503) rejected++;
      else errors++;
      const list = await request('GET', '/jobs');
      if (list.status !== 200) {
        if (list.status === 503) rejected++;
        else errors++;
        continue;
      }
      const jobs = list.body as Job[];
      maxJobs = Math.max(maxJobs, jobs.length);
      torn += jobs.filter((job) => !consistent(job)).length;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const seconds = (performance.now() - started) / 1000;
  await service.shutdown(5000);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { store: name, clients, requests: sent, perSecond: sent / seconds, p50: at(0.5), p99: at(0.99), created, rejected,
    evicted: evicted.size, lost: lost.size, torn, errors, maxJobs, rssMb: process.memoryUsage().rss / 2 ** 20 };
}

/** The fixed stores' promise under load: nothing lost, nothing torn, no error, never above the cap. */
export function keptPromises(r: LoadReport): boolean {
  return r.lost === 0 && r.torn === 0 && r.errors === 0 && r.maxJobs <= MAX_JOBS;
}

export const TABLE_HEADER = '| store | clients | requests | req/s | p50 ms | p99 ms | created | rejected (503) | evicted (410) | lost | torn | errors | most jobs seen | rss MB |';

export function tableRow(r: LoadReport): string {
  return `| ${r.store} | ${r.clients} | ${r.requests} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.created} | ${r.rejected} | ${r.evicted} | ${r.lost} | ${r.torn} | ${r.errors} | ${r.maxJobs} | ${r.rssMb.toFixed(0)} |`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { clients: { type: 'string', default: '20' }, requests: { type: 'string', default: '2000' },
      store: { type: 'string', default: `buggy,sqlite${haveRedisServer() ? ',redis' : ''}` } } }));
  } catch (e) {
    process.stderr.write(`load-test: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  const clients = Number(values.clients);
  const requests = Number(values.requests);
  if (!Number.isInteger(clients) || clients < 1 || clients > 200) fail(`--clients must be 1–200, got '${values.clients}'`);
  if (!Number.isInteger(requests) || requests < 10 || requests > 20_000) fail(`--requests must be 10–20000, got '${values.requests}'`);
  const names = values.store.split(',');
  const unknown = names.find((n) => !(STORES as readonly string[]).includes(n));
  if (unknown !== undefined) fail(`--store takes a comma-separated list of ${STORES.join(', ')}, got '${unknown}'`);
  if (names.includes('redis') && !haveRedisServer()) fail('--store redis needs a redis-server installed (/usr/bin/redis-server)');

  const reports: LoadReport[] = [];
  for (const name of names as (typeof STORES)[number][]) {
    const target = await openTarget(name);
    try {
      reports.push(await runLoad(name, target.store, { clients, requests }));
    } finally {
      await target.release();
    }
  }
  console.log(`job service load test: ${clients} clients, ${requests} requests per store, loopback, at most ${MAX_JOBS} jobs\n`);
  console.log(TABLE_HEADER);
  console.log('|' + ' --- |'.repeat(TABLE_HEADER.split('|').length - 2));
  for (const r of reports) console.log(tableRow(r));
  console.log('');
  let ok = true;
  for (const r of reports.filter((r) => r.store !== 'buggy')) {
    const kept = keptPromises(r);
    ok &&= kept;
    console.log(`${r.store}: ${kept ? `no job lost, no torn answer, no error, never above ${MAX_JOBS} jobs`
      : `FAILED: ${r.lost} lost, ${r.torn} torn, ${r.errors} errors, at most ${r.maxJobs} jobs seen`}`);
  }
  process.exitCode = ok ? 0 : 1;
}

function fail(message: string): never {
  process.stderr.write(`load-test: ${message}\n`);
  process.exit(2);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
