// Whether a DPOR search's task ids name the same tasks in every execution.
import { namesTask } from '../ops.ts';
import type { ChoiceContext } from '../strategy.ts';
import type { ObjectId, OpKind, PendingOp, TaskId, TraceStep } from '../types.ts';

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

/**
 * Task ids as DPOR sees them: the same id for the same task in every execution. A task that
 * exists before the search's first choice keeps its own id (everything before that choice runs
 * alike in every execution); a task made later is named by its maker and how many tasks its
 * maker had made before it, and each name gets one id for the whole search, from above those of
 * the first tasks. The search works on these ids; the engine's are translated at each choice and
 * for each finished execution. A task made after the first choice by no step of a task (nothing
 * names it) keeps its engine id and leaves the search no proof (TaskNaming then tells it).
 */
export class StableTasks {
  /** Stable id by name, for the whole search; the next free one. */
  private readonly byName = new Map<string, TaskId>();
  private nextId = -1;
  /** The current execution's engine ids to stable ids and back, names by engine id, tasks made by each. */
  private toStable = new Map<TaskId, TaskId>();
  private toEngine = new Map<TaskId, TaskId>();
  private names = new Map<TaskId, string>();
  private made = new Map<TaskId, number>();
  private branched = false;
  /** Every task of this execution so far keeps its engine id (then the context need not be translated). */
  private same = true;
  /** The highest engine id named so far (engine ids grow as tasks are made: a higher one is a new task). */
  private highest = -1;

  /** A new execution starts. */
  reset(): void {
    this.toStable = new Map();
    this.toEngine = new Map();
    this.names = new Map();
    this.made = new Map();
    this.branched = false;
    this.same = true;
    this.highest = -1;
  }

  /** At a scheduling point, before the search sees it: who the previous step made, then the tasks alive. */
  view(ctx: ChoiceContext): ChoiceContext {
    const last = ctx.live[ctx.live.length - 1] ?? -1;
    if (last > this.highest) {
      // A task was made since the last scheduling point: by the step before it (a spawn), or by no task.
      if (ctx.current !== null) {
        for (const op of ctx.previousStep()) if (op.kind === 'spawn') this.spawned(ctx.current, op.object);
      }
      for (const t of ctx.live) if (!this.toStable.has(t)) this.map(t, `task ${t}`);
      this.highest = last;
    }
    if (ctx.runnable.length > 1 && !this.branched) {
      this.branched = true;
      if (this.nextId < 0) this.nextId = Math.max(-1, ...this.toStable.keys()) + 1;
    }
    return this.same ? ctx : new StableContext(ctx, this);
  }

  /** The engine's id of a task the search chose. */
  engine(task: TaskId): TaskId {
    return this.same ? task : (this.toEngine.get(task) ?? task);
  }

  stable(task: TaskId): TaskId {
    return this.toStable.get(task) ?? task;
  }

  /** An op as the search sees it (a spawn or join names a task). */
  op<T extends { readonly kind: OpKind; readonly object: number }>(op: T): T {
    return namesTask(op.kind) && !this.same ? { ...op, object: this.stable(op.object) } : op;
  }

  /** A finished execution's trace in stable ids (tasks made by its last steps named too). */
  trace(trace: readonly TraceStep[]): readonly TraceStep[] {
    for (const step of trace) if (step.kind === 'spawn') this.spawned(step.task, step.object);
    if (this.same) return trace;
    return trace.map((s) => ({ ...s, task: this.stable(s.task), ...(namesTask(s.kind) ? { object: this.stable(s.object) } : {}) }));
  }

  private spawned(parent: TaskId, child: TaskId): void {
    if (this.toStable.has(child)) return;
    const k = this.made.get(parent) ?? 0;
    this.made.set(parent, k + 1);
    this.map(child, `${this.names.get(parent) ?? `task ${parent}`}/${k}`);
  }

  private map(task: TaskId, name: string): void {
    this.names.set(task, name);
    let id = task;
    if (this.branched) {
      id = this.byName.get(name) ?? this.nextId++;
      this.byName.set(name, id);
    }
    this.toStable.set(task, id);
    this.toEngine.set(id, task);
    if (id !== task) this.same = false;
  }
}

/** A scheduling point with the engine's task ids replaced by stable ones (StableTasks). */
class StableContext implements ChoiceContext {
  readonly runnable: readonly TaskId[];
  readonly live: readonly TaskId[];
  readonly current: TaskId | null;

  constructor(private readonly ctx: ChoiceContext, private readonly tasks: StableTasks) {
    this.runnable = ctx.runnable.map((t) => tasks.stable(t));
    this.live = ctx.live.map((t) => tasks.stable(t));
    this.current = ctx.current === null ? null : tasks.stable(ctx.current);
  }

  get step(): number {
    return this.ctx.step;
  }

  get objectCount(): number {
    return this.ctx.objectCount;
  }

  pending(task: TaskId): PendingOp | null {
    const op = this.ctx.pending(this.tasks.engine(task));
    return op === null ? null : this.tasks.op(op);
  }

  previousStep(): readonly PendingOp[] {
    return this.ctx.previousStep().map((op) => this.tasks.op(op));
  }

  birth(object: ObjectId): number | undefined {
    return this.ctx.birth(object);
  }
}
