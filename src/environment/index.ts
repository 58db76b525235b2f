import { installEvents } from './events.ts';
import { installFs } from './fs.ts';
import { Patches } from './patch.ts';
import { installTimers } from './timers.ts';

/** What of the Node environment a scenario's code gets as heddle-controlled versions. */
export interface Environment {
  /** setTimeout/setInterval/setImmediate and node:timers/promises in virtual time. */
  readonly timers?: boolean;
  /** A fresh in-memory filesystem (memfs) behind node:fs and node:fs/promises; optional initial files. */
  readonly fs?: boolean | Readonly<Record<string, string>>;
  /** EventEmitter listeners each run in a task of their own, in an explored order. */
  readonly events?: boolean;
}

/** Installs the environment for one execution; the returned function puts everything back. */
export function installEnvironment(env: Environment): () => void {
  const patches = new Patches();
  try {
    if (env.timers) installTimers(patches);
    if (env.fs) installFs(patches, typeof env.fs === 'object' ? { ...env.fs } : {});
    if (env.events) installEvents(patches);
  } catch (e) {
    patches.restore();
    throw e;
  }
  return () => patches.restore();
}
