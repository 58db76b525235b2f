import { CorpusError, corpusPath, loadCorpus, saveFailure } from '../corpus.ts';
import type { ExploreResult } from '../explore.ts';
import type { Failure } from '../failure.ts';
import { replay, TokenError } from '../replay.ts';
import type { Scenario } from '../scenario.ts';

export interface SavedReplay {
  /** A saved schedule that still fails the way it did. */
  readonly failure?: Failure;
  readonly replayed: number;
  /** One line for the user, or '' when nothing was saved. */
  readonly note: string;
  /**
   * Why the saved schedules could not be replayed (an unreadable or damaged file, an entry from
   * another version): the scenario was not checked against them. One line naming the file.
   */
  readonly problem?: string;
}

/**
 * Replays the scenario's saved failing schedules before any exploration, each as closely as the
 * current code allows. One that still fails the same way is reported at once; one that passes
 * shows the bug is still fixed; one that cannot be replayed (damaged, from another version of
 * heddle or for another scenario) is a `problem`: the scenario is not checked against its saved
 * schedules, which must not look like a pass (the CLI exits 2), but other scenarios still run.
 */
export async function replaySaved(s: Scenario, root: string): Promise<SavedReplay> {
  let saved;
  try {
    saved = loadCorpus(s.name, root);
  } catch (e) {
    if (e instanceof CorpusError) return { replayed: 0, note: '', problem: e.message };
    throw e;
  }
  if (saved.length === 0) return { replayed: 0, note: '' };
  let fixed = 0;
  let replayed = 0;
  for (const entry of saved) {
    replayed++;
    let r;
    try {
      r = await replay(s, entry.token, { lenient: true });
    } catch (e) {
      // An entry that cannot be replayed proves nothing: never count it as still fixed.
      if (!(e instanceof TokenError)) throw e;
      return { replayed: replayed - 1, note: '', problem: `${corpusPath(s.name, root)}: saved schedule ${replayed} of ${saved.length} cannot be replayed: ${e.message}` +
        ' (restore the entry from version control, or delete it)' };
    }
    if (r.failure?.kind === entry.kind && r.failure.kind !== 'nondeterminism') {
      return { failure: { ...r.failure, strategy: 'regression corpus' }, replayed,
        note: `regressions: saved schedule ${replayed} of ${saved.length} still fails (${entry.kind})` };
    }
    fixed++;
  }
  return { replayed, note: `regressions: ${saved.length} saved schedule${saved.length === 1 ? '' : 's'} replayed first — ${fixed} still fixed` };
}

/** `--save`: adds the failure's token to the scenario's regression file. */
export function saveResult(s: Scenario, result: ExploreResult, root: string): string {
  if (!result.failure) return '';
  if (result.failure.token === '') return 'not saved: this failure has no schedule token';
  let path: string;
  let added: boolean;
  try {
    ({ path, added } = saveFailure(s.name, { token: result.failure.token, kind: result.failure.kind, message: result.failure.message }, root));
  } catch (e) {
    if (e instanceof CorpusError) return `not saved: ${e.message}`;
    throw e;
  }
  return added ? `saved the failing schedule to ${path}` : `the failing schedule is already saved in ${path}`;
}
