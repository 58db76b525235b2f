import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { instrument, isInstrumented, TRANSFORM_VERSION, type InstrumentOptions, type SourceMap } from './transform.ts';

// Transformed modules cached on disk by content: a run that loads the same files again (every
// `check`, every worker thread) pays a hash and a file read instead of a parse and a rewrite.

/** What a cached transform keeps: enough for a loader (the code) and the static scan. */
export interface CachedTransform {
  readonly code: string;
  readonly map: SourceMap | undefined;
  readonly instrument: string[];
  /** How many sites the module has. */
  readonly sites: number;
  /** Whether the code differs from the input (false: nothing to rewrite, the code is the source). */
  readonly changed: boolean;
}

/** `node_modules/.cache/heddle` under `cwd` when there is a node_modules there, else a folder in the OS temp dir. */
export function defaultCacheDir(cwd = process.cwd()): string {
  const modules = join(cwd, 'node_modules');
  return existsSync(modules) ? join(modules, '.cache', 'heddle') : join(tmpdir(), 'heddle-cache');
}

export class TransformCache {
  /** undefined: no cache (none asked for, or the folder is not writable). */
  private dir: string | undefined;

  constructor(dir: string | undefined) {
    this.dir = dir;
  }

  /** instrument(), or its stored result for the same transform version, URL, options and source. */
  transform(source: string, options: InstrumentOptions): CachedTransform {
    if (isInstrumented(source)) return { code: source, map: options.inputMap, instrument: [], sites: 0, changed: false };
    const key = this.dir === undefined ? undefined : cacheKey(source, options);
    const hit = key === undefined ? undefined : this.read(key);
    if (hit !== undefined) return hit.changed ? hit : { ...hit, code: source, map: options.inputMap };
    const result = instrument(source, options);
    const changed = result.code !== source;
    const entry: CachedTransform = { code: result.code, map: result.map, instrument: result.instrument, sites: result.sites.length, changed };
    // An unchanged module stores nothing but the fact (and the scan): its code is its source.
    if (key !== undefined) this.write(key, changed ? entry : { ...entry, code: '', map: undefined });
    return entry;
  }

  private read(key: string): CachedTransform | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir!, `${key}.json`), 'utf8')) as CachedTransform;
    } catch {
      return undefined; // missing or half-written by a crashed process: a miss
    }
  }

  private write(key: string, entry: CachedTransform): void {
    const path = join(this.dir!, `${key}.json`);
    // Unique per process and thread: two threads may store the same key at once.
    const temp = `${path}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(this.dir!, { recursive: true });
      writeFileSync(temp, JSON.stringify(entry));
      renameSync(temp, path); // atomic: a reader sees the whole entry or none
    } catch {
      // Not writable (a read-only checkout, a full disk): run without a cache from now on.
      this.dir = undefined;
      try {
        rmSync(temp, { force: true });
      } catch {
        // the folder itself is not there
      }
    }
  }
}

/**
 * The transform's own code, hashed once per thread: an edit to it (without a bump of
 * TRANSFORM_VERSION) must not serve code rewritten by the old one.
 */
let fingerprint: string | undefined;
function transformFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash('sha256');
  for (const name of ['transform', 'source-map', 'rewrite', 'edit', 'scope', 'async', 'track', 'chain', 'patterns', 'loops', 'temps']) {
    for (const ext of ['.ts', '.js']) {
      try {
        hash.update(readFileSync(new URL(`./${name}${ext}`, import.meta.url)));
      } catch {
        // that build of it is not there
      }
    }
  }
  return (fingerprint = hash.digest('hex').slice(0, 16));
}

function cacheKey(source: string, options: InstrumentOptions): string {
  const hash = createHash('sha256');
  hash.update(`heddle-transform-${TRANSFORM_VERSION}-${transformFingerprint()}\0${options.url}\0${options.format ?? ''}\0${options.inlineMap === false ? 'external' : 'inline'}\0`);
  // A map handed beside the source (vite) changes the sites' lines without changing the source.
  if (options.inputMap !== undefined) hash.update(JSON.stringify(options.inputMap.mappings));
  hash.update('\0');
  hash.update(source);
  return hash.digest('hex');
}
