import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Which modules heddle instruments: the user's own code (every file outside node_modules), and
// the packages they name. Not heddle itself: its runtime must not schedule its own awaits.

/** heddle's own folders, under its root: the engine, the runtime, a build. */
const OWN_FOLDERS = ['src', 'scheduler', 'dist'];

/**
 * The folder that holds heddle's src/ and scheduler/, two levels above src/instrument/: the
 * package root in the repo, its dist/ in a build (node_modules/heddle/dist), so the own folders
 * below are the ones the running code is in either way. A function, not a constant: in the repo
 * the hooks thread loads this file as CommonJS (through tsx) and is passed the root instead.
 */
export function heddleRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export interface PolicyOptions {
  /** heddle's root (heddleRoot(): the folder of its src/ and scheduler/). */
  readonly root: string;
  /** Package names opted in (`p-memoize`, `@scope/name`): the folder name under node_modules counts. */
  readonly packages?: Iterable<string> | undefined;
}

export class InstrumentPolicy {
  private readonly own: string[];
  private readonly packages = new Set<string>();

  constructor(options: PolicyOptions) {
    this.own = OWN_FOLDERS.map((folder) => resolve(options.root, folder) + sep);
    this.add(options.packages ?? []);
  }

  /** Opts more packages in (from the CLI, or a scenario's `instrument: [...]` as it is loaded). */
  add(packages: Iterable<string>): void {
    for (const name of packages) this.packages.add(name);
  }

  /** The packages opted in so far. */
  opted(): string[] {
    return [...this.packages];
  }

  /** Whether the module at `url` (a `file:` URL or an absolute path; a query is ignored) is instrumented. */
  selects(url: string): boolean {
    const path = filePath(url);
    if (path === undefined) return false;
    if (this.own.some((folder) => path.startsWith(folder))) return false;
    const name = packageName(path);
    return name === undefined || this.packages.has(name);
  }
}

/** The file a module URL or id names; undefined for `node:`, `data:` and the like. */
export function filePath(url: string): string | undefined {
  const bare = url.split('?')[0]!.split('#')[0]!;
  if (bare.startsWith('file:')) {
    try {
      return fileURLToPath(bare);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(bare) ? bare : undefined;
}

/**
 * The package a file belongs to, by the folder under its last `node_modules` (a dependency of a
 * dependency is its own package); undefined for a file outside node_modules.
 */
export function packageName(path: string): string | undefined {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const first = parts[at + 1];
  if (first === undefined || first.startsWith('.')) return first; // node_modules/.cache, .vite, …: a name nobody opts in
  return first.startsWith('@') && parts[at + 2] !== undefined ? `${first}/${parts[at + 2]}` : first;
}
