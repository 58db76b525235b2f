// Load test of the job service (loopback only, bounded in requests and time):
//   npx tsx models/job-store/load-test.ts [--clients 20] [--requests 2000]
// Runs the same load against the buggy and the fixed store and reports, for each: requests/s,
// p50/p99 latency, torn status answers, jobs lost, the largest job count seen, memory.
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { BuggyJobStore } from './buggy.ts';
import { SafeJobStore } from './fixed.ts';
import { jobService } from './http.ts';
import { consistent, type Job, type JobStore } from './types.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '20' }, requests: { type: 'string', default: '2000' } } });
const CLIENTS = Math.max(1, Math.min(200, Number(values.clients)));
const REQUESTS = Math.max(10, Math.min(20_000, Number(values.requests)));
const LIMIT = 100;
const DEADLINE_MS = 20_000;

interface Report {
  store: string;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  torn: number;
  lost: number;
  maxJobs: number;
  rssMb: number;
}

async function run(name: string, store: JobStore): Promise<Report> {
  const server = jobService(store, { steps: [25, 50, 75], stepMs: 2 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const latencies: number[] = [];
  let torn = 0;
  let maxJobs = 0;
  let sent = 0;
  const alive = new Set<string>(); // created and not deleted: must stay findable until done
  const lost = new Set<string>();
  const started = performance.now();
  const request = async (method: string, path: string, body?: string) => {
    const t0 = performance.now();
    const res = await fetch(base + path, { method, ...(body ? { body } : {}) });
    const text = await res.text();
    latencies.push(performance.now() - t0);
    sent++;
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const client = async (c: number) => {
    while (sent < REQUESTS && performance.now() - started < DEADLINE_MS) {
      const created = await request('POST', '/jobs', '{}');
      if (created.status !== 202) continue;
      const id = created.body.id as string;
      alive.add(id);
      for (let poll = 0; poll < 6 && sent < REQUESTS; poll++) {
        const got = await request('GET', `/jobs/${id}`);
        if (got.status === 404) {
          if (alive.has(id)) lost.add(id);
          break;
        }
        if (!consistent(got.body as Job)) torn++;
        if ((got.body as Job).status === 'done') break;
      }
      if ((c + sent) % 3 === 0) {
        alive.delete(id);
        await request('DELETE', `/jobs/${id}`);
      }
      const list = await request('GET', '/jobs');
      maxJobs = Math.max(maxJobs, (list.body as Job[]).length);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const seconds = (performance.now() - started) / 1000;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { store: name, requests: sent, perSecond: sent / seconds, p50: at(0.5), p99: at(0.99), torn, lost: lost.size, maxJobs,
    rssMb: process.memoryUsage().rss / 2 ** 20 };
}

const reports = [await run('buggy', new BuggyJobStore(LIMIT)), await run('fixed', new SafeJobStore(LIMIT))];
console.log(`job service load test: ${CLIENTS} clients, ${REQUESTS} requests per store, loopback, limit ${LIMIT} jobs\n`);
console.log('| store | requests | req/s | p50 ms | p99 ms | torn answers | jobs lost | most jobs seen | rss MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of reports) {
  console.log(`| ${r.store} | ${r.requests} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.torn} | ${r.lost} | ${r.maxJobs} | ${r.rssMb.toFixed(0)} |`);
}
const fixed = reports[1]!;
const MEMORY_MB = 512;
const ok = fixed.torn === 0 && fixed.lost === 0 && fixed.maxJobs <= LIMIT && fixed.rssMb < MEMORY_MB;
console.log(`\nfixed store: ${ok ? `no torn answer, no job lost, never above the limit, under ${MEMORY_MB} MB` : 'FAILED its guarantees'}`);
process.exitCode = ok ? 0 : 1;
