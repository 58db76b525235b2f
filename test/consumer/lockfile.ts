// The lockfile of the consumer project that test/consumer/package.test.ts installs heddle into.
// CI runs `npm ci` and then the tests without the network: `npm ci` puts the tarballs of this
// repo's lockfile into npm's cache, but not the registry's package documents that `npm install
// heddle.tgz` would need to resolve version ranges. So the consumer gets a lockfile too, cut out
// of this repo's (every package it needs is already in it, at a path that resolves the same way),
// and `npm ci --offline` installs it from the cache alone.

/** One package of a lockfile (v3): only the fields read or written here are named. */
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: Record<string, string> | string;
  engines?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  name: string;
  lockfileVersion: number;
  requires: boolean;
  packages: Record<string, LockEntry>;
}

/** The packed heddle as a dependency: the tarball's name (beside the consumer's package.json), integrity and manifest. */
export interface PackedPackage {
  readonly name: string;
  readonly file: string;
  readonly integrity: string;
  readonly manifest: LockEntry;
}

/** The folder a lockfile path is in, as a lockfile path: `node_modules/a/node_modules/@s/b` → `node_modules/a`. */
function parentOf(path: string): string | undefined {
  if (path === '') return undefined;
  const at = path.lastIndexOf('node_modules/');
  return at <= 0 ? '' : path.slice(0, at - 1);
}

/** Where Node finds package `name` from the package at `path`: the nearest node_modules going up. */
function resolveFrom(packages: Record<string, LockEntry>, path: string, name: string): string | undefined {
  for (let base: string | undefined = path; base !== undefined; base = parentOf(base)) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
  }
  return undefined;
}

/** A package's edges that npm installs: dependencies, optional ones, and peers that are not optional. */
function edges(entry: LockEntry): [name: string, optional: boolean][] {
  const peers = Object.keys(entry.peerDependencies ?? {}).filter((name) => entry.peerDependenciesMeta?.[name]?.optional !== true);
  return [
    ...Object.keys(entry.dependencies ?? {}).map((name): [string, boolean] => [name, false]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name): [string, boolean] => [name, true]),
    ...peers.map((name): [string, boolean] => [name, false]),
  ];
}

/**
 * The consumer's lockfile: `packed` (a tarball in the project's folder) and `also` (exact versions
 * this repo's lockfile has at its top level) as dependencies, with everything they need as this
 * repo's lockfile lays it out. Throws, naming the package, when something needed is not there.
 */
export function consumerLockfile(repo: Lockfile, project: string, packed: PackedPackage, also: readonly string[]): Lockfile {
  const own = repo.packages;
  const picked = new Map<string, LockEntry>();
  const pending: [from: string, name: string, optional: boolean][] = [
    ...edges(packed.manifest).map(([name, optional]): [string, string, boolean] => ['', name, optional]),
    ...also.map((name): [string, string, boolean] => ['', name, false]),
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [from, name, optional] = next;
    const path = resolveFrom(own, from, name);
    if (path === undefined) {
      if (optional) continue;
      throw new Error(`the consumer needs '${name}' (from '${from || 'the project'}'), which is not in this repo's package-lock.json`);
    }
    if (picked.has(path)) continue;
    const { dev: _dev, devOptional, peer: _peer, ...entry } = own[path]!;
    // Optional in this repo's dev tree stays optional (a platform's binary that this machine skips).
    picked.set(path, devOptional === true ? { ...entry, optional: true } : entry);
    for (const [dep, depOptional] of edges(entry)) pending.push([path, dep, depOptional]);
  }
  const dependencies: Record<string, string> = { [packed.name]: `file:${packed.file}` };
  for (const name of also) dependencies[name] = own[`node_modules/${name}`]!.version!;
  const { name: _name, version, ...fields } = packed.manifest;
  const heddle: LockEntry = {
    version,
    resolved: `file:${packed.file}`,
    integrity: packed.integrity,
    ...pick(fields, ['license', 'dependencies', 'bin', 'engines', 'peerDependencies', 'peerDependenciesMeta']),
  };
  const packages: Record<string, LockEntry> = { '': { name: project, dependencies }, [`node_modules/${packed.name}`]: heddle };
  for (const path of [...picked.keys()].sort()) packages[path] = picked.get(path)!;
  return { name: project, lockfileVersion: 3, requires: true, packages };
}

function pick(entry: LockEntry, fields: readonly string[]): LockEntry {
  return Object.fromEntries(fields.filter((field) => entry[field] !== undefined).map((field) => [field, entry[field]]));
}

/** The exact versions `also` has in this repo's lockfile, for the consumer's package.json. */
export function topLevelVersions(repo: Lockfile, also: readonly string[]): Record<string, string> {
  return Object.fromEntries(also.map((name) => [name, repo.packages[`node_modules/${name}`]!.version!]));
}
