// The job service: `npx tsx models/job-store/serve.ts --help` prints the flags.
import { parseArgs } from 'node:util';
import { BuggyJobStore } from './buggy.ts';
import { SafeJobStore } from './fixed.ts';
import { INTERRUPTED_AT_CRASH, jobService } from './http.ts';
import { HashJobStore } from './redis.ts';
import { connectRedis } from './redis-client.ts';
import { SqliteJobStore } from './sqlite.ts';
import { MAX_JOBS, MIN_READABLE_MS, type JobStore } from './types.ts';

const HELP = `usage: npx tsx models/job-store/serve.ts [flags]

The seed's job service over HTTP on 127.0.0.1: POST /jobs, GET /jobs/:id, DELETE /jobs/:id, GET /jobs.

  --port N        port to listen on; 0 picks a free one (default 8080); the port is printed
  --store NAME    sqlite (default; jobs survive a restart), redis (several processes share one
                  store), memory (in-process), buggy (the seed's job map)
  --db FILE       the SQLite file (default jobs.db)
  --redis URL     the Redis server (default redis://127.0.0.1:6379)
  --grace MS      on SIGTERM or SIGINT, how long running jobs may take to finish (default 5000)
  --step-ms MS    pause between a job's progress steps (default 10)
  --skip-recovery do not mark jobs left pending or running failed at start: for a process that
                  joins others already serving the same Redis (their jobs are running)
  --help          this text

At most ${MAX_JOBS} jobs; a finished job stays readable at least ${MIN_READABLE_MS / 1000} s after it finished,
then the oldest finished job may be evicted to make room: GET /jobs/:id answers 410 Gone for an
evicted job, 404 for one that never existed or was deleted. At start, jobs that a stopped process
left pending or running are marked failed ('${INTERRUPTED_AT_CRASH}'),
unless --skip-recovery.
On SIGTERM or SIGINT the service stops accepting connections, lets running jobs finish within
--grace, marks the rest failed as interrupted, closes the store and exits 0.
`;

function usage(message: string): never {
  process.stderr.write(`serve: ${message} (--help lists the flags)\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, store: { type: 'string', default: 'sqlite' },
    db: { type: 'string', default: 'jobs.db' }, redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    grace: { type: 'string', default: '5000' }, 'step-ms': { type: 'string', default: '10' },
    'skip-recovery': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } }));
} catch (e) {
  usage((e instanceof Error ? e.message : String(e)).split('\n')[0]!); // node's message can run to three lines
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be 0–65535, got '${values.port}'`);
const graceMs = Number(values.grace);
if (!Number.isInteger(graceMs) || graceMs < 0) usage(`--grace must be a whole number of milliseconds, got '${values.grace}'`);
const stepMs = Number(values['step-ms']);
if (!Number.isInteger(stepMs) || stepMs < 0) usage(`--step-ms must be a whole number of milliseconds, got '${values['step-ms']}'`);

let closeConnection: (() => Promise<void>) | undefined; // Redis's, when the store itself cannot close
const stores: Record<string, () => Promise<JobStore>> = {
  sqlite: async () => new SqliteJobStore(values.db),
  redis: async () => {
    const connection = await connectRedis(values.redis);
    closeConnection = connection.close;
    return new HashJobStore(connection);
  },
  memory: async () => new SafeJobStore(),
  buggy: async () => new BuggyJobStore(),
};
const make = stores[values.store];
if (make === undefined) usage(`--store must be one of ${Object.keys(stores).join(', ')}, got '${values.store}'`);
let store: JobStore;
try {
  store = await make();
  if (store.recover && !values['skip-recovery']) {
    const recovered = await store.recover(INTERRUPTED_AT_CRASH);
    process.stdout.write(`recovered ${recovered} job${recovered === 1 ? '' : 's'} left pending or running by a stopped process: marked failed\n`);
  }
} catch (e) {
  process.stderr.write(`serve: cannot open the ${values.store} store: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}

const service = jobService(store, { stepMs });
service.server.on('error', (e) => {
  process.stderr.write(`serve: cannot listen on 127.0.0.1:${port}: ${e.message}\n`);
  process.exit(2);
});
service.server.listen(port, '127.0.0.1', () => {
  const address = service.server.address();
  process.stdout.write(`job service (${values.store} store) on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}\n`);
});

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    process.stderr.write(`serve: ${signal} again: exiting now, without waiting for running jobs\n`);
    process.exit(1);
  }
  stopping = true;
  process.stdout.write(`${signal}: no new connections; ${service.running()} running job(s) get ${graceMs} ms to finish\n`);
  try {
    const report = await service.shutdown(graceMs);
    if (store.close) await store.close();
    else await closeConnection?.();
    process.stdout.write(`stopped: ${report.running - report.interrupted - report.unmarked} job(s) finished, ${report.interrupted} marked failed as interrupted${
      report.unmarked > 0 ? `, ${report.unmarked} the store failed to mark (the next start recovers them)` : ''}\n`);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`serve: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
process.on('SIGTERM', (s) => void stop(s));
process.on('SIGINT', (s) => void stop(s));
