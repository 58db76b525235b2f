// A DPOR search cut into slices that share nothing (worker threads, `--shard i/n`).
import { checkSlice, type ChoiceContext, type SearchStrategy } from '../strategy.ts';
import { choosePivots, pivotParts, type PartSpec, type Pivot, type TaskStep } from './dpor-pivots.ts';
import { DporStrategy } from './dpor.ts';
import { dporCoverage } from './dpor-replay.ts';
import type { DporEvent } from '../dependence.ts';
import type { ExecutionResult, TaskId } from '../types.ts';

/** Indices of a part's executions: part k's run from (k + 1) · PART (0: the discovery executions). */
const PART = 2 ** 24;
/** The whole search's first executions every slice runs (not counted) to choose its pivots from: a few, since each is a cost every slice pays. */
const DISCOVERY = 4;
/** Pairs beyond the ⌈log2 count⌉ that could tell the slices apart: they even out a lopsided pair (see sliceOf). */
const EXTRA_PAIRS = 1;

/**
 * The slice of part m (bit n of m: pair n's order): m's bits folded into ⌈log2 count⌉-bit chunks
 * and XORed, mod count. A slice then takes both orders of every pair, one combined with each
 * order of the others: when pair 0 puts nearly every trace in one order, the other pairs share
 * that order's traces out (with count 2, a slice is the parts with an even number of reversed pairs).
 */
function sliceOf(m: number, count: number): number {
  const bits = Math.max(1, Math.ceil(Math.log2(count)));
  let fold = 0;
  for (let x = m; x > 0; x = Math.floor(x / 2 ** bits)) fold ^= x % 2 ** bits;
  return fold % count;
}

/**
 * What a search's first DISCOVERY executions show, to choose pivot pairs from (choosePivots):
 * their events in the search's task ids, the first one's objects; the search names its tasks.
 */
class Discovery {
  readonly seen: DporEvent[][] = [];
  private first: ExecutionResult | null = null;

  constructor(private readonly search: DporStrategy) {}

  /** Whether DISCOVERY executions have run. */
  get done(): boolean {
    return this.seen.length >= DISCOVERY;
  }

  /** After each execution of the search (the first DISCOVERY are kept). */
  record(result: ExecutionResult): void {
    if (this.done) return;
    this.seen.push(this.search.events(result));
    this.first ??= result;
  }

  /** Up to `count` pairs, none of `already` (none before DISCOVERY executions have run). */
  pairs(count: number, already: readonly Pivot[] = []): [TaskStep, TaskStep][] {
    if (!this.done) return [];
    return choosePivots(this.seen[0]!, this.first!.objects, count, this.seen.slice(1), (t) => this.search.taskName(t), already);
  }
}

/**
 * Slice `index` of `count` of a DPOR search. The search is cut by the order of pairs of
 * conflicting steps (pivots, dpor-pivots.ts), chosen from its first DISCOVERY executions (which
 * every slice runs and none counts): with k pairs there are 2^k parts, one per combination of
 * orders, each exactly the traces in which every pair runs in its order. So the parts share no
 * trace, together they are every trace, and each is its own optimal DPOR search (the pivots enter
 * it as a flag one step sets and the other waits for) — no part waits for another's races, which
 * is what a split of one search's wakeup trees could not avoid. k = ⌈log2 count⌉ + EXTRA_PAIRS
 * when that many pairs qualify (fewer otherwise: one part, slice 1's, when none does, or when the
 * search ended within its discovery executions); part m belongs to slice sliceOf(m, count).
 *
 * What the cut rests on is checked as the parts run: the two steps of a pair, where both ran,
 * conflict. An execution that shows otherwise makes the slice `unsound` and stop; the search is
 * then run whole (explore.ts), as it is when a slice finds a failure, so that a split search
 * reports the failure an unsplit one meets first. A part's execution that ends with every task
 * held back by a pivot (a pair's first step never comes) is cut short, as a sleep-set blocked one.
 */
export class DporSlice implements SearchStrategy {
  readonly name = 'dpor';
  private inner: DporStrategy;
  private parts: Pivot[][] | null = null;
  private part = -1;
  private local = 0;
  private started = false;
  private finished = false;
  private drawn = '';
  /** The whole search's first executions, until the parts are known. */
  private discovery: Discovery | null;
  private lone = false;
  /** The current execution serves the split (the discovery run) or belongs to another part: not counted. */
  probeOnly = true;
  /** Why the pivots do not split this scenario exactly, once an execution showed it. */
  private unsound: string | null = null;

  constructor(readonly index: number, readonly count: number, private readonly conservative = false, private readonly seed = '1') {
    checkSlice(index, count);
    this.inner = new DporStrategy(conservative, seed);
    this.discovery = new Discovery(this.inner);
  }

  get executionIndex(): number {
    return this.part < 0 ? 0 : (this.part + 1) * PART + this.local;
  }

  get complete(): boolean {
    return this.finished && this.unsound === null && this.drawn === '' && this.renamed === null;
  }

  /** Why a part's task ids did not name tasks alike (DporStrategy.renamed), once one showed it. */
  private renamed: string | null = null;

  newExecution(): boolean {
    if (!this.started) {
      this.started = true;
      return this.inner.newExecution();
    }
    if (this.part < 0 && this.parts === null && !this.lone) {
      // Discovery: the whole search's first executions, until DISCOVERY or its end.
      if (!this.discovery!.done && this.inner.newExecution()) return true;
      this.split();
    }
    if (this.parts === null || this.unsound !== null) return this.stop(this.parts === null);
    if (this.part >= 0 && this.inner.newExecution()) {
      this.local++;
      return true;
    }
    if (this.part >= 0) this.drawn ||= this.inner.drawCaveat;
    for (let m = this.part + 1; m < this.parts.length; m++) {
      if (sliceOf(m, this.count) !== this.index) continue;
      this.part = m;
      this.local = 0;
      this.inner = new DporStrategy(this.conservative, this.seed, { pivots: this.parts[m]! });
      return this.inner.newExecution();
    }
    return this.stop(true);
  }

  private stop(finished: boolean): boolean {
    this.finished = finished && this.unsound === null;
    return false;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    return this.inner.nextTask(ctx);
  }

  nextRandom(): number {
    return this.inner.nextRandom();
  }

  endExecution(result: ExecutionResult): void {
    if (this.part < 0) {
      // One that never branched is all there is (explore counts it in slice 1).
      if (this.discovery!.seen.length === 0 && result.branches === 0) this.lone = true;
      this.inner.endExecution(result);
      this.discovery!.record(result);
      return;
    }
    this.inner.endExecution(result);
    this.unsound ??= this.inner.violation;
    this.renamed ??= this.inner.renamed;
    this.probeOnly = !result.pruned && this.inner.outsidePart();
  }

  /** The parts, from the discovery executions: none splits a search that ended within them (slice 1 runs it whole). */
  private split(): void {
    this.parts = pivotParts(this.discovery!.pairs(Math.ceil(Math.log2(this.count)) + EXTRA_PAIRS));
    this.discovery = null;
  }

  wholeNeeded(found: boolean): boolean {
    return found || this.unsound !== null;
  }

  coverage(traces: number): string {
    if (this.unsound !== null) return `no proof: the split does not hold for this scenario (${this.unsound})`;
    return dporCoverage(traces, ` of slice ${this.index + 1}/${this.count}`, this.finished, this.drawn, this.renamed);
  }
}

/** Cuts a part may have come through at most: each adds a pivot (a flag the part waits for), each a chance that the part holds every task back. */
const MAX_DEPTH = 8;
/** A part that has run again without this many pairs that did not hold is not cut again: its pairs are not to be trusted. */
const MAX_AVOIDED = 2;

/** A part of a split search to run, and how to ask, once its first executions have run, whether to cut it instead. */
export interface PartRun {
  readonly spec: PartSpec;
  /** How many pairs to cut the part by (0: run it to its end). Asked once, after its first DISCOVERY executions. */
  readonly cutBy: () => number;
  /** Asked before each execution whether another thread wants work; if so, the part gives some away when it can (DporPart.donate). */
  readonly donate?: {
    readonly wanted: () => boolean;
    /** The part's own spec from now on, and the part it gave away. */
    readonly give: (kept: PartSpec, given: PartSpec) => void;
  };
}

/** Executions between two tries at giving work away while no pair qualifies (each try looks for races in the last execution). */
const DONATE_EVERY = 8;

/**
 * One part of a DPOR search split among worker threads that take parts as they become free
 * (src/parallel/split.ts): the search of the traces its pivots allow (the whole search for the
 * first part, which has none). After its first DISCOVERY executions it is asked whether to be cut
 * further — when no other part waits to be taken, so that a thread that runs out of work finds
 * some — and if so it stops there and says into which parts (`cutInto`): pairs of conflicting steps
 * from those executions, as DporSlice chooses them, each part the traces with one combination of
 * their orders. Those executions are then void (the new parts run them again); a part that is not
 * cut goes on from them to its end. Where the cuts fall depends on which thread is free when; what
 * the parts hold together does not: every trace of the search, each in one part. A part that finds
 * a failure hands the search back whole (wholeNeeded); one whose pivot does not hold stops and
 * says which (`brokenPivot`): the part that pivot was made in then runs again, with that pair
 * among those it avoids (PartSpec.avoid), as do the parts cut from it (exploreParts). Asked for
 * work by a thread that has none (`run.donate`), from its first execution on, it gives a part of
 * what it has left away and goes on without it, its executions kept (`donate`); a part that gave
 * is not cut.
 */
export class DporPart implements SearchStrategy {
  readonly name = 'dpor';
  private readonly inner: DporStrategy;
  private readonly discovery: Discovery;
  private asked = false;
  /** The current execution belongs to another part (a pivot's first step that must run never did): not counted. */
  probeOnly = false;
  /** The parts this one was cut into after its first executions, which are then void; null while it is not. */
  cutInto: PartSpec[] | null = null;

  /** The part's spec: the one it was given, then with the pivot of each donation. */
  spec: PartSpec;
  private sinceTry = DONATE_EVERY;
  private ran = 0;

  constructor(private readonly run: PartRun, conservative: boolean, seed: string) {
    this.spec = run.spec;
    this.inner = new DporStrategy(conservative, seed, { pivots: run.spec.pivots, donor: run.donate !== undefined });
    this.discovery = new Discovery(this.inner);
  }

  /**
   * Gives part of the part's remaining work away, its explored executions kept (DporStrategy.donate):
   * the part it gives, whose traces this one no longer explores; null when it cannot now.
   */
  donate(): PartSpec | null {
    const { pivots, depth, avoid } = this.spec;
    // A part that ran again without pairs that did not hold gives nothing away (as it is not cut): its pairs are not to be trusted.
    if ((avoid?.length ?? 0) >= MAX_AVOIDED) return null;
    const pair = this.inner.donate(avoid);
    if (pair === null) return null;
    const [a, b] = pair;
    const more = avoid !== undefined ? { avoid } : {};
    this.spec = { pivots: [...pivots, { first: a, second: b, firstMustOccur: false }], depth: depth + 1, ...more };
    return { pivots: [...pivots, { first: b, second: a, firstMustOccur: true }], depth: depth + 1, ...more };
  }

  get complete(): boolean {
    return this.cutInto === null && this.inner.complete && this.inner.violation === null;
  }

  get lookahead(): boolean {
    return this.inner.lookahead;
  }

  newExecution(): boolean {
    if (this.inner.violation !== null) return false;
    if (!this.asked && this.discovery.done) {
      this.asked = true;
      const { pivots, depth, avoid = [] } = this.run.spec;
      const wanted = depth < MAX_DEPTH && avoid.length < MAX_AVOIDED ? this.run.cutBy() : 0;
      const pairs = wanted > 0 ? this.discovery.pairs(wanted, [...pivots, ...avoid]) : [];
      if (pairs.length > 0) {
        this.cutInto = pivotParts(pairs).map((more) => ({ pivots: [...pivots, ...more], depth: depth + 1, ...(avoid.length > 0 ? { avoid } : {}) }));
        return false;
      }
    }
    // Asked for work, from its first execution on (before it would be cut: a cut voids its executions, a gift does not).
    const donating = this.run.donate;
    if (donating !== undefined && this.ran > 0 && ++this.sinceTry >= DONATE_EVERY && donating.wanted()) {
      this.sinceTry = 0;
      const given = this.donate();
      if (given !== null) {
        this.sinceTry = DONATE_EVERY;
        this.asked = true; // a part that gave work away is not cut (its executions would be void)
        donating.give(this.spec, given);
      }
    }
    return this.inner.newExecution();
  }

  nextTask(ctx: ChoiceContext): TaskId {
    return this.inner.nextTask(ctx);
  }

  nextRandom(): number {
    return this.inner.nextRandom();
  }

  endExecution(result: ExecutionResult): void {
    this.ran++;
    this.inner.endExecution(result);
    this.discovery.record(result);
    this.probeOnly = !result.pruned && this.inner.outsidePart();
  }

  wholeNeeded(found: boolean): boolean {
    return found;
  }

  /** The index of the pivot that did not hold (the part stopped at once), or null. */
  get brokenPivot(): number | null {
    const n = this.inner.violatedPivot;
    return n < 0 ? null : n;
  }

  coverage(traces: number): string {
    const violation = this.inner.violation;
    return violation !== null ? `no proof: the split does not hold for this scenario (${violation})` : this.inner.coverage(traces);
  }
}

/** DPOR for one part of a split search, one slice of `slice.count`, or the whole search. */
export function dporSearch(slice: { index: number; count: number } | undefined, conservative: boolean, seed: string, part?: PartRun): SearchStrategy {
  if (part !== undefined) return new DporPart(part, conservative, seed);
  return slice !== undefined && slice.count > 1 ? new DporSlice(slice.index, slice.count, conservative, seed) : new DporStrategy(conservative, seed);
}
