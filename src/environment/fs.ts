import type * as Memfs from 'memfs';
import { createRequire } from 'node:module';
import { InputError } from '../cli/input.ts';
import { ownAsync } from '../instrument/own.ts';
import { Controlled } from '../primitives/control.ts';
import { spawn } from '../primitives/task.ts';
import { callingExecution } from './context.ts';
import { builtin, type Patches } from './patch.ts';

type SyncFn = (...args: unknown[]) => unknown;

/**
 * memfs, required at the first virtual filesystem: an optional peer dependency (with its own
 * dependencies it is most of what installing heddle would weigh), needed only by scenarios that
 * ask for `environment: { fs }`.
 */
let memfs: typeof Memfs | undefined;
function loadMemfs(): typeof Memfs {
  if (memfs !== undefined) return memfs;
  try {
    return (memfs = createRequire(import.meta.url)('memfs') as typeof Memfs);
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (code !== 'MODULE_NOT_FOUND' || !String(message).includes("'memfs'")) throw err;
    // The project's setup, not its code: one line and exit 2 from the CLI, as a bad flag.
    throw new InputError("environment: { fs } needs the package 'memfs' (an optional peer dependency of heddle): npm install --save-dev memfs");
  }
}

/**
 * A virtual filesystem: node:fs's API over one in-memory volume (memfs). Typed by name only, so
 * that heddle's declarations need neither memfs's types nor @types/node.
 */
export interface VirtualFs {
  /** node:fs over the volume: its synchronous and callback functions by name (`readFileSync`, `writeFile`, …). */
  readonly fs: Readonly<Record<string, SyncFn>>;
  /** Its fs.promises functions, each one scheduling point inside an execution. */
  readonly promises: Readonly<Record<string, (...args: unknown[]) => Promise<unknown>>>;
  /** The volume: `toJSON()` lists its files as `{ path: contents }`. */
  readonly volume: { toJSON(): Record<string, string | null> };
}

// fs.promises methods and the synchronous memfs call that does the same work in one step.
const OPERATIONS = ['access', 'appendFile', 'copyFile', 'lstat', 'mkdir', 'readdir', 'readFile', 'realpath', 'rename',
  'rm', 'rmdir', 'stat', 'truncate', 'unlink', 'writeFile', 'chmod', 'utimes', 'symlink', 'readlink', 'link', 'mkdtemp'] as const;
const READS: ReadonlySet<string> = new Set(['access', 'lstat', 'readdir', 'readFile', 'realpath', 'stat', 'readlink']);

/** The filesystem as one object: every operation on it is a scheduling point that conflicts with writes. */
class FileSystemObject extends Controlled {
  constructor() {
    super('fs', 'fs');
  }

  op(name: string, run: () => unknown, detail = name): Promise<unknown> {
    const ex = this.control()!;
    return ex.point({ kind: READS.has(name) ? 'read' : 'write', object: this.id, detail }, run);
  }
}

/**
 * An in-memory filesystem (memfs) with the node:fs API for one execution: each fs.promises call
 * and each callback-style call is one scheduling point, where the operation takes effect
 * atomically. Synchronous calls (existsSync, readFileSync, …) go to the same volume directly.
 */
export function virtualFs(files: Record<string, string> = {}): VirtualFs {
  const { createFsFromVolume, Volume } = loadMemfs();
  const volume = Volume.fromJSON(files);
  const fs = createFsFromVolume(volume) as unknown as Record<string, SyncFn>;
  const target = new FileSystemObject();
  const promises: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const name of OPERATIONS) {
    const impl = fs[`${name}Sync`];
    if (typeof impl !== 'function') continue;
    promises[name] = (...args: unknown[]) => {
      if (callingExecution() === null) return Promise.resolve().then(() => impl.apply(fs, args));
      const opened = name === 'writeFile' || name === 'appendFile' ? openFirst(fs, target, name, args) : null;
      return opened ?? target.op(name, () => impl.apply(fs, args));
    };
  }
  return { fs, promises, volume };
}

/**
 * writeFile and appendFile as Node runs them: open the file (creating it; writeFile's 'w'
 * empties it), then write the data, two scheduling points — a readFile between them reads an
 * empty file, as it can in Node (write to a temporary file and rename it for an atomic
 * replace). Null for a file descriptor or data that is not bytes or a string: one step then.
 */
function openFirst(fs: Readonly<Record<string, SyncFn>>, target: FileSystemObject, name: string, args: unknown[]): Promise<unknown> | null {
  const [path, data, options] = args;
  const named = typeof path === 'string' || path instanceof URL || Buffer.isBuffer(path);
  if (!named || (typeof data !== 'string' && !ArrayBuffer.isView(data))) return null;
  const set = typeof options === 'object' && options !== null ? (options as { flag?: unknown; mode?: unknown }) : {};
  const flag = set.flag === undefined ? (name === 'writeFile' ? 'w' : 'a') : set.flag;
  const mode = set.mode ?? 0o666;
  return ownAsync(`fs.${name}`, function* openThenWrite() {
    const fd = (yield target.op(name, () => fs.openSync!(path, flag, mode), `${name}: open ${String(flag)}`)) as number;
    try {
      yield target.op(name, () => fs.writeFileSync!(fd, data, options), `${name}: write`);
    } finally {
      fs.closeSync!(fd);
    }
  });
}

/** Installs a fresh in-memory filesystem over node:fs, node:fs/promises and fs.promises. */
export function installFs(patches: Patches, files: Record<string, string> = {}): void {
  const { fs, promises } = virtualFs(files);
  const nodeFs = builtin('node:fs');
  const nodePromises = builtin('node:fs/promises');
  for (const [name, fn] of Object.entries(promises)) {
    patches.set(nodePromises, name, fn);
    patches.set(nodeFs.promises as Record<string, unknown>, name, fn);
    // Callback style: the operation and the callback run in a task of their own.
    patches.set(nodeFs, name, (...args: unknown[]) => {
      const callback = args.pop() as (err: unknown, value?: unknown) => void;
      if (typeof callback !== 'function') throw new TypeError(`fs.${name}: the last argument must be a callback`);
      spawn(() => ownAsync(`fs.${name} callback`, function* callbackTask() {
        let value: unknown;
        try {
          value = yield fn(...args);
        } catch (err) {
          callback(err);
          return;
        }
        callback(null, value);
      }), `fs.${name} callback`);
    });
  }
  for (const name of Object.keys(fs)) {
    if (name.endsWith('Sync') && typeof fs[name] === 'function') patches.set(nodeFs, name, fs[name]!.bind(fs));
  }
  patches.set(nodeFs, 'exists', (path: unknown, callback: (exists: boolean) => void) => {
    spawn(() => ownAsync('fs.exists callback', function* callbackTask() {
      let exists = true;
      try {
        yield promises.access!(path);
      } catch {
        exists = false;
      }
      callback(exists);
    }), 'fs.exists callback');
  });
}
