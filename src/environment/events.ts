import { EventEmitter } from 'node:events';
import { callingExecution } from './context.ts';
import { spawn } from '../primitives/task.ts';
import type { Patches } from './patch.ts';

type Listener = ((...args: unknown[]) => unknown) & { listener?: (...args: unknown[]) => unknown };

/**
 * Inside an exploration, `emit` delivers to each listener in a task of its own, so the order in
 * which listeners run — and what other tasks do in between — is explored instead of fixed.
 * `once` listeners are removed at emit time, as Node does, so an emit racing a `once`
 * registration behaves as it would for real. An 'error' event with no listener still throws.
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
}
