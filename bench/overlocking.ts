// Over-locking check (the seed benchmark's bar: the fix may cost less than 3x): each model's
// buggy and fixed versions run the same workload outside the checker, side by side.
// `npx tsx bench/overlocking.ts` prints the table; `npm run bench` includes it.
import { BuggyRegistry } from '../models/breaker-registry/buggy.ts';
import { SafeRegistry } from '../models/breaker-registry/fixed.ts';
import { BuggyCache } from '../models/cache/buggy.ts';
import { SafeCache } from '../models/cache/fixed.ts';
import { BuggyCounter } from '../models/counter/buggy.ts';
import { SafeCounter } from '../models/counter/fixed.ts';
import { BuggyJobStore } from '../models/job-store/buggy.ts';
import { SafeJobStore } from '../models/job-store/fixed.ts';
import { BuggyPool } from '../models/worker-pool/buggy.ts';
import { SafePool } from '../models/worker-pool/fixed.ts';
import type { JobStore } from '../models/job-store/types.ts';
import type { WorkerPool } from '../models/worker-pool/types.ts';
import { renderSection, sideBySide, type Section } from './lib.ts';

const OPS = 20_000;

/** `concurrency` callers at once, each doing its share of `OPS` operations. */
async function load(concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  await Promise.all(Array.from({ length: concurrency }, async (_, c) => {
    for (let i = c; i < OPS; i += concurrency) await op(i);
  }));
  return OPS;
}

const workloads: Record<string, { buggy: () => Promise<number>; fixed: () => Promise<number> }> = {
  counter: {
    buggy: () => { const c = new BuggyCounter(); return load(4, (i) => c.increment(`k${i % 8}`)); },
    fixed: () => { const c = new SafeCounter(); return load(4, (i) => c.increment(`k${i % 8}`)); },
  },
  cache: {
    buggy: () => { const c = new BuggyCache<number, number>(64); return load(4, (i) => (i % 2 ? c.set(i % 100, i) : c.get(i % 100))); },
    fixed: () => { const c = new SafeCache<number, number>(64); return load(4, (i) => (i % 2 ? c.set(i % 100, i) : c.get(i % 100))); },
  },
  registry: {
    buggy: () => { const r = new BuggyRegistry(); return load(4, (i) => r.getBreaker('p', `k${i % 16}`)); },
    fixed: () => { const r = new SafeRegistry(); return load(4, (i) => r.getBreaker('p', `k${i % 16}`)); },
  },
  'job store': {
    buggy: () => jobs(new BuggyJobStore(OPS + 10)),
    fixed: () => jobs(new SafeJobStore(OPS + 10)),
  },
  'worker pool': {
    buggy: () => pool((h) => new BuggyPool(4, h)),
    fixed: () => pool((h) => new SafePool(4, h)),
  },
};

async function jobs(store: JobStore): Promise<number> {
  const ids: string[] = [];
  await load(4, async (i) => {
    if (i % 3 === 0) ids.push((await store.create()).id);
    else if (ids.length > 0) await (i % 3 === 1 ? store.update(ids[i % ids.length]!, { progress: 50 }) : store.get(ids[i % ids.length]!));
  });
  return OPS;
}

async function pool(make: (h: (t: number) => Promise<number>) => WorkerPool<number, number>): Promise<number> {
  const p = make(async (t) => t);
  const tasks = OPS / 4;
  for (let i = 0; i < tasks; i++) await p.submit(i);
  await p.shutdown();
  return tasks;
}

export async function sections(): Promise<Section[]> {
  const rows: (string | number)[][] = [];
  for (const [name, w] of Object.entries(workloads)) {
    const rates = await sideBySide([{ label: "buggy", run: w.buggy }, { label: "fixed", run: w.fixed }], 5);
    const slowdown = rates.get('buggy')! / rates.get('fixed')!;
    rows.push([name, rates.get('buggy')!, rates.get('fixed')!, slowdown, slowdown < 3 ? 'yes' : 'NO']);
  }
  return [{
    title: 'Over-locking: the fixed models against the buggy ones, outside the checker (4 concurrent callers)',
    columns: ['model', 'buggy ops/s', 'fixed ops/s', 'fixed slowdown', '< 3x'],
    rows,
  }];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const s of await sections()) console.log(renderSection(s));
}
