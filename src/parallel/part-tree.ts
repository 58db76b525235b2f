// The parts of a DPOR search split among worker threads (exploreParts): which part each was cut
// from, which wait to be taken, which ran to their end, and which are void.
import type { ExploreResult } from '../explore.ts';
import type { PartSpec } from '../../scheduler/strategies/dpor-pivots.ts';

/** A part handed out, by the id the tree gave it. */
export interface Part {
  readonly id: number;
  readonly spec: PartSpec;
}

/**
 * The tree of parts: the whole search at the root, each part's children the parts it was cut
 * into. The leaves that ran to their end are together the search's traces, each once — unless a
 * pivot did not hold (its two steps commuted in some execution: a trace in both orders, so in two
 * parts). The part that pivot was made in (cut into the parts whose pivots hold it) then runs
 * again, avoiding that pair, and everything cut from it before is void: results dropped, waiting
 * parts taken off the queue, running ones told to stop. What the leaves hold together is again
 * every trace once, as the rerun part is the union of the void ones.
 */
export class PartTree<R = ExploreResult> {
  private nextId = 0;
  private readonly parts = new Map<number, { readonly spec: PartSpec; readonly parent: number | null }>();
  /** Parts run again: they and every part cut from them before are void. */
  private readonly rerun = new Set<number>();
  private readonly waiting: Part[] = [];
  private readonly ended = new Map<number, R>();

  constructor() {
    this.add({ pivots: [], depth: 0 }, null);
  }

  /** A new part cut from `parent`, waiting to be taken. */
  private add(spec: PartSpec, parent: number | null): Part {
    const part = { id: this.register(spec, parent), spec };
    this.waiting.unshift(part);
    return part;
  }

  /** A new part's id. */
  private register(spec: PartSpec, parent: number | null): number {
    const id = this.nextId++;
    this.parts.set(id, { spec, parent });
    return id;
  }

  /** How many parts wait to be taken. */
  get queued(): number {
    return this.waiting.length;
  }

  /** The next part to run (the newest first: those just cut from a large part). */
  take(): Part | undefined {
    return this.waiting.shift();
  }

  /** Part `id` was cut into `specs` (which are taken first, in order). */
  cut(id: number, specs: readonly PartSpec[]): void {
    if (this.isVoid(id)) return;
    for (const spec of [...specs].reverse()) this.add(spec, id);
  }

  /**
   * Part `id`, running, gave part of its work away (DporPart.donate): it goes on as a part cut
   * from it (`kept`, whose id this returns: the one it ends as), and `given` waits to be taken.
   * A void part gives nothing (its own id back).
   */
  donate(id: number, kept: PartSpec, given: PartSpec): number {
    if (this.isVoid(id)) return id;
    const keep = this.register(kept, id);
    this.add(given, id);
    return keep;
  }

  /** Part `id` ran to its end. */
  finish(id: number, result: R): void {
    if (!this.isVoid(id)) this.ended.set(id, result);
  }

  /**
   * Pivot `n` of part `id` did not hold: the part it was made in (the nearest one it was cut from
   * that has fewer pivots) runs again, avoiding that pair. False when the part has no such pivot.
   */
  broke(id: number, n: number): boolean {
    if (this.isVoid(id)) return true;
    const pivot = this.parts.get(id)!.spec.pivots[n];
    let maker = this.parts.get(id)!.parent;
    while (maker !== null && this.parts.get(maker)!.spec.pivots.length > n) maker = this.parts.get(maker)!.parent;
    if (pivot === undefined || maker === null) return false;
    const made = this.parts.get(maker)!;
    this.rerun.add(maker);
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.isVoid(this.waiting[i]!.id)) this.waiting.splice(i, 1);
    for (const done of [...this.ended.keys()]) if (this.isVoid(done)) this.ended.delete(done);
    this.add({ ...made.spec, avoid: [...(made.spec.avoid ?? []), pivot] }, made.parent);
    return true;
  }

  /** Whether part `id` is void: it, or a part it was cut from, runs again. */
  isVoid(id: number): boolean {
    for (let at: number | null = id; at !== null; at = this.parts.get(at)!.parent) if (this.rerun.has(at)) return true;
    return false;
  }

  /** The results of the parts that ran to their end and are not void. */
  results(): R[] {
    return [...this.ended.values()];
  }
}
