// `npx tsx models/job-store/serve.ts --port 8080 [--store fixed|buggy]`: the job service.
import { parseArgs } from 'node:util';
import { BuggyJobStore } from './buggy.ts';
import { SafeJobStore } from './fixed.ts';
import { jobService } from './http.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, store: { type: 'string', default: 'fixed' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`serve: --port must be 0–65535, got '${values.port}'\n`);
  process.exit(2);
}
if (values.store !== 'fixed' && values.store !== 'buggy') {
  process.stderr.write(`serve: --store must be fixed or buggy, got '${values.store}'\n`);
  process.exit(2);
}
const store = values.store === 'fixed' ? new SafeJobStore() : new BuggyJobStore();
const server = jobService(store);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`job service (${values.store} store) on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}\n`);
});
