// Worker entry: load tsx so the TypeScript worker (and the user's scenario files) can be imported.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
