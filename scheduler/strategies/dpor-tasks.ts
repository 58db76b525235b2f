// A DPOR search's task ids: the same task has the same id in every execution.
import { namesTask } from '../ops.ts';
import type { ChoiceContext } from '../strategy.ts';
import type { ObjectId, OpKind, PendingOp, TaskId, TraceStep } from '../types.ts';

/**
 * Task ids as DPOR sees them: the same id for the same task in every execution. The engine's
 * ids follow the order tasks are made in, and promise reactions, calls of async functions and
 * spawns are made in different orders in different executions: named by those ids, DPOR took
 * one task for another — four clients depositing through chained promises reached 48 of the 49
 * outcomes random, PCT and POS reach, and it said "verified". Here a task that exists before the
 * search's first choice keeps its own id (everything before that choice runs alike in every
 * execution); a task made later is named by its maker and how many tasks its maker had made
 * before it, and each name gets one id for the whole search, from above those of the first
 * tasks. The search works on these ids; the engine's are translated at each choice and for each
 * finished execution. A task made after the first choice by no step of a task has no such name:
 * it keeps its engine id, and the search is no proof (`unnamed`).
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
  /** Each stable id's name, for the whole search. */
  private readonly nameById = new Map<TaskId, string>();
  /** Why the search is no proof, once a task made after the first choice by no step of a task showed it. */
  unnamed: string | null = null;
  /** Told each time a task gets its name in an execution (a split search's pivots name tasks by these names). */
  onNamed: ((name: string, id: TaskId) => void) | null = null;

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
      for (const t of ctx.live) if (!this.toStable.has(t)) this.orphan(t);
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

  /** The name of a stable id: the same task in every search of the program (undefined for a task nothing names alike). */
  nameOf(task: TaskId): string | undefined {
    return this.nameById.get(task);
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

  /** A task no step of a task made: named by its id, which only the first choice's tasks may be. */
  private orphan(task: TaskId): void {
    if (this.branched) {
      this.unnamed ??= `task ${task} was made while the program ran by no step of a task, so nothing names it alike in every ` +
        'execution, and DPOR may have taken it for another and missed traces';
      this.toStable.set(task, task);
      return;
    }
    this.map(task, `task ${task}`);
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
    this.nameById.set(id, name);
    this.onNamed?.(name, id);
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
