import { installClock } from './clock.ts';
import { installEvents } from './events.ts';
import { installFs } from './fs.ts';
import { Patches } from './patch.ts';
import { installRandom } from './random.ts';
import { installTimers } from './timers.ts';

export { VIRTUAL_EPOCH } from './clock.ts';

/**
 * What of the Node environment a scenario's code gets as heddle-controlled versions. Each is put
 * back after every execution, failed or not; outside an exploration (and in code heddle cannot
 * attribute to a task) the real APIs answer.
 */
export interface Environment {
  /**
   * setTimeout/setInterval/setImmediate (and their clear…), node:timers/promises,
   * process.nextTick and queueMicrotask: each callback runs in a task of its own, in virtual
   * time, in an explored order; an abort signal ends a timers/promises wait at once, and
   * AbortSignal.timeout aborts in virtual time. Brings the virtual clock too, unless `clock: false`.
   */
  readonly timers?: boolean;
  /**
   * Date.now(), new Date(), Date(), performance.now() and process.hrtime() read virtual time:
   * starting at VIRTUAL_EPOCH (2026-01-01T00:00:00.000Z) for Date, at 0 for the others.
   * Default: on with `timers`.
   */
  readonly clock?: boolean;
  /**
   * Math.random, crypto.getRandomValues/randomUUID and node:crypto's randomBytes, randomInt,
   * randomFillSync are drawn through the execution's recorded draws: a token replays them.
   */
  readonly random?: boolean;
  /** A fresh in-memory filesystem (memfs) behind node:fs and node:fs/promises; optional initial files. */
  readonly fs?: boolean | Readonly<Record<string, string>>;
  /** events.once (EventEmitter.once) is a wait heddle sees; emit stays Node's (listeners run inside it, in order). */
  readonly events?: boolean;
}

/** `environment: true`: everything virtual, with an empty filesystem. */
const EVERYTHING: Environment = { timers: true, clock: true, random: true, fs: true, events: true };

/** Installs the environment for one execution; the returned function puts everything back. */
export function installEnvironment(env: Environment | true): () => void {
  const { timers, clock = timers, random, fs, events } = env === true ? EVERYTHING : env;
  const patches = new Patches();
  try {
    if (timers) installTimers(patches);
    if (clock) installClock(patches);
    if (random) installRandom(patches);
    if (fs) installFs(patches, typeof fs === 'object' ? { ...fs } : {});
    if (events) installEvents(patches);
    patches.apply(); // code that imported a builtin's named export sees the replacement too
  } catch (e) {
    patches.restore();
    throw e;
  }
  return () => patches.restore();
}
