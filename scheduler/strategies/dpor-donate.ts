// Handing part of a running DPOR search to another thread, its explored executions kept: work
// sharing for a split search (src/parallel/split.ts) when a thread runs out of parts.
import type { DporEvent } from '../dependence.ts';
import type { ObjectInfo, TaskId } from '../types.ts';
import { findRaces } from './dpor-races.ts';
import { samePair, stepsOf, type Pivot, type TaskStep } from './dpor-pivots.ts';
import type { Dependence } from './wakeup.ts';
import type { Frame } from './dpor-frame.ts';

/** A task's step as one number (the search's task id, then the step: tasks ids stay far below 2^32). */
const stepKey = (task: TaskId, step: number): number => task * 2 ** 20 + step;

/**
 * Which steps of other tasks ran before each step, and conflicted with it, in every execution of
 * a search so far: for a step b, the set shrinks with each execution that runs b (a step missing
 * from an execution that runs b is dropped).
 */
export class Precedence {
  private readonly before = new Map<number, Set<number>>();

  /**
   * After each execution (its events in the search's task ids, before any pivot's flag is added).
   * Its events before `from` are the previous execution's (a replayed prefix): what ran before
   * them, and whether it conflicted, is unchanged, so only the later ones are looked at.
   */
  record(events: readonly DporEvent[], dependent: Dependence, from = 0): void {
    const steps = stepsOf(events);
    const keys = events.map((e, i) => stepKey(e.task, steps[i]!));
    const at = new Map<number, number>();
    keys.forEach((k, i) => at.set(k, i));
    events.forEach((e, j) => {
      if (j < from) return;
      const set = this.before.get(keys[j]!);
      if (set === undefined) {
        const first = new Set<number>();
        for (let i = 0; i < j; i++) if (events[i]!.task !== e.task && dependent(events[i]!, e)) first.add(keys[i]!);
        this.before.set(keys[j]!, first);
        return;
      }
      for (const x of set) {
        const i = at.get(x);
        if (i === undefined || i >= j || !dependent(events[i]!, e)) set.delete(x);
      }
    });
  }

  /** Whether step a ran before step b, and conflicted with it, in every execution that ran b. */
  always(a: { task: TaskId; step: number }, b: { task: TaskId; step: number }): boolean {
    return this.before.get(stepKey(b.task, b.step))?.has(stepKey(a.task, a.step)) ?? false;
  }
}

/**
 * Ids of races between two task steps, for the provenance of the wakeup trees' nodes
 * (WakeupForest's `race`): one id per pair of steps for the whole search, from 1.
 */
export class RaceIds {
  private readonly ids = new Map<number, Map<number, number>>();
  private count = 0;

  /** The id of the race of an execution's events `first` and `second` (a second at the end: a waiting op of `task`), made on first use. */
  of(events: readonly DporEvent[], steps: readonly number[], first: number, second: number, task: TaskId): number {
    const b = events[second];
    const bKey = b !== undefined ? stepKey(b.task, steps[second]!) : stepKey(task, events.filter((e) => e.task === task).length);
    const a = stepKey(events[first]!.task, steps[first]!);
    let row = this.ids.get(a);
    if (row === undefined) this.ids.set(a, (row = new Map()));
    let id = row.get(bKey);
    if (id === undefined) row.set(bKey, (id = ++this.count));
    return id;
  }

  /** The id of the race of step a and step b, if its reversal was ever planned. */
  get(a: { task: TaskId; step: number }, b: { task: TaskId; step: number }): number | undefined {
    return this.ids.get(stepKey(a.task, a.step))?.get(stepKey(b.task, b.step));
  }
}

/** What the donation needs of a state on a DPOR search's current path. */
export type DonorFrame = Pick<Frame, 'runnable' | 'unpivoted' | 'wakeup' | 'chosen'>;

/** A DPOR search as a donation sees it, between two of its executions (dpor.ts). */
export interface Donor {
  readonly path: readonly DonorFrame[];
  /** The last execution's events on the path, and its objects. */
  readonly events: readonly DporEvent[];
  readonly objects: readonly ObjectInfo[];
  readonly history: Precedence;
  readonly dependent: Dependence;
  readonly conservative: boolean;
  readonly nameOf: (task: TaskId) => string | undefined;
  /** The races' ids (given when their reversals were planned). */
  readonly races: RaceIds;
  /** The part's pivots and the pairs it avoids (pairs not to give away by). */
  readonly pivots: readonly Pivot[];
}

/** How many candidate pairs a donation looks at, the earliest first. */
const CANDIDATES = 16;

/**
 * Chooses a pair of steps a and b of the search's last execution and makes the search the part
 * in which a runs before b (or b never runs): what it gives away is the part in which b runs
 * first, a search of its own for another thread (the caller adds the pivots). Returns the pair as
 * (a, b), or null when no pair qualifies; the search is changed only when one does.
 *
 * Why the search may go on as the smaller part with nothing explored lost. The part "a before b"
 * is DPOR on the program with a flag a sets and b waits for (PivotGate). Had that search run from
 * the start, it would have run the same executions so far, and its state would be this one without
 * what reversing the race of a and b added, when:
 *  - in every execution so far, a ran before b and conflicted with it, wherever b ran (Precedence):
 *    so every execution so far is one of the part's, and each conflict and happens-before edge is
 *    the same with the flag (the flag's set and wait order only what a and b's own conflict
 *    orders). The flag's only effects are then that b is held back where its step would come
 *    before a's, which no choice so far did, and that the race of a and b is not reversed;
 *  - every branch that reversal planned is still pending (it would have run b first), each is
 *    removed whole, and none was shared with the reversal of another race (WakeupForest's
 *    provenance: no other insertion went through its nodes, and none of them hangs from a node
 *    the reversal made): removing it leaves the trees the other races built, in their order;
 *  - the states of the path no longer count b as runnable where the flag would hold it back.
 * So the search then explores exactly the part's traces it has not explored yet, and the other
 * part (b first) exactly those it no longer will. The pair is a race of the last execution whose
 * reversal planned a branch at the shallowest state: that branch, the largest of those pending,
 * goes to the other thread.
 */
export function donate(d: Donor): [TaskStep, TaskStep] | null {
  const { path, events } = d;
  const n = Math.min(events.length, path.length);
  const evs = events.slice(0, n);
  const runnableAt = (step: number, task: TaskId) => (path[step]!.unpivoted ?? path[step]!.runnable).includes(task);
  const steps = stepsOf(evs);
  const seen = new Set<number>(); // race ids: one per pair of steps
  const candidates: { a: { task: TaskId; step: number }; b: { task: TaskId; step: number }; race: number; named: [TaskStep, TaskStep] }[] = [];
  for (const r of findRaces(evs, 0, d.dependent, d.conservative, d.objects, runnableAt)) {
    if (r.second >= n || candidates.length === CANDIDATES) continue;
    const a = { task: evs[r.first]!.task, step: steps[r.first]! };
    const b = { task: evs[r.second]!.task, step: steps[r.second]! };
    const race = d.races.get(a, b);
    if (race === undefined || seen.has(race) || !d.history.always(a, b)) continue;
    const [aName, bName] = [d.nameOf(a.task), d.nameOf(b.task)];
    if (aName === undefined || bName === undefined) continue;
    const named: [TaskStep, TaskStep] = [{ task: aName, step: a.step }, { task: bName, step: b.step }];
    if (d.pivots.some((p) => samePair(p, ...named))) continue;
    seen.add(race);
    candidates.push({ a, b, race, named });
  }
  type Doomed = (task: TaskId, counts: ReadonlyMap<TaskId, number>) => boolean;
  let best: { b: TaskId; named: [TaskStep, TaskStep]; doomed: Doomed; out: [number, number][]; at: number } | null = null;
  for (const { a, b, race, named } of candidates) {
    // b's step would come before a's: b has taken `b.step` steps, a at most `a.step`.
    const doomed: Doomed = (task, counts) => task === b.task && (counts.get(b.task) ?? 0) === b.step && (counts.get(a.task) ?? 0) <= a.step;
    const counts = new Map<TaskId, number>();
    const out: [number, number][] = [];
    let at = -1;
    let ok = true;
    for (let f = 0; f < path.length; f++) {
      const frame = path[f]!;
      if (doomed(frame.chosen, counts)) ok = false; // b ran before a: Precedence would have said so
      const before = out.length;
      ok &&= frame.wakeup.doomedBranches(1, counts, doomed, race, out);
      if (at < 0 && out.length > before) at = f;
      counts.set(frame.chosen, (counts.get(frame.chosen) ?? 0) + 1);
    }
    if (ok && path.length > 0) {
      const before = out.length;
      ok = path[path.length - 1]!.wakeup.plan().doomedBranches(0, counts, doomed, race, out);
      if (at < 0 && out.length > before) at = path.length;
    }
    if (!ok || at < 0) continue;
    if (best === null || at < best.at || (at === best.at && out.length > best.out.length)) best = { b: b.task, named, doomed, out, at };
  }
  if (best === null) return null;
  const { b, doomed, out } = best;
  path[0]!.wakeup.removeBranches(out);
  // Where the flag holds b back (its step would come before a's), b is not runnable.
  const counts = new Map<TaskId, number>();
  for (const frame of path) {
    if (doomed(b, counts) && frame.runnable.includes(b)) {
      frame.unpivoted ??= frame.runnable;
      frame.runnable = frame.runnable.filter((t) => t !== b);
    }
    counts.set(frame.chosen, (counts.get(frame.chosen) ?? 0) + 1);
  }
  return best.named;
}
