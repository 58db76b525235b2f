import type { TaskId } from './types.ts';

// A clock is a persistent trie of counters, 32 per node, shared between clocks copy-on-write.
// Race detection keeps a clock per task and per synchronisation channel; with N tasks a dense
// array per clock made every spawn, release and join cost O(N) and the clocks O(N²) memory
// (a lock handed from task to task carries every earlier holder's component). Sharing makes a
// clone O(1), and a join walks only the subtrees in which the two clocks differ: a task that
// takes a lock adopts the lock's subtrees by reference and copies the few paths it changed.

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

/**
 * The identity of a clock's current version. A node may be changed in place only by the clock
 * whose token it carries; a clock gets a new token whenever its nodes become shared (a clone, or
 * another clock adopting them in a join), so nodes reachable from two clocks are never changed.
 */
type Edit = object;

/** A leaf (counts of up to 32 consecutive tasks) or an inner node (up to 32 children). */
class ClockNode {
  constructor(
    readonly edit: Edit,
    /** A leaf's counts (an inner node's is NONE): dense, as long as its highest task seen. */
    readonly counts: number[],
    /** An inner node's children (a leaf's is NONE); null for an all-zero subtree. */
    readonly kids: (ClockNode | null)[],
  ) {}
}

// Never written: a leaf only touches its counts, an inner node only its kids.
const NO_COUNTS: number[] = [];
const NO_KIDS: (ClockNode | null)[] = [];

/**
 * A vector clock: one logical counter per task. `a.lessOrEqual(b)` when every component of a
 * is ≤ b's: the event stamped a is ordered before the event stamped b. Used for happens-before
 * through synchronisation objects (race detection).
 */
export class VectorClock {
  private root: ClockNode | null = null;
  /** The root covers tasks below WIDTH << shift; a leaf sits at shift 0. */
  private shift = 0;
  private edit: Edit = {};

  get(task: TaskId): number {
    let s = this.shift;
    if (task >= WIDTH << s) return 0;
    let node = this.root;
    while (node !== null && s > 0) {
      const kids = node.kids;
      const i = (task >>> s) & MASK;
      node = i < kids.length ? kids[i]! : null;
      s -= BITS;
    }
    if (node === null) return 0;
    const i = task & MASK;
    return i < node.counts.length ? node.counts[i]! : 0;
  }

  /** Advances the task's own component (a new event of that task). */
  tick(task: TaskId): this {
    const root = this.root;
    // Fast path, a few tasks: the root is a leaf this clock owns, already as long as the task.
    if (this.shift === 0 && root !== null && root.edit === this.edit && task < root.counts.length) {
      root.counts[task]!++;
      return this;
    }
    while (task >= WIDTH << this.shift) this.grow();
    let node = this.root = this.own(this.root, this.shift);
    for (let s = this.shift; s > 0; s -= BITS) {
      const kids = node.kids;
      const i = (task >>> s) & MASK;
      while (kids.length <= i) kids.push(null);
      node = kids[i] = this.own(kids[i]!, s - BITS);
    }
    const counts = node.counts;
    const i = task & MASK;
    while (counts.length <= i) counts.push(0);
    counts[i]!++;
    return this;
  }

  /** Component-wise maximum, in place: this task has now seen everything `other` saw. */
  join(other: VectorClock): this {
    if (other.root === null || other.root === this.root) return this;
    other.edit = {}; // its nodes may be adopted below: from now on they are shared
    while (this.shift < other.shift) this.grow();
    this.root = this.joinAt(this.root, this.shift, other.root, other.shift);
    return this;
  }

  /** True when every component is ≤ the other's (this event is ordered before, or equal). */
  lessOrEqual(other: VectorClock): boolean {
    let ordered = true;
    this.forEach((task, count) => {
      if (count > other.get(task)) ordered = false;
    });
    return ordered;
  }

  /** Neither ordered before the other: the two events are concurrent. */
  concurrentWith(other: VectorClock): boolean {
    return !this.lessOrEqual(other) && !other.lessOrEqual(this);
  }

  /** A copy; O(1): the two share their nodes until either changes. */
  clone(): VectorClock {
    const copy = new VectorClock();
    copy.root = this.root;
    copy.shift = this.shift;
    this.edit = {};
    return copy;
  }

  toString(): string {
    const counts: number[] = [];
    this.forEach((task, count) => {
      while (counts.length < task) counts.push(0);
      counts[task] = count;
    });
    return `[${counts.join(',')}]`;
  }

  /** Every stored component (zeros included), in task order. */
  private forEach(f: (task: TaskId, count: number) => void): void {
    const walk = (node: ClockNode | null, s: number, base: number): void => {
      if (node === null) return;
      if (s === 0) node.counts.forEach((c, i) => f(base + i, c));
      else node.kids.forEach((kid, i) => walk(kid, s - BITS, base + (i << s)));
    };
    walk(this.root, this.shift, 0);
  }

  /** One more level above the root: the old root becomes its first child. */
  private grow(): void {
    if (this.root !== null) this.root = new ClockNode(this.edit, NO_COUNTS, [this.root]);
    this.shift += BITS;
  }

  /** The node (a leaf at shift 0), made changeable by this clock: itself, a copy, or a new one. */
  private own(node: ClockNode | null, s: number): ClockNode {
    if (node === null) return s === 0 ? new ClockNode(this.edit, [], NO_KIDS) : new ClockNode(this.edit, NO_COUNTS, []);
    if (node.edit === this.edit) return node;
    return s === 0 ? new ClockNode(this.edit, node.counts.slice(), NO_KIDS) : new ClockNode(this.edit, NO_COUNTS, node.kids.slice());
  }

  /** Joins `theirs` (a subtree at shift ts ≤ s, covering tasks from 0) into `mine` (at shift s). */
  private joinAt(mine: ClockNode | null, s: number, theirs: ClockNode, ts: number): ClockNode | null {
    if (s === ts) return this.merge(mine, theirs, s);
    const first = mine === null || mine.kids.length === 0 ? null : mine.kids[0]!;
    const merged = this.joinAt(first, s - BITS, theirs, ts);
    if (merged === first) return mine;
    const node = this.own(mine, s);
    if (node.kids.length === 0) node.kids.push(merged);
    else node.kids[0] = merged;
    return node;
  }

  /** The component-wise maximum of two subtrees at shift s: `mine` itself when theirs adds nothing. */
  private merge(mine: ClockNode | null, theirs: ClockNode | null, s: number): ClockNode | null {
    if (theirs === null || mine === theirs) return mine;
    if (mine === null) return theirs; // adopted by reference: its clock's token was renewed
    if (s === 0) {
      const b = theirs.counts;
      const a = mine.counts;
      let i = 0;
      while (i < b.length && b[i]! <= (i < a.length ? a[i]! : 0)) i++;
      if (i === b.length) return mine;
      const node = this.own(mine, 0);
      const c = node.counts;
      while (c.length < b.length) c.push(0);
      for (; i < b.length; i++) if (b[i]! > c[i]!) c[i] = b[i]!;
      return node;
    }
    const b = theirs.kids;
    let node = mine;
    for (let i = 0; i < b.length; i++) {
      const before = i < node.kids.length ? node.kids[i]! : null;
      const after = this.merge(before, b[i]!, s - BITS);
      if (after === before) continue;
      if (node === mine) node = this.own(mine, s);
      const kids = node.kids;
      while (kids.length <= i) kids.push(null);
      kids[i] = after;
    }
    return node;
  }
}
