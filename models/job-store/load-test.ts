// Load test of the job service (loopback only, bounded in requests and time):
//   npx tsx models/job-store/load-test.ts [--clients 20] [--requests 2000] [--store buggy,memory,sqlite,redis]
// Starts the service (`serve.ts`) as a process of its own per store — sqlite in a temporary file;
// redis on a private redis-server, when one is installed; memory has no `lookup`, so its
// evictions count as lost — and runs many concurrent clients that create jobs, poll each until
// done, delete a third of them and list. For each store it prints requests/s, p50/p99 latency and
// what became of the clients' jobs: lost (an acknowledged job that answered 404 though its client
// never deleted it), torn (a status whose fields disagree, per `consistent`), evicted (410: the
// documented eviction), rejected (503: at the cap, or a store too busy). Every store but the
// seed's buggy one must lose nothing and tear nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { haveRedisServer, startLocalRedis } from './local-redis.ts';
import { startServiceProcess, type ServiceProcess } from './service-process.ts';
import { consistent, MAX_JOBS, type Job } from './types.ts';

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
  /** Time until every client had its connection open (one GET /jobs each, before the timed part). */
  readonly connectMs: number;
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
  /** The service process's peak resident memory, MB, where the system tells it. */
  readonly serviceRssMb: number | undefined;
}

export const STORES = ['buggy', 'memory', 'sqlite', 'redis'] as const;
export type StoreName = (typeof STORES)[number];

/** A service process on a fresh store, and how to stop both. */
export interface LoadTarget {
  readonly name: StoreName;
  readonly service: ServiceProcess;
  /** Stops the service (SIGTERM; it must exit 0) and removes its store. */
  release(): Promise<void>;
}

export async function startTarget(name: StoreName): Promise<LoadTarget> {
  let args: string[] = ['--store', name];
  let removeStore = async () => {};
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-load-'));
    args = [...args, '--db', join(dir, 'jobs.db')];
    removeStore = async () => rmSync(dir, { recursive: true, force: true });
  }
  if (name === 'redis') {
    const redis = await startLocalRedis();
    args = [...args, '--redis', redis.url];
    removeStore = () => redis.stop();
  }
  let service: ServiceProcess;
  try {
    service = await startServiceProcess([...args, '--step-ms', '2', '--grace', '2000']);
  } catch (e) {
    await removeStore();
    throw e;
  }
  return { name, service, release: async () => {
    service.child.kill('SIGTERM');
    const { code } = await service.exited;
    await removeStore();
    if (code !== 0) throw new Error(`the ${name} service exited ${code} on SIGTERM: ${service.output().trim()}`);
  } };
}

/** One run of `clients` concurrent clients against the service at `base`. */
export async function runLoad(name: string, base: string, options: LoadOptions): Promise<Omit<LoadReport, 'serviceRssMb'>> {
  const { clients, requests } = options;
  const deadlineMs = options.deadlineMs ?? 20_000;
  const { hostname, port } = new URL(base);
  // node's own client, one keep-alive connection per client: much lighter than fetch, so the
  // clients (in this process) leave more of the machine to the service.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const latencies: number[] = [];
  let sent = 0;
  let created = 0, rejected = 0, torn = 0, errors = 0, maxJobs = 0;
  const evicted = new Set<string>();
  const lost = new Set<string>();
  let started = performance.now();
  const request = (method: string, path: string, body?: string) => new Promise<{ status: number; body: unknown }>((resolve) => {
    const t0 = performance.now();
    sent++;
    const req = httpRequest({ hostname, port, method, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        } catch {
          resolve({ status: 0, body: null }); // not JSON: counted as an error by the caller
        }
      });
      res.on('error', () => resolve({ status: 0, body: null }));
    });
    req.on('error', () => resolve({ status: 0, body: null }));
    req.end(body);
  });
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
  // Every client opens its connection first (one GET /jobs each, not counted): a node server busy
  // with requests accepts a burst of new connections only a few per second (plain node does
  // the same), which would measure that burst, not the service's requests.
  const connectStarted = performance.now();
  const warm = await Promise.all(Array.from({ length: clients }, () => request('GET', '/jobs')));
  errors += warm.filter((r) => r.status !== 200).length;
  const connectMs = performance.now() - connectStarted;
  latencies.length = 0;
  sent = 0;
  started = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { store: name, clients, connectMs, requests: sent, perSecond: sent / seconds, p50: at(0.5), p99: at(0.99), created, rejected,
    evicted: evicted.size, lost: lost.size, torn, errors, maxJobs };
}

/** A fresh service on a fresh store, one run, both stopped. */
export async function loadStore(name: StoreName, options: LoadOptions): Promise<LoadReport> {
  const target = await startTarget(name);
  let report: LoadReport;
  try {
    const run = await runLoad(name, target.service.base, options);
    report = { ...run, serviceRssMb: target.service.peakRssMb() };
  } catch (e) {
    await target.release().catch(() => {});
    throw e;
  }
  await target.release();
  return report;
}

/** The fixed stores' promise under load: nothing lost, nothing torn, no error, never above the cap. */
export function keptPromises(r: LoadReport): boolean {
  return r.lost === 0 && r.torn === 0 && r.errors === 0 && r.maxJobs <= MAX_JOBS;
}

const COLUMNS = ['store', 'clients', 'all connected ms', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'created', 'rejected (503)', 'evicted (410)', 'lost', 'torn', 'errors', 'most jobs seen', 'service peak rss MB'];

function tableRow(r: LoadReport): string {
  return `| ${[r.store, r.clients, r.connectMs.toFixed(0), r.requests, r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.created, r.rejected, r.evicted,
    r.lost, r.torn, r.errors, r.maxJobs, r.serviceRssMb?.toFixed(0) ?? '—'].join(' | ')} |`;
}

function fail(message: string): never {
  process.stderr.write(`load-test: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { clients: { type: 'string', default: '20' }, requests: { type: 'string', default: '2000' },
      store: { type: 'string', default: `buggy,sqlite${haveRedisServer() ? ',redis' : ''}` } } }));
  } catch (e) {
    fail((e instanceof Error ? e.message : String(e)).split('\n')[0]!); // node's message can run to three lines
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
  for (const name of names as StoreName[]) reports.push(await loadStore(name, { clients, requests }));
  console.log(`job service load test: ${clients} clients, ${requests} requests per store, loopback, at most ${MAX_JOBS} jobs\n`);
  console.log(`| ${COLUMNS.join(' | ')} |`);
  console.log(`|${' --- |'.repeat(COLUMNS.length)}`);
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
