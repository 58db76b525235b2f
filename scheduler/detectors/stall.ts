import type { TaskId, TraceStep } from '../types.ts';

/** Why an execution cannot go on: a task awaits a promise heddle does not control. */
export function stallMessage(task: { id: TaskId; name: string } | null, last: { index: number; step: TraceStep } | null,
  suspending: boolean, off?: readonly string[]): string {
  const who = task ? `task ${task.id} '${task.name}'` : 'a task';
  const after = last === null ? 'before its first operation'
    : `after step ${last.index} (${last.step.kind}${last.step.location ? ' at ' + last.step.location : ''})`;
  return `${who} awaited something heddle does not control (a timer, real I/O or a bare Promise) ${after}` +
    (suspending ? ' and no task left will settle it' : '') +
    `; wrap the call with controlled(), ${turnOn(off)}or use heddle's primitives`;
}

/** The parts of the Node environment a scenario can turn on for code that awaits them. */
export const ENVIRONMENT: readonly string[] = ['timers', 'fs', 'events'];

/** Advice to turn on the parts of the environment that are off (none: nothing to say; unknown: all of them). */
export function turnOn(off: readonly string[] = ENVIRONMENT): string {
  return off.length === 0 ? '' : `turn on the scenario's environment (${off.join(', ')}), `;
}
