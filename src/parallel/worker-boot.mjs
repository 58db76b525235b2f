// Worker entry: load tsx so the worker (TypeScript in the repo) and the user's scenario files can be
// imported, and instrument this thread's modules as the main thread does (hooks are per thread).
import { workerData } from 'node:worker_threads';
import { ensureTsx, ownModule } from '../instrument/tsx.mjs';

ensureTsx();
const { registerInstrumentation } = await import(ownModule('../instrument/register.ts', import.meta.url));
registerInstrumentation(workerData?.instrumentation ?? {});
await import(ownModule('./worker.ts', import.meta.url));
