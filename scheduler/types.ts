// Plain data shared by the engine, the strategies and the detectors.
// Nothing here prints, parses flags or reads the clock.

/** Index of a task inside one execution: 0 is the scenario body, spawned tasks follow. */
export type TaskId = number;

/** Index of a synchronisation object inside one execution, in order of first use. */
export type ObjectId = number;

/**
 * What a task is about to do (pending) or did (in the trace). Every primitive records one
 * before it yields, so strategies, DPOR and the deadlock detector can see it. What each kind
 * means — what it touches, orders and synchronises, how reports name it — is its entry in OPS
 * (ops.ts); a new kind needs one there.
 */
export type OpKind =
  | 'start' // a task's first step
  | 'yield' // yieldNow(): no object
  | 'read'
  | 'write'
  | 'rmw' // read-modify-write in one step (Shared.update, compare-and-set)
  | 'lock'
  | 'unlock'
  | 'acquire' // semaphore
  | 'release'
  | 'set' // event
  | 'clear'
  | 'wait'
  | 'is-set'
  | 'put' // queue
  | 'get'
  | 'task-done'
  | 'join-queue'
  | 'spawn'
  | 'join' // join another task
  | 'sleep'
  | 'random'
  | 'call' // a controlled function or method is called
  | 'response' // its result is delivered to the caller
  | 'await' // instrumented code resumes after awaiting a promise
  | 'await-input' // and, awaiting Promise.all and friends, acquires from each input that decided it (in place)
  | 'settle' // instrumented code resolves or rejects a promise
  | 'observe' // Promise.race and friends look at whether an input has settled (in place)
  | 'effect' // a step of instrumented code with effects on state heddle cannot see
  | 'load' // instrumented code reads a location (a property, a Map entry, a captured variable)
  | 'store' // instrumented code writes one
  | 'var-read' // instrumented code reads a captured variable
  | 'var-write'; // or writes one

export interface PendingOp {
  readonly kind: OpKind;
  /** The object touched, or -1 (yield, start, random). For spawn and join a TaskId (OPS[kind].target). */
  readonly object: ObjectId;
  /** Free text shown in traces, e.g. the value written. Filled by the primitive. */
  readonly detail?: string;
  /**
   * Whether the op can run now; absent means always enabled. Blocking ops (lock, get on an
   * empty queue, join of a running task, sleep into the future) close over their object.
   */
  readonly enabled?: () => boolean;
  /** Virtual time at which a sleep ends; only for kind 'sleep'. */
  readonly wakeAt?: number;
  /** While blocked: the task holding what this op waits for (a mutex owner, a joined task). */
  readonly blocker?: () => TaskId | undefined;
  /** While blocked: why no task can ever unblock it, where the primitive can tell. */
  readonly waitsFor?: string;
  /**
   * The op may happen now or after any amount of virtual time (the response of a controlled
   * call): while only such ops are runnable, a sleeping task may also be chosen, and choosing it
   * lets time pass to its wake-up — so a timeout can beat a response.
   */
  readonly flexible?: boolean;
  /**
   * For a flexible op: the latest virtual time it may wait for (absent: any). An immediate's
   * callback may be overtaken only by timers due within Node's 1 ms granularity.
   */
  readonly flexibleUntil?: number;
}

/** One row of a trace: a task performed an op. `choice` marks scheduling points. */
export interface TraceStep {
  readonly task: TaskId;
  readonly kind: OpKind;
  readonly object: ObjectId;
  readonly detail?: string;
  /** True when the step was a scheduling point (the strategy chose this task here). */
  readonly choice: boolean;
  /** A switch away from a task that could have continued. */
  readonly preempted: boolean;
  /** Source location `file:line`, only when an execution runs with location capture. */
  location?: string;
}

export interface ObjectInfo {
  readonly id: ObjectId;
  readonly type: string; // an ObjectType (ops.ts)
  readonly name: string;
  /** A cell that models an atomic variable: exempt from race detection, synchronises instead. */
  readonly atomic?: boolean;
  /** A bounded queue's maxsize: a put beyond it waits for a get (the 'slots' channel, ops.ts). */
  readonly capacity?: number;
  /** A semaphore's permits when the execution made it (DPOR's model of when an acquire can run). */
  readonly initial?: number;
  /**
   * Set on an object registered where it was made, by the step of a task: its name in every
   * execution that shares that task's steps up to then (its maker and how many objects the maker
   * had made before it, see birthName). An object registered at its first use has none: which
   * task gets there first, and so its id, depends on the order of the steps.
   */
  readonly birth?: number;
}

/** One side of a data race: which task did what, at which step of the trace. */
export interface RaceAccess {
  readonly task: TaskId;
  readonly kind: OpKind;
  /** Index into the execution's trace. */
  readonly step: number;
}

/** Two accesses to one cell, at least one a write, from different tasks, unordered by happens-before. */
export interface DataRace {
  readonly object: ObjectId;
  readonly first: RaceAccess;
  readonly second: RaceAccess;
}

/**
 * A lost update (atomicity.ts): `task` read a cell, another task wrote it, then `task` wrote it
 * with no read or write of its own in between — a write computed from a stale read.
 */
export interface AtomicityViolation {
  readonly object: ObjectId;
  /** The task's read whose value went stale. */
  readonly read: RaceAccess;
  /** The first write by another task after that read. */
  readonly foreign: RaceAccess;
  /** The task's own write, from the stale read. */
  readonly write: RaceAccess;
}

export interface TaskInfo {
  readonly id: TaskId;
  readonly name: string;
}

export type FailureKind =
  | 'assertion'
  | 'deadlock'
  | 'data-race'
  | 'atomicity'
  | 'livelock'
  | 'nondeterminism'
  | 'uncaught'
  | 'linearizability';

export const FAILURE_KINDS: readonly FailureKind[] = [
  'assertion',
  'deadlock',
  'data-race',
  'atomicity',
  'livelock',
  'nondeterminism',
  'uncaught',
  'linearizability',
];

/** A task that cannot run, and why: used by deadlock reports. */
export interface BlockedTask {
  readonly task: TaskId;
  readonly op: OpKind;
  readonly object: ObjectId;
  /** The task holding the object, where there is one (a mutex owner). */
  readonly heldBy?: TaskId;
  readonly waitsFor?: string;
}

/** A failure as the engine sees it: plain data. src/ turns it into a report. */
export interface ExecutionFailure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The task that failed (threw, spun, stalled), where one is to blame. */
  readonly task?: TaskId;
  /** The thrown value, for assertion and uncaught. */
  readonly error?: unknown;
  readonly blocked?: readonly BlockedTask[];
  /** True when heddle itself misbehaved, not the code under test. */
  readonly internal?: boolean;
}

/** A schedule is data: the task chosen at each scheduling point, plus random draws. */
export interface Schedule {
  readonly choices: readonly TaskId[];
  readonly randoms: readonly number[];
}

export interface ExecutionResult {
  readonly failure: ExecutionFailure | null;
  readonly schedule: Schedule;
  readonly trace: readonly TraceStep[];
  readonly tasks: readonly TaskInfo[];
  readonly objects: readonly ObjectInfo[];
  readonly steps: number;
  /** Count of preemptions in the schedule. */
  readonly preemptions: number;
  /** Data races seen in this execution (at most one per cell), whatever its outcome. */
  readonly races: readonly DataRace[];
  /** Lost updates seen in this execution (at most one per cell), whatever its outcome. */
  readonly atomicity: readonly AtomicityViolation[];
  /** What the scenario body (task 0) returned, when it finished. */
  readonly value: unknown;
  /** Ended early by the strategy because it could only repeat explored behaviour. */
  readonly pruned?: boolean;
  /**
   * What the execution did that heddle did not control (an await of a promise made by
   * uninstrumented code or real I/O, …), each with its location: a search that met any is not a proof.
   */
  readonly uncontrolled?: readonly string[];
  /** Steps whose effects on plain state heddle could not see: DPOR orders them against every step. */
  readonly unseen?: number;
  /**
   * The op each unfinished task was waiting to perform when the execution ended (blocked in a
   * deadlock, or cut off): DPOR reverses its races too, since in another order it could run.
   */
  readonly blockedOps?: readonly { readonly task: TaskId; readonly kind: OpKind; readonly object: ObjectId }[];
  /** Scheduling points where two or more tasks could run: 0 when the strategy never had a choice. */
  readonly branches?: number;
  /** State an earlier execution wrote that this one read before writing it: what leaks between executions. */
  readonly leak?: string;
}
