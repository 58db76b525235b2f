import { EventEmitter } from 'node:events';
import { settledOrAborted, signalOf } from './abort.ts';
import { callingExecution } from './context.ts';
import { spawn } from '../primitives/task.ts';
import { builtin, type Patches } from './patch.ts';

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
  const proto = EventEmitter.prototype as unknown as Record<string, unknown>;
  const realEmit = EventEmitter.prototype.emit;
  patches.set(proto, 'emit', function emit(this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
    if (callingExecution() === null) return realEmit.call(this, event, ...args);
    const listeners = this.rawListeners(event) as Listener[];
    if (listeners.length === 0) return realEmit.call(this, event, ...args); // 'error' throws, others return false
    for (const raw of listeners) {
      const listener = raw.listener ?? raw;
      if (raw.listener !== undefined) this.removeListener(event, raw.listener);
      spawn(() => listener.apply(this, args), `listener ${String(event)}${listener.name ? ` ${listener.name}` : ''}`);
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
