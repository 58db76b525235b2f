// Node's module customization hooks (module.register) for the await instrumentation. They run
// on Node's loader thread, chained after tsx's, so the source seen here is already JavaScript.
// Plain JavaScript: Node loads a hooks module without any TypeScript loader; the transform is
// loaded below through tsx's require hook (or from a compiled build, when there is one).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

let tsxRegistered = false;

/**
 * A module of this folder: its compiled `.js` when a build made one (ES modules, as the package
 * is: imported, since require() of an ES module needs Node 20.19), else the `.ts` through tsx.
 */
async function loadOwn(name) {
  const compiled = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return import(compiled.href);
  if (!tsxRegistered) require('tsx/cjs/api').register();
  tsxRegistered = true;
  return require(`./${name}.ts`);
}

/** Set by initialize(): what to instrument and where to cache it. */
let policy;
let cache;

/** The raw file of a CommonJS module is TypeScript for these: the main thread's _compile patch sees tsx's output instead. */
const TYPESCRIPT = new Set(['.ts', '.cts', '.mts', '.tsx']);

/** @param {{ root: string, packages: string[], cacheDir?: string, port?: import('node:worker_threads').MessagePort }} data */
export async function initialize(data) {
  // register() waits for this promise: no module is loaded before the policy is in place.
  const { InstrumentPolicy } = await loadOwn('policy');
  const { TransformCache } = await loadOwn('cache');
  policy = new InstrumentPolicy({ root: data.root, packages: data.packages });
  cache = new TransformCache(data.cacheDir);
  // registerInstrumentation() called again with more packages (a second CLI call in one process).
  data.port?.on('message', (message) => policy.add(message.packages));
  data.port?.unref();
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  const { format } = result;
  if ((format !== 'module' && format !== 'commonjs') || !url.startsWith('file:') || !policy?.selects(url)) return result;
  let source = result.source;
  if (source == null) {
    // A CommonJS file Node would read itself: read it here, so that the returned source (which
    // Node honours) is the instrumented one, and its own require() calls come through here too.
    if (format !== 'commonjs' || TYPESCRIPT.has(extname(fileURLToPath(url)))) return result;
    source = readFileSync(fileURLToPath(url));
  }
  const text = typeof source === 'string' ? source : Buffer.from(source).toString('utf8');
  const out = cache.transform(text, { url, format });
  // A scenario's `instrument: ['pkg']` is seen here, before its imports are loaded.
  policy.add(out.instrument);
  if (!out.changed) return result;
  return { ...result, format, source: out.code };
}
