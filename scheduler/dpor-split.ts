// DPOR's search state, and its split into subtrees that slices (workers, shards) explore apart.
import { rememberEvent, type Access, type DporEvent } from './dependence.ts';
import { checkSlice } from './strategy.ts';
import type { TaskId } from './types.ts';

/** One state on the current path. */
export interface Frame {
  /** Tasks runnable here (copied: the context's array is reused). */
  readonly runnable: readonly TaskId[];
  /** The next op of every live task here, for the sleep set of the next frame. */
  readonly next: ReadonlyMap<TaskId, Access>;
  /** Tasks asleep on entering: exploring them here would repeat an explored trace. */
  readonly sleep: ReadonlyMap<TaskId, DporEvent>;
  /** Tasks to explore from here (grows as races are found). */
  readonly backtrack: Set<TaskId>;
  /** Tasks already explored from here, with the event each produced. */
  readonly done: Map<TaskId, DporEvent>;
  chosen: TaskId;
  /** The event the chosen task produced in the current execution. */
  event: DporEvent | null;
  /**
   * Objects with an id below this were in use before this state, so they keep their ids in every
   * execution through it; ids at or above it follow this execution's order of first use.
   */
  readonly known: number;
}

/** A step of a unit's spine where two or more tasks are awake. */
interface SplitLevel {
  readonly depth: number;
  /** The awake tasks there, in the order their units are explored. */
  readonly options: readonly TaskId[];
  /** The event each option produces at this step, learnt by probes. */
  readonly events: Map<TaskId, DporEvent>;
}

/** The traces that begin with `prefix`: its last frame holds the unit's choice and, in `done`, the options before it. */
interface Unit {
  readonly prefix: readonly Frame[];
  expanded: boolean;
}

/** A unit being expanded: its spine (first awake option at every step with a choice) so far. */
interface Expansion {
  readonly unit: Unit;
  readonly spine: Frame[];
  readonly levels: SplitLevel[];
  ended: boolean;
}

/** A probe: one option at one level; `seek` (the first option, or the unit's own choice) runs on to the spine's next split level. */
interface Probe {
  readonly level: number;
  readonly option: number;
  readonly seek: boolean;
}

/**
 * Probe executions to spend on splitting, the same for every slice count: the units decide which
 * executions represent each trace and in which order they run, so every count must build the same
 * ones to report the same first failure at the same index.
 */
const PROBE_BUDGET = 256;
/** Split levels per expansion: few, so that the budget goes to many shallow units, not one deep spine. */
const MAX_LEVELS = 2;
/**
 * Steps whose dependence is exact: exploring every option of a level of these repeats no trace.
 * Where a lock, queue or event op, a timer or a fresh object is involved, a sleep set wakes more
 * often than the dependence DPOR's races follow, and exploring options no race calls for would
 * run more executions than a single DPOR run does (pool/active-count.fixed: 56, not 24).
 */
const PRECISE: ReadonlySet<string> = new Set(['read', 'write', 'rmw', 'start']);
/** executionIndex = rank·2^24 + execution within the unit. */
const LOCAL_BITS = 24;

/**
 * Splits a DPOR search into independent units, so slices of it run apart (worker threads,
 * `--shard i/n` on other machines) and no trace is explored twice.
 *
 * Units. The whole tree is one unit. A unit's spine takes the first awake task (option 0) at every
 * step with a choice; its split levels r_1, r_2, … are the spine's steps with two or more awake
 * tasks. Expanding a unit replaces it with (r_j, option k ≥ 1) for every level, plus the spine's
 * own subtree below the deepest level. Such a unit starts with the spine's choices above r_j,
 * option k at r_j and options 0..k-1 of r_j in its sleep set — as a DFS-ordered DPOR run that
 * explored every awake option of every split level would — so together the units run each
 * Mazurkiewicz trace exactly once, the same traces whatever the number of slices. Inside a unit,
 * backtrack points at its root or above need not be explored: every awake option of every split
 * level is a unit or on a spine, and between split levels only one task is awake. A level below
 * the first one of the whole tree is split only where all its options' steps are PRECISE; the
 * spine ends at the first level that is not (its subtree stays one unit, searched by plain DPOR).
 *
 * Why more than the first choice. Splitting there alone does not balance: when the choices there
 * commute, sleep sets leave every subtree but the first empty (lastzero(5): 64 traces and 0).
 * Along one spine, one unit near the top still held 48 of those 64. So units are expanded two
 * levels at a time, the one with the shallowest root first (shallow units hold the most), until
 * PROBE_BUDGET probes are spent or nothing is left to expand. The events of the options are
 * learnt by short probe executions (stopped right after the level's step, or for option 0 at the
 * next split level), run in every slice.
 *
 * Ownership and order. Units are ranked in the order the unsplit search explores them (DFS: a
 * unit's spine subtree, then its deepest level's other options, up to r_1's); slice `index` owns
 * the units with rank mod count = index. Execution indices (rank, then execution within the
 * unit) order the whole search: the lowest failing index is what an unsplit search meets first.
 */
export class SubtreeSplit {
  /** Depth of the current unit's root: frames up to it are fixed; -1 before any unit or when the tree never branches. */
  root = -1;
  probeOnly = false;
  executionIndex = 0;
  private phase: 'probe' | 'explore' | 'done' = 'probe';
  /** In rank order. */
  private readonly units: Unit[] = [{ prefix: [], expanded: true }];
  /** The first execution seeks the first split level of the whole tree. */
  private expansion: Expansion | null = { unit: this.units[0]!, spine: [], levels: [], ended: false };
  private probes = 1;
  private probing: Probe = { level: -1, option: 0, seek: true };
  private rank = -1;
  private local = 0;

  constructor(private readonly index: number, private readonly count: number) {
    checkSlice(index, count);
  }

  /** Probes stop once they know what they probe: the probed step's event, or the next split level. */
  stopsAt(step: number, path: readonly Frame[]): boolean {
    if (this.phase !== 'probe' || this.expansion === null) return false;
    if (!this.probing.seek) return step === this.expansion.levels[this.probing.level]!.depth + 1;
    const last = step - 1;
    return last >= this.expansion.spine.length && path[last] !== undefined && awake(path[last]).length > 1;
  }

  /** Learns from a finished execution; true when it was a probe. */
  learn(path: Frame[]): boolean {
    if (this.phase !== 'probe' || this.expansion === null) return false;
    const x = this.expansion;
    const { level, seek } = this.probing;
    if (level >= 0) remember(x.levels[level]!, path);
    if (seek) {
      const from = x.spine.length;
      const depth = path.findIndex((f, i) => i >= from && awake(f).length > 1);
      if (depth < 0) {
        x.ended = true;
        if (x.unit.prefix.length === 0 && x.levels.length === 0) {
          // One schedule only: it belongs to the first slice.
          this.probeOnly = this.index !== 0;
          this.phase = 'done';
          return true;
        }
      } else {
        for (const f of path.slice(from, depth + 1)) x.spine.push({ ...f, backtrack: new Set([f.chosen]), done: new Map() });
        const options = awake(path[depth]!);
        x.levels.push({ depth, options, events: new Map() });
        remember(x.levels.at(-1)!, path);
        x.spine[depth] = { ...x.spine[depth]!, chosen: options[0]!, event: null, backtrack: new Set([options[0]!]) };
      }
    }
    this.probeOnly = true;
    return true;
  }

  /** True while probes remain to be run. */
  pending(): boolean {
    return this.phase === 'probe';
  }

  /** Sets up the next probe or the next owned unit on `path`; false when all are done. */
  next(path: Frame[], setReplayed: (depth: number) => void): boolean {
    if (this.phase === 'probe') {
      const probe = this.nextProbe();
      if (probe !== null) {
        const x = this.expansion!;
        this.probing = probe;
        this.probes++;
        if (probe.seek) load(path, x.spine);
        else {
          const { depth, options } = x.levels[probe.level]!;
          const choice = options[probe.option]!;
          load(path, [...x.spine.slice(0, depth), { ...x.spine[depth]!, chosen: choice, event: null, backtrack: new Set([choice]), done: new Map() }]);
        }
        this.probeOnly = true;
        setReplayed(Math.max(0, path.length - 1));
        return true;
      }
      this.phase = 'explore';
    }
    if (this.phase !== 'explore') return false;
    for (let rank = this.rank + 1; rank < this.units.length; rank++) {
      if (rank % this.count !== this.index) continue;
      this.rank = rank;
      this.local = 0;
      load(path, this.units[rank]!.prefix);
      this.root = path.length - 1;
      this.probeOnly = false;
      this.executionIndex = rank * 2 ** LOCAL_BITS;
      setReplayed(this.root);
      return true;
    }
    this.phase = 'done';
    return false;
  }

  /** Counts an execution inside the current unit (for executionIndex). */
  advance(): void {
    if (this.phase === 'explore') this.executionIndex = this.rank * 2 ** LOCAL_BITS + ++this.local;
  }

  /** The next probe: of the unit being expanded (its deepest level's options, then the next level), or of the next unit to expand. */
  private nextProbe(): Probe | null {
    for (;;) {
      const x = this.expansion;
      if (x === null) {
        if (this.probes >= PROBE_BUDGET) return null;
        let unit: Unit | undefined;
        for (const u of this.units) if (!u.expanded && (unit === undefined || u.prefix.length < unit.prefix.length)) unit = u;
        if (unit === undefined) return null;
        unit.expanded = true;
        this.expansion = { unit, spine: [...unit.prefix], levels: [], ended: false };
        continue;
      }
      const last = x.levels.at(-1);
      if (last !== undefined) {
        const option = last.options.findIndex((t) => !last.events.has(t));
        if (option >= 0) return { level: x.levels.length - 1, option, seek: false };
        // The first level of the whole tree is always split (as a single DPOR run explores any choice there).
        if (!(x.unit.prefix.length === 0 && x.levels.length === 1) && [...last.events.values()].some(imprecise)) {
          x.levels.pop();
          x.spine.length = (x.levels.at(-1)?.depth ?? x.unit.prefix.length - 1) + 1;
          x.ended = true;
        }
      }
      if (!x.ended && x.levels.length < MAX_LEVELS) return { level: x.levels.length - 1, option: 0, seek: true };
      this.units.splice(this.units.indexOf(x.unit), 1, ...children(x));
      this.expansion = null;
    }
  }
}

/** The units an expansion replaces its unit with, in DFS order: the spine's subtree, then the other options from the deepest level up. */
function children(x: Expansion): Unit[] {
  if (x.levels.length === 0) return [x.unit];
  const out: Unit[] = [{ prefix: x.spine, expanded: false }];
  for (let level = x.levels.length - 1; level >= 0; level--) {
    const { depth, options, events } = x.levels[level]!;
    for (let option = 1; option < options.length; option++) {
      const choice = options[option]!;
      const done = new Map<TaskId, DporEvent>();
      for (const earlier of options.slice(0, option)) done.set(earlier, events.get(earlier)!);
      out.push({ prefix: [...x.spine.slice(0, depth), { ...x.spine[depth]!, chosen: choice, event: null, backtrack: new Set([choice]), done }], expanded: false });
    }
  }
  return out;
}

function awake(frame: Frame): TaskId[] {
  return frame.runnable.filter((t) => !frame.sleep.has(t));
}

/**
 * A sleep set holding this event may wake too early (a fresh object stands for any later one; a
 * timer orders against every wake-up): exploring every option of such a level would repeat
 * traces that a single DPOR run, exploring only the options races call for, does not.
 */
function imprecise(event: DporEvent): boolean {
  return event.accesses.some((x) => x.freshFrom !== undefined || !PRECISE.has(x.kind));
}

/** The event the probe's path took at the level's step. */
function remember(level: SplitLevel, path: readonly Frame[]): void {
  const frame = path[level.depth]!;
  level.events.set(frame.chosen, rememberEvent(frame.event!, frame.known));
}

/** Replays `prefix`: copies, so the search never changes a unit's frames. */
function load(path: Frame[], prefix: readonly Frame[]): void {
  path.length = 0;
  for (const f of prefix) path.push({ ...f, backtrack: new Set(f.backtrack), done: new Map(f.done) });
}
