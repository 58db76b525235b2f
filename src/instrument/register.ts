import { existsSync } from 'node:fs';
import Module, { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { InputError } from '../cli/input.ts';
import { defaultCacheDir, TransformCache } from './cache.ts';
import { heddleRoot, InstrumentPolicy } from './policy.ts';
import './runtime.ts';
import { ensureTsx } from './tsx.mjs';

// Turns the await instrumentation on for the modules this thread loads from now on: tsx first
// (so TypeScript is compiled before the hooks see it), then the hooks, then the runtime the
// rewritten modules call. Worker threads do not inherit loader hooks: each calls this itself.

export interface InstrumentationOptions {
  /** Packages to instrument besides the user's own code, by name (`--instrument NAME`). */
  readonly instrument?: readonly string[] | undefined;
  /** Where transformed modules are cached (default: node_modules/.cache/heddle, or the OS temp dir). */
  readonly cacheDir?: string | undefined;
}

/** heddle's root (the package, or its dist/ in a build): instrumentation leaves its own src/ and scheduler/ alone. */
const HEDDLE_ROOT = heddleRoot();

interface Registered {
  readonly options: { instrument: string[]; cacheDir: string };
  readonly policy: InstrumentPolicy;
  /** To the hooks on the loader thread: more packages opted in. */
  readonly port: MessagePort;
}

let registered: Registered | undefined;

/**
 * Instruments every module this thread loads from now on (user code outside node_modules, plus
 * the packages named). Idempotent: a second call only opts more packages in.
 * Under vitest nothing is registered: vitest loads modules itself, through heddle's plugin (vite.ts).
 */
export function registerInstrumentation(options: InstrumentationOptions = {}): void {
  const packages = [...(options.instrument ?? [])];
  if (registered) {
    registered.policy.add(packages);
    registered.options.instrument.push(...packages.filter((p) => !registered!.options.instrument.includes(p)));
    registered.port.postMessage({ packages });
    return;
  }
  if ((globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ !== undefined) return;
  ensureTsx();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const { port1, port2 } = new MessageChannel();
  register(new URL('./hooks.mjs', import.meta.url), {
    data: { root: HEDDLE_ROOT, packages, cacheDir, port: port2 },
    transferList: [port2],
  });
  port1.unref();
  const policy = new InstrumentPolicy({ root: HEDDLE_ROOT, packages });
  patchCommonJs(policy, new TransformCache(cacheDir));
  registered = { options: { instrument: [...new Set(packages)], cacheDir }, policy, port: port1 };
}

/** The options this thread registered with, for worker threads to register with the same; undefined if none. */
export function instrumentationOptions(): InstrumentationOptions | undefined {
  return registered && { instrument: [...registered.options.instrument], cacheDir: registered.options.cacheDir };
}

/**
 * CommonJS modules that `require()` loads without the ESM loader, and TypeScript CommonJS files
 * (whose raw file the hooks cannot use), are compiled through Module.prototype._compile: this
 * is where their JavaScript is seen, after tsx's compiler.
 */
function patchCommonJs(policy: InstrumentPolicy, cache: TransformCache): void {
  type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;
  const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  const compile = proto._compile;
  proto._compile = function instrumentedCompile(content, filename, ...rest) {
    if (typeof content === 'string' && policy.selects(filename)) {
      const out = cache.transform(content, { url: pathToFileURL(filename).href, format: 'commonjs' });
      policy.add(out.instrument);
      content = out.code;
    }
    return compile.call(this, content, filename, ...rest);
  };
}

/** A package named by `--instrument` must be installed: else one line, exit 2. */
export function checkInstalled(name: string, cwd: string): void {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name))) return;
    if (dirname(dir) === dir) break;
  }
  throw new InputError(`--instrument ${name}: no package '${name}' is installed (no node_modules/${name} in ${resolve(cwd)} or above)`);
}
