// Replaying a recorded prefix, and DPOR's look-aheads: the checks that a replayed step does what
// it did when it was recorded (else the program is not a function of its schedule).
import type { Access } from '../dependence.ts';
import { ScheduleDivergence, type ChoiceContext } from '../strategy.ts';
import type { TaskId } from '../types.ts';
/** The first execution's steps and what each step's op was (shared by its look-aheads). */
export interface FirstRun {
  readonly steps: readonly TaskId[];
  readonly expect: readonly (Access | undefined)[];
}

/** A look-ahead: the first execution up to step `at`, then `task` there (whose op was `op`). */
export interface Lookahead {
  readonly first: FirstRun;
  readonly at: number;
  readonly task: TaskId;
  readonly op: Access | undefined;
}

/**
 * Why a replayed prefix step no longer matches what was recorded there (the chosen task is not
 * runnable, or is about to do another op or touch another object), or null when it matches. The
 * backtrack points below it were computed from the recorded events: exploring on would silently
 * search a different tree.
 */
export function replayMismatch(frame: { readonly chosen: TaskId; readonly next: ReadonlyMap<TaskId, Access> }, ctx: ChoiceContext): string | null {
  return opMismatch(frame.chosen, frame.next.get(frame.chosen), ctx);
}

/** Why `task`, recorded to do `was` at this step, now does something else, or null when it does the same. */
function opMismatch(task: TaskId, was: Access | undefined, ctx: ChoiceContext): string | null {
  const now = ctx.runnable.includes(task) ? ctx.pending(task) : null;
  if (was !== undefined && now !== null && now.kind === was.kind && now.object === was.object) return null;
  const recorded = was === undefined ? 'run' : `${was.kind}${was.object >= 0 ? ` #${was.object}` : ''}`;
  const found = now === null ? 'it is not runnable' : `it is about to ${now.kind}${now.object >= 0 ? ` #${now.object}` : ''}`;
  return `the same schedule prefix ran differently: at step ${ctx.step}, task ${task} was recorded to ${recorded}, now ${found}. ` +
    `State leaks between executions (a module-level object, cache or counter survives from one run to the next) or the ` +
    `code depends on something heddle does not control; build all state inside the scenario body.`;
}

/**
 * A look-ahead's choice: its planned steps (each checked against what the first execution
 * recorded there, as a replayed prefix is), then the running task while it can run, else the
 * lowest runnable one.
 */
export function lookaheadChoice(probe: Lookahead, ctx: ChoiceContext): TaskId {
  const step = ctx.step;
  if (step <= probe.at) {
    const [planned, was] = step < probe.at ? [probe.first.steps[step]!, probe.first.expect[step]] : [probe.task, probe.op];
    const changed = opMismatch(planned, was, ctx);
    if (changed !== null) throw new ScheduleDivergence(changed);
    return planned;
  }
  return ctx.current !== null && ctx.runnable.includes(ctx.current) ? ctx.current : ctx.runnable[0]!;
}

/**
 * Shallow bugs first. Depth-first order meets a schedule that departs from the first one near
 * its start only after everything below it (reorder(5, 5)'s one-preemption assertion was not
 * reached in 2,000,000 traces). So DPOR also looks one step aside at every state of its first
 * execution, the shallowest first: the same prefix up to the state, another runnable task
 * there, then the running task while it can run, else the lowest runnable one. One look-ahead
 * runs after each execution of the search while any is left (at most `max`) and the search
 * is still in the subtree of its first branching step's lowest choice (its index: just after
 * the execution it follows). A part of a split search has none (a look-ahead would leave the
 * part, and a split search that fails reruns whole: dpor-split.ts). A proof thus costs at most
 * twice its traces, and a large one `max` executions more. Look-aheads leave the search as
 * it was (no frame, no race analysis); a failing one is reported as the next schedule, the
 * others are not counted. Exploring the tree itself shallow-first is not sound: a pending
 * branch's subtree receives sequences from races found under the branches before it, so it
 * cannot be explored before them.
 *
 * After the search's first execution (`path`: its states): the look-aheads; `root`: the first
 * branching state. None when that state's step was not its lowest runnable task.
 */
export function lookaheadsOf(path: readonly { readonly runnable: readonly TaskId[]; readonly chosen: TaskId; readonly next: ReadonlyMap<TaskId, Access> }[],
  max: number): { root: number; lookaheads: Lookahead[] } {
  const root = path.findIndex((f) => f.runnable.length > 1);
  const lookaheads: Lookahead[] = [];
  const at = path[root];
  if (at === undefined || at.chosen !== at.runnable[0]) return { root, lookaheads };
  const first: FirstRun = { steps: path.map((f) => f.chosen), expect: path.map((f) => f.next.get(f.chosen)) };
  path.forEach((frame, k) => {
    for (const task of frame.runnable) {
      if (task !== frame.chosen && lookaheads.length < max) lookaheads.push({ first, at: k, task, op: frame.next.get(task) });
    }
  });
  return { root, lookaheads };
}

/** What a DPOR search (or slice, `of`) that found no failure has shown. */
export function dporCoverage(traces: number, of: string, finished: boolean, drawn: string, renamed: string | null = null): string {
  const n = `${traces.toLocaleString('en')} trace${traces === 1 ? '' : 's'}${of}`;
  if (!finished) return `no failure in ${n} (search cut by --max-schedules: not a proof)${drawn}`;
  if (renamed !== null) return `no failure in ${n}; not a proof: ${renamed}${drawn}`;
  return drawn ? `explored all ${n}${drawn}` : `verified: ${n}, complete`;
}
