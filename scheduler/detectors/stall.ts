import type { TaskId, TraceStep } from '../types.ts';

/** Why an execution cannot go on: a task awaits a promise heddle does not control. */
export function stallMessage(task: { id: TaskId; name: string } | null, last: { index: number; step: TraceStep } | null,
  suspending: boolean): string {
  const who = task ? `task ${task.id} '${task.name}'` : 'a task';
  const after = last === null ? 'before its first operation'
    : `after step ${last.index} (${last.step.kind}${last.step.location ? ' at ' + last.step.location : ''})`;
  return `${who} awaited something heddle does not control (a timer, real I/O or a bare Promise) ${after}` +
    (suspending ? ' and no task left will settle it' : '') +
    `; wrap the call with controlled(), turn on the scenario's environment (timers, fs, events), or use heddle's primitives`;
}
