// Whether a DPOR search's task ids name the same tasks in every execution.
import type { TaskId, TraceStep } from '../types.ts';

/**
 * DPOR names tasks by their ids. A task made while the program runs (a promise reaction, a call
 * of an async function, a spawn) takes the next id when it is made, so two tasks made in one order
 * in one execution and in the other order in another swap ids: the search then takes one for the
 * other — it reverses a race against the wrong task, puts the wrong one to sleep — and can miss
 * a trace. Measured: four clients depositing into three accounts whose deposits are chained
 * promises reach 49 outcomes under random, PCT and POS schedules, 48 under DPOR, which said
 * "verified". Each task is named here by who made it and how many tasks its maker had made
 * before it (the same name in every execution, whatever the order); a search in which a name
 * met two ids, or an id two names, is no proof.
 */
export class TaskNaming {
  private readonly idOf = new Map<string, TaskId>();
  private readonly nameOf = new Map<TaskId, string>();
  /** What showed that ids do not name tasks alike, once an execution did. */
  renamed: string | null = null;

  /** Checks the names of an execution's tasks against those of the executions before. */
  see(trace: readonly TraceStep[]): void {
    if (this.renamed !== null) return;
    const names = new Map<TaskId, string>();
    const made = new Map<TaskId, number>();
    const name = (task: TaskId) => names.get(task) ?? `task ${task}`; // made by no step of a task: its id is its name
    for (const step of trace) {
      if (!this.same(step.task, name(step.task))) return;
      if (step.kind !== 'spawn') continue;
      const k = made.get(step.task) ?? 0;
      made.set(step.task, k + 1);
      const child = `${name(step.task)}/${k}`;
      names.set(step.object, child);
      if (!this.same(step.object, child)) return;
    }
  }

  private same(id: TaskId, name: string): boolean {
    const id0 = this.idOf.get(name);
    const name0 = this.nameOf.get(id);
    if ((id0 === undefined || id0 === id) && (name0 === undefined || name0 === name)) {
      this.idOf.set(name, id);
      this.nameOf.set(id, name);
      return true;
    }
    this.renamed = 'tasks made while the program runs (promise reactions, calls of async functions) took their ids in a ' +
      'different order in different executions, and DPOR, which names tasks by their ids, may have missed traces';
    return false;
  }
}
