import type * as Memfs from 'memfs';
import { createRequire } from 'node:module';
import { InputError } from '../cli/input.ts';
import { ownAsync } from '../instrument/own.ts';
import { Controlled } from '../primitives/control.ts';
import { spawn } from '../primitives/task.ts';
import { callingExecution } from './context.ts';
import { callbackTask } from './controlled.ts';
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
const READS: ReadonlySet<string> = new Set(['access', 'lstat', 'readdir', 'readFile', 'realpath', 'stat', 'readlink',
  'read', 'fstat', 'close', 'sync', 'fsync', 'fdatasync']);

/** The filesystem as one object: every operation on it is a scheduling point that conflicts with writes. */
class FileSystemObject extends Controlled {
  constructor() {
    super('fs', 'fs');
  }

  op(name: string, run: () => unknown, detail = name, reads = READS.has(name)): Promise<unknown> {
    const ex = this.control()!;
    return ex.point({ kind: reads ? 'read' : 'write', object: this.id, detail }, run);
  }
}

/**
 * An in-memory filesystem (memfs) with the node:fs API for one execution: each fs.promises call
 * and each callback-style call is one scheduling point, where the operation takes effect
 * atomically. Synchronous calls (existsSync, readFileSync, …) go to the same volume directly.
 */
export function virtualFs(files: Record<string, string> = {}): VirtualFs {
  const { fs, promises, volume } = build(files);
  return { fs, promises, volume };
}

function build(files: Record<string, string>): VirtualFs & { readonly target: FileSystemObject } {
  const { createFsFromVolume, Volume } = loadMemfs();
  const volume = Volume.fromJSON(files);
  const fs = createFsFromVolume(volume) as unknown as Record<string, SyncFn>;
  const target = new FileSystemObject();
  const promises: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const name of OPERATIONS) {
    if (typeof fs[`${name}Sync`] !== 'function') continue;
    const step = oneStep(fs, target, name);
    promises[name] = (...args: unknown[]) => {
      const opened = callingExecution() === null ? null : name === 'writeFile' || name === 'appendFile' ? openFirst(fs, target, name, args)
        : name === 'copyFile' ? copyInTwo(fs, target, args) : null;
      return opened ?? step(...args);
    };
  }
  return { fs, promises, volume, target };
}

/**
 * node:fs's `${name}Sync` as one scheduling point inside an execution (outside one, in a
 * microtask); `reads`: whether this call only reads (default: by its name).
 */
function oneStep(fs: Readonly<Record<string, SyncFn>>, target: FileSystemObject, name: string,
  reads: (args: unknown[]) => boolean = () => READS.has(name)): (...args: unknown[]) => Promise<unknown> {
  const impl = fs[`${name}Sync`]!;
  return (...args) => (callingExecution() === null ? Promise.resolve().then(() => impl.apply(fs, args))
    : target.op(name, () => impl.apply(fs, args), name, reads(args)));
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
  return ownAsync(`fs.${name}`, openThenWrite, fs, target, name, [path, flag, mode, data, options]);
}

// Generators declared once (see ownAsync).
function* openThenWrite(fs: Readonly<Record<string, SyncFn>>, target: FileSystemObject, name: string,
  [path, flag, mode, data, options]: unknown[]): Generator<unknown, void, unknown> {
  const fd = (yield target.op(name, () => fs.openSync!(path, flag, mode), `${name}: open ${String(flag)}`)) as number;
  try {
    yield target.op(name, () => fs.writeFileSync!(fd, data, options), `${name}: write`);
  } finally {
    fs.closeSync!(fd);
  }
}

/**
 * copyFile as libuv runs it: open the source and create (empty) the destination, then copy the
 * bytes — a reader between them reads an empty destination, as it can in Node.
 */
function copyInTwo(fs: Readonly<Record<string, SyncFn>>, target: FileSystemObject, args: unknown[]): Promise<unknown> {
  const [from, to, mode] = args;
  const exclusive = ((Number(mode) || 0) & 1) !== 0; // COPYFILE_EXCL
  return ownAsync('fs.copyFile', openThenCopy, fs, target, from, to, exclusive);
}

function* openThenCopy(fs: Readonly<Record<string, SyncFn>>, target: FileSystemObject, from: unknown, to: unknown, exclusive: boolean): Generator<unknown, void, unknown> {
  const [source, fd] = (yield target.op('copyFile', () => {
    const src = fs.openSync!(from, 'r') as number;
    try {
      return [src, fs.openSync!(to, exclusive ? 'wx' : 'w')];
    } catch (err) {
      fs.closeSync!(src);
      throw err;
    }
  }, 'copyFile: open')) as [number, number];
  try {
    yield target.op('copyFile', () => fs.writeFileSync!(fd, fs.readFileSync!(source)), 'copyFile: copy');
  } finally {
    fs.closeSync!(source);
    fs.closeSync!(fd);
  }
}

/**
 * A FileHandle of the virtual filesystem (fs.promises.open): each method is one scheduling
 * point on the file's descriptor in the volume. `open(path, 'wx')` is thus an atomic
 * create-if-absent, as a lock file needs.
 */
class VirtualFileHandle {
  constructor(private readonly fs: Readonly<Record<string, SyncFn>>, private readonly target: FileSystemObject, readonly fd: number) {}

  private on(name: string, run: (fs: Readonly<Record<string, SyncFn>>, fd: number) => unknown): Promise<unknown> {
    return this.target.op(name, () => run(this.fs, this.fd), `filehandle.${name}`);
  }

  readFile(options?: unknown) { return this.on('readFile', (fs, fd) => fs.readFileSync!(fd, options)); }
  writeFile(data: unknown, options?: unknown) { return this.on('writeFile', (fs, fd) => fs.writeFileSync!(fd, data, options)); }
  appendFile(data: unknown, options?: unknown) { return this.on('appendFile', (fs, fd) => fs.appendFileSync!(fd, data, options)); }
  stat(options?: unknown) { return this.on('stat', (fs, fd) => fs.fstatSync!(fd, options)); }
  truncate(length?: number) { return this.on('truncate', (fs, fd) => fs.ftruncateSync!(fd, length)); }
  chmod(mode: unknown) { return this.on('chmod', (fs, fd) => fs.fchmodSync!(fd, mode)); }
  sync() { return this.on('sync', () => undefined); }
  datasync() { return this.on('sync', () => undefined); }
  close() { return this.on('close', (fs, fd) => fs.closeSync!(fd)); }
  [Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]() { return this.close(); }

  read(buffer?: unknown, offset?: number, length?: number, position?: number | null) {
    const options = isBytes(buffer) ? { buffer, offset, length, position } : ((buffer ?? {}) as { buffer?: Uint8Array; offset?: number; length?: number; position?: number | null });
    const into = options.buffer ?? Buffer.alloc(16_384);
    const at = options.offset ?? 0;
    return this.on('read', (fs, fd) => ({ bytesRead: fs.readSync!(fd, into, at, options.length ?? into.byteLength - at, options.position ?? null), buffer: into }));
  }

  write(data: unknown, ...rest: unknown[]) {
    return this.on('write', (fs, fd) => ({ bytesWritten: fs.writeSync!(fd, data, ...rest), buffer: data }));
  }
}

function isBytes(x: unknown): x is Uint8Array {
  return ArrayBuffer.isView(x);
}

/** node:fs's callback functions on descriptors, each one scheduling point. */
const DESCRIPTOR_OPERATIONS: readonly string[] = ['open', 'close', 'fstat', 'ftruncate', 'fsync', 'fdatasync', 'read', 'write'];
/** read and write call back with how many bytes, and the buffer (or string) they were given. */
const BYTES_AND_DATA = (bytes: unknown, args: unknown[]): unknown[] => [bytes, args[1]];

/** The callback form of an operation: it and the callback run in a task of their own. */
function withCallback(name: string, fn: (...args: unknown[]) => Promise<unknown>, spread?: (value: unknown, args: unknown[]) => unknown[]) {
  return (...args: unknown[]) => {
    const callback = args.pop() as (err: unknown, ...values: unknown[]) => void;
    if (typeof callback !== 'function') throw new TypeError(`fs.${name}: the last argument must be a callback`);
    spawn(() => ownAsync(`fs.${name} callback`, callbackTask, () => fn(...args), callback, spread ? (value: unknown) => spread(value, args) : null),
      `fs.${name} callback`);
  };
}

/**
 * Installs a fresh in-memory filesystem over node:fs, node:fs/promises and fs.promises. What
 * heddle does not make scheduling points of (streams, watch, opendir, cp …) is memfs's own, so
 * nothing reaches the disk.
 */
export function installFs(patches: Patches, files: Record<string, string> = {}): void {
  const { fs, promises, target } = build(files);
  const nodeFs = builtin('node:fs');
  const nodePromises = builtin('node:fs/promises');
  const open = (path: unknown, flags: unknown = 'r', mode: unknown = 0o666) => {
    if (callingExecution() === null) return (fs.promises as unknown as Record<string, SyncFn>).open!(path, flags, mode) as Promise<unknown>;
    const reads = flags === 'r' || flags === 'rs';
    return target.op('open', () => new VirtualFileHandle(fs, target, fs.openSync!(path, flags, mode) as number), `open ${String(flags)}`, reads);
  };
  const controlled: Record<string, (...a: unknown[]) => Promise<unknown>> = { ...promises, open };
  const memfsPromises = fs.promises as unknown as Record<string, unknown>;
  for (const name of Object.keys(nodePromises)) {
    const fn = controlled[name] ?? (typeof memfsPromises[name] === 'function' ? (memfsPromises[name] as SyncFn).bind(memfsPromises) : undefined);
    if (fn === undefined) continue;
    patches.set(nodePromises, name, fn);
    patches.set(nodeFs.promises as Record<string, unknown>, name, fn);
  }
  for (const [name, fn] of Object.entries(promises)) patches.set(nodeFs, name, withCallback(name, fn));
  for (const name of DESCRIPTOR_OPERATIONS) {
    const reads = (args: unknown[]) => READS.has(name) || (name === 'open' && (args[1] ?? 'r') === 'r');
    patches.set(nodeFs, name, withCallback(name, oneStep(fs, target, name, reads), name === 'read' || name === 'write' ? BYTES_AND_DATA : undefined));
  }
  for (const name of Object.keys(fs)) {
    if (typeof fs[name] !== 'function' || name in promises || DESCRIPTOR_OPERATIONS.includes(name) || name === 'exists') continue;
    patches.set(nodeFs, name, fs[name]!.bind(fs)); // the Sync functions, streams, watch …: memfs's own
  }
  patches.set(nodeFs, 'exists', (path: unknown, callback: (exists: boolean) => void) => {
    spawn(() => ownAsync('fs.exists callback', existsTask, () => promises.access!(path), callback), 'fs.exists callback');
  });
}

/** fs.exists' task: calls back with whether the access succeeded. */
function* existsTask(access: () => unknown, callback: (exists: boolean) => void): Generator<unknown, void, unknown> {
  let exists = true;
  try {
    yield access();
  } catch {
    exists = false;
  }
  callback(exists);
}
