import { Event } from '../primitives/event.ts';
import { Mutex } from '../primitives/mutex.ts';
import { Queue } from '../primitives/queue.ts';
import { Semaphore } from '../primitives/semaphore.ts';
import { Shared } from '../primitives/shared.ts';
import { now, random, sleep, spawn, TASK_HANDLES, yieldNow } from '../primitives/task.ts';
import { scenario } from '../scenario.ts';
import { controlled, controlledCallback, controlledFunction, controlledObject } from '../environment/controlled.ts';
import { virtualFs } from '../environment/fs.ts';
import { markPure } from './builtins.ts';

// heddle's own API, called from instrumented code: what it does to the program's state goes
// through its operations (a Shared cell's get is a 'read' op), so a call of it is no unknown effect.

function methods(...classes: { prototype: object }[]): unknown[] {
  return classes.flatMap((c) => Object.getOwnPropertyNames(c.prototype).map((n) => Object.getOwnPropertyDescriptor(c.prototype, n)?.value));
}

markPure(scenario, controlled, controlledFunction, controlledObject, controlledCallback, virtualFs, spawn, yieldNow, sleep, now, random, Shared.atomic, ...methods(Shared, Mutex, Semaphore, Event, Queue, ...TASK_HANDLES));
