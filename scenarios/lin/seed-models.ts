// The seed models checked for linearizability, with no invariant written by hand: each
// operation's result must be one that some sequential order of the same operations gives.
import { linearizability } from 'heddle';
import { BuggyCache } from '../../models/cache/buggy.ts';
import { SafeCache } from '../../models/cache/fixed.ts';
import type { Cache } from '../../models/cache/types.ts';
import { BuggyCounter } from '../../models/counter/buggy.ts';
import { SafeCounter } from '../../models/counter/fixed.ts';
import type { MetricsCounter } from '../../models/counter/types.ts';
import { BuggyJobStore } from '../../models/job-store/buggy.ts';
import { SafeJobStore } from '../../models/job-store/fixed.ts';
import type { JobStore } from '../../models/job-store/types.ts';

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const cacheOps = {
  get: { args: (r: () => number) => [pick(r, ['a', 'b'])], run: (c: Cache<string, number>, [k]: readonly unknown[]) => c.get(k as string) },
  set: { args: (r: () => number) => [pick(r, ['a', 'b']), pick(r, [1, 2])], run: (c: Cache<string, number>, [k, v]: readonly unknown[]) => c.set(k as string, v as number) },
  stats: { run: (c: Cache<string, number>) => c.stats() },
};

const counterOps = {
  increment: { args: (r: () => number) => [pick(r, ['a', 'b'])], run: (c: MetricsCounter, [k]: readonly unknown[]) => c.increment(k as string) },
  snapshot: { run: (c: MetricsCounter) => c.snapshot() },
};

const jobOps = {
  create: { run: async (s: JobStore) => (await s.create()).id },
  // What a status reader sees; createdAt is left out: the specification runs outside virtual time.
  get: { args: (r: () => number) => [pick(r, ['job-1', 'job-2'])], run: async (s: JobStore, [id]: readonly unknown[]) => {
    const job = await s.get(id as string);
    return job && { status: job.status, message: job.message, progress: job.progress };
  } },
  finish: { args: (r: () => number) => [pick(r, ['job-1', 'job-2'])],
    run: (s: JobStore, [id]: readonly unknown[]) => s.update(id as string, { status: 'done', message: 'finished', progress: 100 }) },
  delete: { args: (r: () => number) => [pick(r, ['job-1', 'job-2'])], run: (s: JobStore, [id]: readonly unknown[]) => s.delete(id as string) },
};

export default [
  linearizability({ name: 'lin/cache', create: () => new BuggyCache<string, number>(1), operations: cacheOps, expect: 'linearizability',
    description: 'the buggy LRU cache is not linearizable' }),
  linearizability({ name: 'lin/cache.fixed', create: () => new SafeCache<string, number>(1), operations: cacheOps,
    description: 'the fixed LRU cache is linearizable' }),
  linearizability({ name: 'lin/counter', create: () => new BuggyCounter(), operations: counterOps, expect: 'linearizability',
    description: 'the buggy metrics counter is not linearizable' }),
  linearizability({ name: 'lin/counter.fixed', create: () => new SafeCounter(), operations: counterOps,
    description: 'the fixed metrics counter is linearizable' }),
  linearizability({ name: 'lin/job-store', create: () => new BuggyJobStore(), operations: jobOps, expect: 'linearizability',
    description: 'the buggy job store is not linearizable' }),
  linearizability({ name: 'lin/job-store.fixed', create: () => new SafeJobStore(), operations: jobOps,
    description: 'the fixed job store is linearizable' }),
];
