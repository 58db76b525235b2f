import { EventEmitter } from 'node:events';
import { settledOrAborted, signalOf } from './abort.ts';
import { callingExecution } from './context.ts';
import { ownAsync } from '../instrument/own.ts';
import { Event as Flag } from '../primitives/event.ts';
import { spawn } from '../primitives/task.ts';
import { isThenable } from '../../scheduler/promises.ts';
import { builtin, type Patches } from './patch.ts';

/** A delivery of an emit to a listener: whether its task has called the listener yet, and the flag a later delivery waits on. */
interface Delivery {
  started: boolean;
  flag: Flag | null;
}

type Listener = ((...args: unknown[]) => unknown) & { listener?: (...args: unknown[]) => unknown };

/**
 * Inside an exploration, `emit` delivers to each listener in a task of its own, so the order in
 * which listeners run — and what other tasks do in between — is explored instead of fixed.
 * `once` listeners are removed at emit time, as Node does, so an emit racing a `once`
 * registration behaves as it would for real. An 'error' event with no listener still throws.
 *
 * `events.once(emitter, name)` (also EventEmitter.once) is a promise of heddle's: the caller waits
 * for the event as a scheduling point, so an emit that came before the call leaves it waiting
 * where heddle sees it — a deadlock it reports — instead of on a promise it cannot see. An
 * 'error' event rejects it, as does its `signal` aborting. EventTargets go to the real one.
 */
export function installEvents(patches: Patches): void {
  // Node calls a listener inside each emit, so one listener sees the emits in their order (a
  // stream's chunks, a job's progress): a delivery waits for the one before it to the same
  // listener to have started. Deliveries to different listeners run in any order. The flag is
  // made only when a delivery has to wait: most never do.
  const last = new WeakMap<object, Delivery>();
  const deliver = (emitter: EventEmitter, listener: (...args: unknown[]) => unknown, args: unknown[], label: string) => {
    const before = last.get(listener);
    const mine: Delivery = { started: false, flag: null };
    last.set(listener, mine);
    const call = () => {
      mine.started = true;
      mine.flag?.set();
      return listener.apply(emitter, args);
    };
    spawn(() => (before === undefined || before.started ? call() : ownAsync(label, function* inOrder() {
      yield (before.flag ??= new Flag(label)).wait();
      const result = call();
      return isThenable(result) ? yield result : result;
    })), label);
  };
  const proto = EventEmitter.prototype as unknown as Record<string, unknown>;
  const realEmit = EventEmitter.prototype.emit;
  patches.set(proto, 'emit', function emit(this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
    if (callingExecution() === null) return realEmit.call(this, event, ...args);
    const listeners = this.rawListeners(event) as Listener[];
    if (listeners.length === 0) return realEmit.call(this, event, ...args); // 'error' throws, others return false
    for (const raw of listeners) {
      const listener = raw.listener ?? raw;
      if (raw.listener !== undefined) this.removeListener(event, raw.listener);
      deliver(this, listener, args, `listener ${String(event)}${listener.name ? ` ${listener.name}` : ''}`);
    }
    return true;
  });
  const events = builtin('node:events');
  const realOnce = events.once as (emitter: unknown, name: string | symbol, options?: unknown) => Promise<unknown[]>;
  patches.set(events, 'once', function once(emitter: unknown, name: string | symbol, options?: unknown): Promise<unknown[]> {
    if (callingExecution() === null || !(emitter instanceof EventEmitter)) return realOnce(emitter, name, options);
    return settledOrAborted<unknown[]>(`once ${String(name)}`, signalOf(options), (settle) => {
      const onEvent = (...args: unknown[]) => {
        if (name !== 'error') emitter.removeListener('error', onError);
        settle({ ok: true, value: args });
      };
      const onError = (error: unknown) => {
        emitter.removeListener(name, onEvent);
        settle({ ok: false, error });
      };
      emitter.once(name, onEvent);
      if (name !== 'error') emitter.once('error', onError);
      return () => {
        emitter.removeListener(name, onEvent);
        emitter.removeListener('error', onError);
      };
    });
  });
}
