// tsx, registered once per thread, before anything that needs it: plain JavaScript, because the
// bin and worker entry points call it before any TypeScript can load.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

const REGISTERED = Symbol.for('heddle.tsx');

/** Registers tsx's loader hooks in this thread unless they are active already. */
export function ensureTsx() {
  if (globalThis[REGISTERED]) return;
  globalThis[REGISTERED] = true;
  // `npx tsx …` and `node --import tsx` register it in the main thread; worker threads inherit
  // the flags but not the hooks, so there it is always registered.
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''];
  if (isMainThread && flags.some((flag) => flag.includes('tsx'))) return;
  register();
  // A .ts file of a package without "type": "module" is CommonJS: Node loads it through
  // require's extension handlers, which tsx's CommonJS hook provides (as `npx tsx` does).
  registerCommonJs();
}

/**
 * The URL of heddle's own module `path` (written `./name.ts`, relative to `base`): its compiled
 * `.js` in a build (dist/), else the `.ts` source, which tsx loads (the repo runs from source).
 */
export function ownModule(path, base) {
  const compiled = new URL(path.replace(/\.ts$/, '.js'), base);
  return existsSync(fileURLToPath(compiled)) ? compiled.href : new URL(path, base).href;
}
