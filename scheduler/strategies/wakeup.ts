import { withoutWildcards, type DporEvent } from '../dependence.ts';
import type { TaskId } from '../types.ts';

// Wakeup trees (Abdulla, Aronis, Jonsson, Sagonas, "Source Sets: A Foundation for Optimal
// Dynamic Partial Order Reduction", JACM 2017): at each state of the current path, the sequences
// still to explore from it, as an ordered tree of events. A sequence is inserted only when it
// starts a trace no explored or planned sequence starts.
//
// The trees can hold a node for every trace still to explore (readers(n) plans every subset of
// readers that may read before the write), so a node is an entry in flat arrays (its event and
// two links), not an object with an array of children, and stored events are shared by content
// rather than kept per execution that found them.

/** Whether two events of different tasks must keep their order (heddle's dependence, or a conservative one). */
export type Dependence = (a: DporEvent, b: DporEvent) => boolean;

/** No node: node ids start at 1, so fresh (zeroed) arrays need no filling and pages not yet used stay unmapped. */
const NONE = 0;

/**
 * The nodes of every wakeup tree of one search. A node has an event (what its task did where
 * the sequence was found), an ordered list of children (what to run after it; empty: anything)
 * and a next sibling. The branches of a state are the children of one node: the branch of the
 * state before it that leads here, or a root made for the state. Nodes of explored branches are
 * freed and reused.
 */
export class WakeupForest {
  private events: (DporEvent | undefined)[] = [undefined];
  private firstChild = new Int32Array(1024);
  private nextSibling = new Int32Array(1024);
  /** 1: the node is UNCERTAIN (see WakeupTree.insert), and so is everything under it. */
  private uncertain = new Uint8Array(1024);
  /**
   * Provenance, kept for a search that may hand part of its work to another thread
   * (dpor-donate.ts): the race whose reversal made each node (0: none, or not kept), and 1 when
   * the insertion of another race's reversal went through the node since.
   */
  private race = new Int32Array(1024);
  private shared = new Uint8Array(1024);
  /** Freed nodes, linked through nextSibling. */
  private free = NONE;
  private allocated = 1;
  private inUse = 0;
  /** Stored events by content: sequences found in different executions share their event objects. */
  private readonly interned = new Map<string, DporEvent>();

  /** Nodes in use (roots included). */
  get size(): number {
    return this.inUse;
  }

  /** A tree whose branches are the given tasks, in order, each with its event not known yet. */
  tree(tasks: readonly TaskId[]): WakeupTree {
    const tree = new WakeupTree(this, this.node(undefined), true);
    for (const t of tasks) tree.add(t);
    return tree;
  }

  node(event: DporEvent | undefined, uncertain = false, race = 0): number {
    let n = this.free;
    if (n !== NONE) this.free = this.nextSibling[n]!;
    else {
      n = this.allocated++;
      if (n === this.firstChild.length) this.grow();
    }
    this.inUse++;
    this.events[n] = event;
    this.firstChild[n] = NONE;
    this.nextSibling[n] = NONE;
    this.uncertain[n] = uncertain ? 1 : 0;
    this.race[n] = race;
    this.shared[n] = 0;
    return n;
  }

  private grow(): void {
    const size = this.firstChild.length * 2;
    const first = new Int32Array(size);
    const next = new Int32Array(size);
    const uncertain = new Uint8Array(size);
    const race = new Int32Array(size);
    const shared = new Uint8Array(size);
    first.set(this.firstChild);
    next.set(this.nextSibling);
    uncertain.set(this.uncertain);
    race.set(this.race);
    shared.set(this.shared);
    this.firstChild = first;
    this.nextSibling = next;
    this.uncertain = uncertain;
    this.race = race;
    this.shared = shared;
  }

  /** An insertion for race `race` (0: provenance not kept) went through node `n`. */
  walked(n: number, race: number): void {
    if (race !== 0 && this.race[n] !== race) this.shared[n] = 1;
  }

  /** Whether node `n` and everything under it were made by the reversal of race `race` alone (see `race`). */
  madeOnlyBy(n: number, race: number): boolean {
    if (this.race[n] !== race || this.shared[n] === 1) return false;
    for (let c = this.firstChild[n]!; c !== NONE; c = this.nextSibling[c]!) if (!this.madeOnlyBy(c, race)) return false;
    return true;
  }

  /** The race whose reversal made node `n` (0: none, or not kept). */
  madeBy(n: number): number {
    return this.race[n]!;
  }

  /** Removes child `c` of `n`, and frees it and everything under it. */
  remove(n: number, c: number): void {
    if (this.firstChild[n] === c) this.firstChild[n] = this.nextSibling[c]!;
    else {
      let k = this.firstChild[n]!;
      while (this.nextSibling[k] !== c) k = this.nextSibling[k]!;
      this.nextSibling[k] = this.nextSibling[c]!;
    }
    this.nextSibling[c] = NONE;
    this.release(c);
  }

  /** Frees node `n` and everything under it. */
  release(n: number): void {
    const stack = [n];
    while (stack.length > 0) {
      const m = stack.pop()!;
      for (let c = this.firstChild[m]!; c !== NONE; c = this.nextSibling[c]!) stack.push(c);
      this.events[m] = undefined;
      this.nextSibling[m] = this.free;
      this.free = m;
      this.inUse--;
    }
  }

  event(n: number): DporEvent {
    return this.events[n]!;
  }

  setEvent(n: number, event: DporEvent): void {
    this.events[n] = event;
  }

  isUncertain(n: number): boolean {
    return this.uncertain[n] === 1;
  }

  first(n: number): number {
    return this.firstChild[n]!;
  }

  next(n: number): number {
    return this.nextSibling[n]!;
  }

  /** Removes the first child of `n` (it must have one) and returns it, still allocated. */
  detachFirst(n: number): number {
    const c = this.firstChild[n]!;
    this.firstChild[n] = this.nextSibling[c]!;
    this.nextSibling[c] = NONE;
    return c;
  }

  /** Makes `c` the last child of `n`. */
  append(n: number, c: number): void {
    let k = this.firstChild[n]!;
    if (k === NONE) {
      this.firstChild[n] = c;
      return;
    }
    for (let s = this.nextSibling[k]!; s !== NONE; s = this.nextSibling[s]!) k = s;
    this.nextSibling[k] = c;
  }

  /** The stored form of an event: one object per distinct event of the search. */
  intern(event: DporEvent): DporEvent {
    let key = `${event.task}`;
    for (const x of event.accesses) key += `|${x.kind} ${x.object} ${x.freshFrom ?? ''}`;
    const known = this.interned.get(key);
    if (known !== undefined) return known;
    this.interned.set(key, event);
    return event;
  }
}

/** A copy of a branch of a wakeup tree (WakeupTree.branches). */
export interface WakeupBranch {
  readonly event: DporEvent;
  readonly branches: readonly WakeupBranch[];
}

/** The branches of one state: the children of a node of the forest, in order (the first is being explored). */
export class WakeupTree {
  constructor(private readonly forest: WakeupForest, private readonly owner: number, private readonly root: boolean) {}

  /** The task of the first branch, or undefined when every branch is explored. */
  get firstTask(): TaskId | undefined {
    const c = this.forest.first(this.owner);
    return c === NONE ? undefined : this.forest.event(c).task;
  }

  /** What to run after the first branch's step (it must have one); empty: anything. */
  plan(): WakeupTree {
    return new WakeupTree(this.forest, this.forest.first(this.owner), false);
  }

  get isEmpty(): boolean {
    return this.forest.first(this.owner) === NONE;
  }

  /** Records the event the first branch's step produced in this execution. */
  setFirstEvent(event: DporEvent): void {
    this.forest.setEvent(this.forest.first(this.owner), event);
  }

  /** Drops the first branch (its subtree explored) and returns the event it had. */
  shift(): DporEvent {
    const c = this.forest.detachFirst(this.owner);
    const event = this.forest.event(c);
    this.forest.release(c);
    return event;
  }

  has(task: TaskId): boolean {
    for (let c = this.forest.first(this.owner); c !== NONE; c = this.forest.next(c)) if (this.forest.event(c).task === task) return true;
    return false;
  }

  /** Adds a branch of one step whose event is not known yet (it is filled in when the step has run). */
  add(task: TaskId): void {
    this.forest.append(this.owner, this.forest.node(this.forest.intern({ task, accesses: [] })));
  }

  /** A new tree in the same forest whose one branch is `task`. */
  fresh(task: TaskId): WakeupTree {
    return this.forest.tree([task]);
  }

  /** The branches in order, each with its event and what follows it (for tests and debugging: it copies the tree). */
  branches(): WakeupBranch[] {
    const out: WakeupBranch[] = [];
    for (let c = this.forest.first(this.owner); c !== NONE; c = this.forest.next(c)) {
      out.push({ event: this.forest.event(c), branches: new WakeupTree(this.forest, c, false).branches() });
    }
    return out;
  }

  /**
   * For a search that hands part of its work to another thread (dpor-donate.ts): collects into
   * `out` (as parent and child) the branches under this tree's node, past its first `skip`, every
   * way down which reaches a step `doomed` names (counting, in `counts`, the steps each task has
   * taken: this tree's state's counts on entry, restored on return). False when such a branch was
   * not made by the reversal of race `race` alone, or hangs from a node that race made: removing
   * it would not leave the tree the other races' reversals built.
   */
  doomedBranches(skip: number, counts: Map<TaskId, number>, doomed: (task: TaskId, counts: ReadonlyMap<TaskId, number>) => boolean,
    race: number, out: [number, number][]): boolean {
    const forest = this.forest;
    type Kind = 'doomed' | 'clean' | 'mixed' | 'refused';
    const under = (n: number, from: number, top: boolean): Kind => {
      const kinds: [number, Kind][] = [];
      let i = 0;
      for (let c = forest.first(n); c !== NONE; c = forest.next(c), i++) if (i >= from) kinds.push([c, visit(c)]);
      if (kinds.some(([, k]) => k === 'refused')) return 'refused';
      if (!top && kinds.length > 0 && kinds.every(([, k]) => k === 'doomed')) return 'doomed';
      for (const [c, k] of kinds) {
        if (k !== 'doomed') continue;
        if (!forest.madeOnlyBy(c, race) || forest.madeBy(n) === race) return 'refused';
        out.push([n, c]);
      }
      return kinds.some(([, k]) => k === 'doomed' || k === 'mixed') ? 'mixed' : 'clean';
    };
    const visit = (n: number): Kind => {
      const task = forest.event(n).task;
      if (doomed(task, counts)) return 'doomed';
      const k = counts.get(task) ?? 0;
      counts.set(task, k + 1);
      const kind = under(n, 0, false);
      counts.set(task, k);
      return kind;
    };
    return under(this.owner, skip, true) !== 'refused';
  }

  /** Removes branches `doomedBranches` collected. */
  removeBranches(branches: readonly (readonly [number, number])[]): void {
    for (const [parent, child] of branches) this.forest.remove(parent, child);
  }

  /** Frees the tree's own root, once its state has left the path (a tree under a branch goes with that branch). */
  release(): void {
    if (this.root) this.forest.release(this.owner);
  }

  /**
   * Inserts sequence `v`, unless an existing branch already covers it: walking down, a child
   * whose task is an initial of what is left of `v` consumes that event; a child whose task is
   * not in it and commutes with all of it is passed through; `v` used up, or a leaf reached,
   * covers it. Otherwise what is left becomes a new branch, after the existing ones. (That a
   * leaf covers `v` needs `v` to be the whole notdep sequence — every later event that does not
   * depend on the race's first, not only those before its second: see findRaces.)
   * The events of `v` are those of one execution, compared with each other as they are; what is
   * stored is `remember(event)`, the form in which later executions can compare with it.
   *
   * UNCERTAIN nodes. A stored event may hold wildcards (rememberEvent), so a child may be taken
   * for dependent on `v` when the event it stands for commutes with all of it: `v` then becomes a
   * branch after that child though the child's task is really a weak initial of it (and the
   * same when a sleeper's wildcards hid that it was one: `uncertain`, from the caller). Such a
   * branch breaks the trees' ordering invariant: when it runs, that earlier task sleeps, and the
   * races of its free continuation are dropped for that sleeper (reverse), which only the
   * invariant makes sound. Running it costs at worst a blocked execution; what must not happen is
   * that it COVERS another sequence by the leaf rule, which trusts exactly that free continuation
   * (a lost trace: lastzero(3) over objects heddle cannot name). So such nodes, and every node
   * later put under them, are marked, and a leaf in an uncertain subtree covers nothing: what is
   * left of `v` goes under it, explored as planned. Likewise a `v` that may have such a child or
   * sleeper as a weak initial is covered by no leaf it reaches past it. Only executions can be
   * added this way: marks only ever turn a `false` (covered) into an insertion.
   *
   * `race` (not 0): the race `v` reverses, kept as the provenance of the nodes it makes and goes
   * through (see WakeupForest's `race`).
   */
  insert(v: readonly DporEvent[], dependent: Dependence, remember: (event: DporEvent) => DporEvent, uncertain = false, race = 0): boolean {
    const forest = this.forest;
    let owner = this.owner;
    const rest = [...v];
    let top = true;
    let under = !this.root && forest.isUncertain(owner);
    for (;;) {
      if (rest.length === 0) return false;
      // A leaf: exploring on from it reaches v's trace (unless either may break the invariant).
      if (!top && !under && !uncertain && forest.first(owner) === NONE) return false;
      let next = NONE;
      for (let child = forest.first(owner); child !== NONE; child = forest.next(child)) {
        const event = forest.event(child);
        const k = initialIndex(event.task, rest, dependent);
        if (k >= 0) {
          rest.splice(k, 1);
          next = child;
          break;
        }
        if (k === -2) {
          if (rest.every((e) => !dependent(event, e))) {
            next = child;
            break;
          }
          // Dependent through a wildcard only: the child's task may be a weak initial of `v`.
          if (!uncertain && event !== withoutWildcards(event)) uncertain = rest.every((e) => !dependent(withoutWildcards(event), e));
        }
      }
      if (next === NONE) {
        let parent = owner;
        for (const e of rest) {
          const node = forest.node(forest.intern(remember(e)), uncertain || under, race);
          forest.append(parent, node);
          parent = node;
        }
        return true;
      }
      owner = next;
      forest.walked(next, race);
      top = false;
      under ||= forest.isUncertain(next);
    }
  }
}

/**
 * Index in `v` of task `p`'s first event when it is an initial of `v` (no earlier event of `v`
 * must stay before it), else -1. `p` has no event in `v`: -2.
 */
function initialIndex(p: TaskId, v: readonly DporEvent[], dependent: Dependence): number {
  const k = v.findIndex((e) => e.task === p);
  if (k < 0) return -2;
  for (let m = 0; m < k; m++) if (dependent(v[m]!, v[k]!)) return -1;
  return k;
}

/**
 * Whether task `p`, whose next event is `event`, is a weak initial of `v` after the same state:
 * some execution equivalent to one extending `v` starts with `p` (it is an initial of `v`, or
 * has no event in `v` and commutes with all of it). A sleeping task that is a weak initial of
 * `v` means `v` leads only to explored traces.
 */
export function weakInitial(p: TaskId, event: DporEvent, v: readonly DporEvent[], dependent: Dependence): boolean {
  const k = initialIndex(p, v, dependent);
  if (k >= 0) return true;
  if (k === -1) return false;
  return v.every((e) => !dependent(event, e));
}
