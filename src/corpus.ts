import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import type { FailureKind } from '../scheduler/types.ts';
import { FAILURE_KINDS } from '../scheduler/types.ts';

/**
 * The regression corpus: failing schedule tokens saved per scenario in
 * `regressions/<scenario>.json`, replayed before any new exploration (as proptest does with its
 * regression files). A saved token that passes again shows the bug is still fixed.
 */
export interface SavedFailure {
  readonly token: string;
  readonly kind: FailureKind;
  readonly message: string;
}

interface CorpusFile {
  readonly scenario: string;
  readonly failures: readonly SavedFailure[];
}

export const CORPUS_DIR = 'regressions';

/**
 * The scenario's file under `root`: each `/`-separated part of its name is a folder, with every
 * character but letters, digits, `_`, `-` and `.` replaced by `_`, and a part made of dots only
 * (`.`, `..`) or empty (a leading `/`) made of underscores — so no name reaches outside `root`.
 * invariant: the path is inside `root` (checked: a CorpusError otherwise).
 */
export function corpusPath(scenario: string, root = CORPUS_DIR): string {
  const safe = scenario.split('/').map((part) => /^\.*$/.test(part) ? '_'.repeat(Math.max(1, part.length)) : part.replace(/[^\w.-]/g, '_')).join('/');
  const path = join(root, `${safe}.json`);
  const inside = relative(resolve(root), resolve(path));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new CorpusError(`scenario name '${scenario}' does not map to a file inside ${root}`);
  return path;
}

export class CorpusError extends Error {
  override readonly name = 'CorpusError';
}

export function loadCorpus(scenario: string, root = CORPUS_DIR): SavedFailure[] {
  const path = corpusPath(scenario, root);
  if (!existsSync(path)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CorpusError(`${path} is not valid JSON: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ')}`);
  }
  const file = data as Partial<CorpusFile>;
  if (file.scenario !== scenario || !Array.isArray(file.failures)) throw new CorpusError(`${path} is not a heddle regression file for '${scenario}'`);
  // A damaged entry is an error, not skipped: a regression that silently drops out looks fixed.
  return file.failures.map((f: Partial<SavedFailure> | null, i): SavedFailure => {
    if (typeof f?.token !== 'string' || typeof f.message !== 'string' || !(FAILURE_KINDS as readonly string[]).includes(f.kind ?? '')) {
      throw new CorpusError(`${path}: saved schedule ${i + 1} of ${file.failures!.length} is damaged (it needs a token, a known kind and a message)`);
    }
    return f as SavedFailure;
  });
}

/** Adds a failure (once per token); written to a temp file and renamed, so a crash never leaves half a file. */
export function saveFailure(scenario: string, failure: SavedFailure, root = CORPUS_DIR): { path: string; added: boolean } {
  const path = corpusPath(scenario, root);
  const existing = loadCorpus(scenario, root);
  if (existing.some((f) => f.token === failure.token)) return { path, added: false };
  const file: CorpusFile = { scenario, failures: [...existing, { token: failure.token, kind: failure.kind, message: failure.message }] };
  writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n');
  return { path, added: true };
}
