import { CorpusError, loadCorpus, saveFailure } from '../corpus.ts';
import type { ExploreResult } from '../explore.ts';
import type { Failure } from '../failure.ts';
import { replay, TokenError } from '../replay.ts';
import type { Scenario } from '../scenario.ts';
import { InputError } from './input.ts';

export interface SavedReplay {
  /** A saved schedule that still fails the way it did. */
  readonly failure?: Failure;
  readonly replayed: number;
  /** One line for the user, or '' when nothing was saved. */
  readonly note: string;
}

/**
 * Replays the scenario's saved failing schedules before any exploration, each as closely as the
 * current code allows. One that still fails the same way is reported at once; one that passes
 * shows the bug is still fixed.
 */
export async function replaySaved(s: Scenario, root: string): Promise<SavedReplay> {
  let saved;
  try {
    saved = loadCorpus(s.name, root);
  } catch (e) {
    if (e instanceof CorpusError) throw new InputError(e.message);
    throw e;
  }
  if (saved.length === 0) return { replayed: 0, note: '' };
  let fixed = 0;
  let stale = 0;
  let replayed = 0;
  for (const entry of saved) {
    replayed++;
    let r;
    try {
      r = await replay(s, entry.token, { lenient: true });
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      stale++;
      continue;
    }
    if (r.failure?.kind === entry.kind && r.failure.kind !== 'nondeterminism') {
      return { failure: { ...r.failure, strategy: 'regression corpus' }, replayed,
        note: `regressions: saved schedule ${replayed} of ${saved.length} still fails (${entry.kind})` };
    }
    fixed++;
  }
  const parts = [fixed > 0 ? `${fixed} still fixed` : '', stale > 0 ? `${stale} unreadable (saved for another scenario or version)` : '']
    .filter((p) => p !== '');
  return { replayed, note: `regressions: ${saved.length} saved schedule${saved.length === 1 ? '' : 's'} replayed first — ${parts.join(', ')}` };
}

/** `--save`: adds the failure's token to the scenario's regression file. */
export function saveResult(s: Scenario, result: ExploreResult, root: string): string {
  if (!result.failure) return '';
  const { path, added } = saveFailure(s.name, { token: result.failure.token, kind: result.failure.kind, message: result.failure.message }, root);
  return added ? `saved the failing schedule to ${path}` : `the failing schedule is already saved in ${path}`;
}
