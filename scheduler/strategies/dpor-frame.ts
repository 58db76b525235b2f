// A DPOR search's states on its current path (dpor.ts), as plain data.
import type { Access, DporEvent } from '../dependence.ts';
import type { TaskId } from '../types.ts';
import type { WakeupTree } from './wakeup.ts';

/** One state on the current path. */
export interface Frame {
  /** Tasks runnable here (copied: the context's array is reused), without those a pivot holds back (a donation adds one: dpor-donate.ts). */
  runnable: readonly TaskId[];
  /** With pivots, when they held some task back: every task runnable here (whether a task's op could run here); else null. */
  unpivoted: readonly TaskId[] | null;
  /** The next op of every live task here, for the sleep set of the next frame. */
  readonly next: ReadonlyMap<TaskId, Access>;
  /** Tasks asleep on entering: exploring them here would repeat an explored trace. */
  readonly sleep: ReadonlyMap<TaskId, DporEvent>;
  /**
   * The wakeup tree: sequences to explore from here, in order (grows as races are found). The
   * first is the branch being explored; it leaves when its subtree is done.
   */
  readonly wakeup: WakeupTree;
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
