// `npx tsx models/job-store/serve.ts --port 8080 [--store sqlite|redis|memory|buggy] [--db jobs.db] [--redis URL]`:
// the job service. Default: SQLite in ./jobs.db (jobs survive a restart); redis: several server
// processes share one store; memory: the in-process SafeJobStore; buggy: the seed's job map.
import { parseArgs } from 'node:util';
import { BuggyJobStore } from './buggy.ts';
import { SafeJobStore } from './fixed.ts';
import { jobService } from './http.ts';
import { HashJobStore } from './redis.ts';
import { connectRedis } from './redis-client.ts';
import { SqliteJobStore } from './sqlite.ts';
import type { JobStore } from './types.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, store: { type: 'string', default: 'sqlite' },
  db: { type: 'string', default: 'jobs.db' }, redis: { type: 'string', default: 'redis://127.0.0.1:6379' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`serve: --port must be 0–65535, got '${values.port}'\n`);
  process.exit(2);
}
const stores: Record<string, () => Promise<JobStore>> = {
  sqlite: async () => new SqliteJobStore(values.db),
  redis: async () => new HashJobStore(await connectRedis(values.redis)),
  memory: async () => new SafeJobStore(),
  buggy: async () => new BuggyJobStore(),
};
const make = stores[values.store];
if (make === undefined) {
  process.stderr.write(`serve: --store must be one of ${Object.keys(stores).join(', ')}, got '${values.store}'\n`);
  process.exit(2);
}
let store: JobStore;
try {
  store = await make();
} catch (e) {
  process.stderr.write(`serve: cannot open the ${values.store} store: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
const server = jobService(store);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`job service (${values.store} store) on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}\n`);
});
