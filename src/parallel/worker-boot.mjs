// Worker entry: load tsx so the TypeScript worker (and the user's scenario files) can be imported,
// and instrument this thread's modules as the main thread does (hooks are per thread).
import { workerData } from 'node:worker_threads';
import { ensureTsx } from '../instrument/tsx.mjs';

ensureTsx();
const { registerInstrumentation } = await import('../instrument/register.ts');
registerInstrumentation(workerData?.instrumentation ?? {});
await import('./worker.ts');
