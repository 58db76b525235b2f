import { explore, type ExploreOptions, type ExploreResult } from '../explore.ts';
import type { WorkerPool } from '../parallel/pool.ts';
import { exploreInWorkers } from '../parallel/split.ts';
import { SliceError } from '../parallel/protocol.ts';
import { InputError } from './input.ts';
import type { LoadedScenario } from './load.ts';

export interface Split {
  /** Worker threads for one search (default 1: this thread). */
  readonly workers: number;
  /** `--shard i/n`: only slice i (1-based) of n. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Worker threads started once for every search of the run (with workers > 1). */
  readonly pool?: WorkerPool;
}

/** Parses `i/n` (1-based): which slice of the search this process explores. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > 10_000) {
    throw new InputError(`--shard expects i/n with 1 ≤ i ≤ n (e.g. 2/3), got '${text}'`);
  }
  return { index: index - 1, count };
}

/** One scenario's search: in this thread, in worker threads, or one shard of it. */
export async function search(loaded: LoadedScenario, options: ExploreOptions, split: Split): Promise<ExploreResult> {
  if (split.workers > 1) {
    if (split.shard) throw new InputError('--workers and --shard do not mix: run one shard per process');
    const { onExecution: _progress, ...plain } = options;
    try {
      return await exploreInWorkers({ file: loaded.file, scenario: loaded.scenario.name, options: plain, count: split.workers }, loaded.scenario, split.pool);
    } catch (e) {
      if (e instanceof SliceError && e.user) throw new InputError(e.message);
      throw e;
    }
  }
  return explore(loaded.scenario, split.shard ? { ...options, shard: split.shard } : options);
}
