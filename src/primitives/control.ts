import { currentExecution, type Execution } from '../../scheduler/execution.ts';
import type { ObjectId } from '../../scheduler/types.ts';

/** Misuse of a primitive (unlock by a non-owner, too many taskDone calls): reported as `uncaught`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Base of every primitive. Inside an exploration a call is controlled: it records its pending op
 * and yields to the scheduler. Outside one, the primitive is an ordinary async primitive.
 *
 * An object created inside an execution belongs to it; a call on it after that execution ended
 * (a task the scheduler abandoned, woken by a stray timer) never settles, so it cannot disturb
 * whatever runs next.
 */
export abstract class Controlled {
  private exec: Execution | null = null;
  private objectId: ObjectId = -1;
  private readonly createdIn: Execution | null;
  /** Registered when made, but its subclass has not cached its ops yet (see control). */
  private unbound = false;

  protected constructor(
    private readonly type: string,
    readonly name?: string,
    private readonly atomicObject = false,
    /** A bounded queue's maxsize (0: unbounded), for happens-before from a get to the put it makes room for. */
    private readonly capacity = 0,
    /** A semaphore's permits. */
    private readonly initialPermits?: number,
  ) {
    this.createdIn = currentExecution();
    // Made inside an execution: its id is taken now, in the step that made it, so that it is the
    // same in every execution sharing that step (an id taken at first use would follow the order
    // in which tasks first touch it, and DPOR would have to take it for any later object). The
    // subclass caches its ops at first use, when its own fields are initialised.
    if (this.createdIn !== null) {
      this.exec = this.createdIn;
      this.objectId = this.createdIn.madeObject(type, name, atomicObject, capacity, initialPermits);
      this.unbound = true;
    }
  }

  private bind(ex: Execution): void {
    const reused = this.exec !== null;
    this.exec = ex;
    this.unbound = false;
    this.objectId = ex.registerObject(this.type, this.name, this.atomicObject, this.capacity, this.initialPermits);
    this.bound();
    // An object made outside the scenario body survives from one execution to the next. If an
    // earlier execution left it changed, this one does not start from scratch: verdicts would
    // depend on what ran before (the seed's polluted-registry tests). Say so, precisely.
    const left = reused && this.createdIn === null ? this.leftover() : null;
    if (left !== null) {
      ex.fail({ kind: 'nondeterminism', message: `state leaks between executions: ${this.type} '${this.name ?? this.type}' ` +
        `was created outside the scenario body (at module level?) and ${left} from an earlier execution; build it inside ` +
        `the scenario, or reset it there` });
    }
  }

  /** Called when the object gets its id in a new execution: subclasses cache their ops here. */
  protected bound(): void {}

  /** What an earlier execution left behind in this object ("holds a value set"), or null. */
  protected leftover(): string | null {
    return null;
  }

  /** The execution controlling this call, or null in production. Throws for a stale object. */
  protected control(): Execution | null {
    const ex = currentExecution();
    if (ex !== null) {
      if (this.exec !== ex) this.bind(ex);
      else if (this.unbound) {
        this.unbound = false;
        this.bound();
      }
      return ex;
    }
    if (this.createdIn !== null) throw new StaleCall(this.type);
    return null;
  }

  /** This object's id in the current execution. */
  protected get id(): ObjectId {
    return this.objectId;
  }
}

/** Raised in a task that outlived its execution; nothing observes it. */
export class StaleCall extends Error {
  override readonly name = 'StaleCall';
  constructor(type: string) {
    super(`a ${type} was used after the execution that created it ended`);
  }
}

/** Short rendering of a value for traces (only in verbose executions). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 24 ? value.slice(0, 21) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (value instanceof Map) return `Map(${value.size})`;
  if (value instanceof Set) return `Set(${value.size})`;
  if (Array.isArray(value)) return `[${value.length} items]`;
  try {
    const json = JSON.stringify(value);
    return json.length > 32 ? json.slice(0, 29) + '...' : json;
  } catch {
    return typeof value;
  }
}
