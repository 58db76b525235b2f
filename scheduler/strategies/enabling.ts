import type { Access } from '../dependence.ts';
import type { ObjectInfo } from '../types.ts';

// When DPOR reverses a race it schedules the later event before the earlier one. For a blocking
// op that is only possible if the op is enabled there: a lock is free, a permit or an item is
// there, the flag is up. This file replays what a reordered prefix did to one object and says
// whether the op could run after it, from the object's few facts (its kind, a semaphore's
// initial permits, a queue's capacity) — no code of the scenario runs.

/**
 * Whether `op` (a blocking op on one object) is enabled after `history`, the accesses to that
 * object in order. `actual` is what preceded the op in the execution that ran it (where it was
 * enabled), for ops whose enabling heddle cannot always see. Ops that never block are enabled.
 */
export function enabledAfter(op: Access, history: readonly Access[], actual: readonly Access[], info: ObjectInfo | undefined): boolean {
  const count = (kind: string, of: readonly Access[] = history) => of.reduce((n, x) => n + (x.kind === kind ? 1 : 0), 0);
  switch (op.kind) {
    case 'lock':
      return count('lock') === count('unlock');
    case 'acquire':
      // Without its initial permits the count is unknown: take it as enabled (the runtime check stands behind it).
      return info?.initial === undefined || info.initial + count('release') - count('acquire') > 0;
    case 'wait': {
      for (let k = history.length - 1; k >= 0; k--) {
        if (history[k]!.kind === 'set') return true;
        if (history[k]!.kind === 'clear') return false;
      }
      return false;
    }
    case 'get':
      return count('put') > count('get');
    case 'put':
      return !info?.capacity || count('put') - count('get') < info.capacity;
    case 'join-queue':
      return count('put') === count('task-done');
    case 'await':
    case 'await-input':
      // A promise settled before heddle tracked it shows no settle at all: it never blocked.
      return history.some((x) => x.kind === 'settle') || !actual.some((x) => x.kind === 'settle');
    default:
      return true;
  }
}
