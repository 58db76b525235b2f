import { EventEmitter } from 'node:events';
import { settledOrAborted, signalOf } from './abort.ts';
import { callingExecution } from './context.ts';
import { builtin, type Patches } from './patch.ts';

/**
 * `events.once(emitter, name)` (also EventEmitter.once) is a promise of heddle's: the caller waits
 * for the event as a scheduling point, so an emit that came before the call leaves it waiting
 * where heddle sees it — a deadlock it reports — instead of on a promise it cannot see. An
 * 'error' event rejects it, as does its `signal` aborting. EventTargets go to the real one.
 *
 * `emit` stays Node's: it calls every listener synchronously, in registration order, before it
 * returns (a listener that throws throws out of emit). Nothing there is left to explore; what
 * runs after a listener's first await is a continuation heddle schedules like any other.
 */
export function installEvents(patches: Patches): void {
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
