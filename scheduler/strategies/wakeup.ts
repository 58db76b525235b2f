import type { DporEvent } from '../dependence.ts';
import type { TaskId } from '../types.ts';

// Wakeup trees (Abdulla, Aronis, Jonsson, Sagonas, "Source Sets: A Foundation for Optimal
// Dynamic Partial Order Reduction", JACM 2017): at each state of the current path, the sequences
// still to explore from it, as an ordered tree of events. A sequence is inserted only when it
// starts a trace no explored or planned sequence starts.

/** One planned step: a task and the event it produced where the sequence was found. */
export interface WakeupNode {
  readonly task: TaskId;
  event: DporEvent;
  /** What to run after this step, in order; empty: anything (the sequence ends here). */
  readonly children: WakeupNode[];
}

/** Whether two events of different tasks must keep their order (heddle's dependence, or a conservative one). */
export type Dependence = (a: DporEvent, b: DporEvent) => boolean;

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

/**
 * Inserts sequence `v` under `root` (the children of a state), unless an existing branch already
 * covers it: walking down, a child whose task is an initial of what is left of `v` consumes that
 * event; a child whose task is not in it and commutes with all of it is passed through; `v`
 * used up, or a leaf reached, covers it. Otherwise what is left becomes a new branch, after the
 * existing ones. (That a leaf covers `v` needs `v` to be the whole notdep sequence — every later
 * event that does not depend on the race's first, not only those before its second: see
 * findRaces.)
 * The events of `v` are those of one execution, compared with each other as they are; what is
 * stored is `remember(event)`, the form in which later executions can compare with it.
 */
export function insertSequence(root: WakeupNode[], v: readonly DporEvent[], dependent: Dependence,
  remember: (event: DporEvent) => DporEvent): boolean {
  let children = root;
  let rest = [...v];
  let top = true;
  for (;;) {
    if (rest.length === 0) return false;
    if (!top && children.length === 0) return false; // a leaf: exploring on from it reaches v's trace
    let next: WakeupNode | null = null;
    for (const child of children) {
      const k = initialIndex(child.task, rest, dependent);
      if (k >= 0) {
        rest = [...rest.slice(0, k), ...rest.slice(k + 1)];
        next = child;
        break;
      }
      if (k === -2 && rest.every((e) => !dependent(child.event, e))) {
        next = child;
        break;
      }
    }
    if (next === null) {
      children.push(chain(rest.map(remember)));
      return true;
    }
    children = next.children;
    top = false;
  }
}

function chain(v: readonly DporEvent[]): WakeupNode {
  let node: WakeupNode = { task: v[v.length - 1]!.task, event: v[v.length - 1]!, children: [] };
  for (let k = v.length - 2; k >= 0; k--) node = { task: v[k]!.task, event: v[k]!, children: [node] };
  return node;
}

/** A branch of one step whose event is not known yet (it is filled in when the step has run). */
export function branch(task: TaskId): WakeupNode {
  return { task, event: { task, accesses: [] }, children: [] };
}
