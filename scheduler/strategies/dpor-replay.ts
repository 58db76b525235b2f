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
