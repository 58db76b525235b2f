// tsx, registered once per thread, before anything that needs it: plain JavaScript, because the
// bin and worker entry points call it before any TypeScript can load.
import { existsSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, sep } from 'node:path';
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
  const native = Module._extensions['.js'];
  registerCommonJs();
  keepOwnModulesNative(native);
}

/**
 * Such a file's `require('heddle')` must reach the ES module the CLI runs, not a copy: tsx's
 * hook would compile heddle's built files to CommonJS, a second heddle beside the first (its
 * primitives unknown to the first one's runtime). Node's own handler loads them as the ES
 * modules they are (require of ESM). In this repo heddle runs from its sources: nothing to keep.
 */
function keepOwnModulesNative(native) {
  const build = dirname(dirname(dirname(fileURLToPath(import.meta.url)))); // dist/src/instrument → dist
  if (basename(build) !== 'dist') return;
  const own = build + sep;
  const compiled = Module._extensions['.js'];
  Module._extensions['.js'] = function heddleOrCompiled(module, filename) {
    return (filename.startsWith(own) ? native : compiled).call(this, module, filename);
  };
}

/**
 * The URL of heddle's own module `path` (written `./name.ts`, relative to `base`): its compiled
 * `.js` in a build (dist/), else the `.ts` source, which tsx loads (the repo runs from source).
 */
export function ownModule(path, base) {
  const compiled = new URL(path.replace(/\.ts$/, '.js'), base);
  return existsSync(fileURLToPath(compiled)) ? compiled.href : new URL(path, base).href;
}
