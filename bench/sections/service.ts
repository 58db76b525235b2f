import { cpus } from 'node:os';
import { haveRedisServer } from '../../models/job-store/local-redis.ts';
import { keptPromises, loadStore, type LoadReport } from '../../models/job-store/load-test.ts';
import { MAX_JOBS } from '../../models/job-store/types.ts';
import type { Section } from '../lib.ts';

const CLIENTS = [50, 200] as const;
const REQUESTS = 10_000;
const DEADLINE_MS = 30_000;

/**
 * The job service under load on loopback, per store and number of clients (`npm run bench --
 * service`): each row starts `serve.ts` as a process of its own on a fresh store (SQLite in a
 * temporary file; Redis on a private redis-server, when one is installed), cold, and the load
 * test's clients in this process open their connections, then create, poll, delete and list
 * jobs (timed). The clients share the machine with the service.
 */
export async function serviceSection(): Promise<Section> {
  const stores = haveRedisServer() ? (['sqlite', 'redis'] as const) : (['sqlite'] as const);
  const reports: LoadReport[] = [];
  for (const name of stores) {
    for (const clients of CLIENTS) reports.push(await loadStore(name, { clients, requests: REQUESTS, deadlineMs: DEADLINE_MS }));
  }
  const failed = reports.filter((r) => !keptPromises(r));
  const cpu = cpus();
  return {
    title: `Job service under load (service process on loopback, fresh store per row, at most ${MAX_JOBS} jobs, ${REQUESTS} requests or ${DEADLINE_MS / 1000} s per row)`,
    columns: ['store', 'clients', 'all connected (ms)', 'requests', 'req/s', 'p50 (ms)', 'p99 (ms)', 'created', 'rejected 503', 'evicted 410', 'lost', 'torn', 'errors', 'most jobs seen'],
    rows: reports.map((r) => [r.store, r.clients, r.connectMs, r.requests, r.perSecond, r.p50, r.p99, r.created, r.rejected, r.evicted, r.lost, r.torn, r.errors, r.maxJobs]),
    notes: [
      `Measured ${new Date().toISOString()} on ${cpu.length} cpus (${cpu[0]?.model.trim() ?? 'unknown cpu'}), node ${process.version}${haveRedisServer() ? '' : '; Redis skipped: no /usr/bin/redis-server'}.`,
      failed.length === 0
        ? `Every row: 0 lost, 0 torn, 0 errors, never above ${MAX_JOBS} jobs.`
        : `FAILED: ${failed.map((r) => `${r.store} at ${r.clients} clients (${r.lost} lost, ${r.torn} torn, ${r.errors} errors, ${r.maxJobs} jobs seen)`).join('; ')}.`,
    ],
  };
}
