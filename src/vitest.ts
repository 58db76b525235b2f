// `import { expectNoFailure, expectFailure } from 'heddle/vitest'`: assertions for test files.
// They throw plain AssertionErrors, so they work under vitest, node:test or any runner; the
// message carries the trace table, the seed and the exact replay command (the CLI's line when
// the scenario's file exports it, and the API form), and the stack starts at the test's line.
import { AssertionError } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FailureKind } from '../scheduler/types.ts';
import { explore, type ExploreOptions, type ExploreResult } from './explore.ts';
import type { Failure } from './failure.ts';
import { formatFailure } from './report/text.ts';
import { fileTarget, type Cli, type Rerun } from './report/command.ts';
import { heddleRoot } from './instrument/policy.ts';
import { definitionFiles, type Scenario } from './scenario.ts';
import { plural } from './report/plural.ts';
import { callerFrames } from './call-site.ts';
import { exportedScenarios } from './cli/load.ts';

function outcome(r: ExploreResult): string {
  return `${plural(r.schedulesRun, 'schedule')} with ${r.strategy}${r.complete ? ' (complete)' : ''}`;
}

const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;
const SCRIPT = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

/**
 * The CLI a user in this directory has: this repository's own entry points (`npx tsx replay`,
 * the repo running from its sources) in heddle's root, the package's bin anywhere else.
 */
function cliHere(): Cli {
  const root = heddleRoot();
  return resolve(process.cwd()) === root && existsSync(join(root, 'replay.ts')) ? 'npx tsx' : 'npx heddle';
}

/**
 * How `npx heddle replay` reaches the scenario: the first file where it was made that exports a
 * scenario of its name (not a test file: the CLI cannot load one). None: only the API form works.
 */
async function cliRerun(s: Scenario): Promise<Rerun | undefined> {
  for (const file of definitionFiles(s)) {
    if (TEST_FILE.test(file) || !SCRIPT.test(file)) continue;
    let exported: boolean;
    try {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      exported = exportedScenarios(mod).some((e) => e.name === s.name);
    } catch {
      // Not loadable from here (heddle installed as a package imports natively, and Node alone
      // cannot load a .ts file that the test runner compiled): read its text instead.
      exported = exportsByText(file, s.name);
    }
    if (exported) return { cli: cliHere(), target: fileTarget(relative(process.cwd(), file), s.name) };
  }
  return undefined;
}

/** Whether the file's text exports something and names the scenario in a string literal. */
function exportsByText(file: string, name: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const literals = [JSON.stringify(name), `'${name.replace(/[\\']/g, '\\$&')}'`, `\`${name}\``];
  return /\bexport\b/.test(text) && literals.some((literal) => text.includes(literal));
}

async function report(s: Scenario, f: Failure): Promise<string> {
  return formatFailure(s.name, f, { rerun: await cliRerun(s), api: true });
}

/** The error a check throws, with the stack of the test's call (so the runner's code frame shows the test's line). */
function failed(message: string, frames: string): AssertionError {
  const error = new AssertionError({ message });
  error.stack = `${error.name}: ${message}\n${frames}`;
  return error;
}

/** Explores the scenario and fails the test, with the full report, if any schedule fails. */
export async function expectNoFailure(s: Scenario, options: ExploreOptions = {}): Promise<ExploreResult> {
  const frames = callerFrames(expectNoFailure);
  const r = await explore(s, options);
  if (r.failure) {
    throw failed(`heddle found a failure in '${s.name}' after ${outcome(r)}:\n\n${await report(s, r.failure)}\n`, frames);
  }
  return r;
}

/**
 * Explores the scenario and fails the test unless some schedule fails — with `kind`, when given.
 * Returns the failure, so a test can pin its token or inspect its trace.
 */
export async function expectFailure(s: Scenario, kind?: FailureKind, options: ExploreOptions = {}): Promise<Failure> {
  const frames = callerFrames(expectFailure);
  const r = await explore(s, options);
  if (!r.failure) {
    throw failed(`heddle expected ${kind ?? 'a failure'} in '${s.name}' but none was found in ${outcome(r)}`, frames);
  }
  if (kind !== undefined && r.failure.kind !== kind) {
    throw failed(`heddle expected ${kind} in '${s.name}' but found ${r.failure.kind}:\n\n${await report(s, r.failure)}\n`, frames);
  }
  return r.failure;
}

/** The vitest plugin that instruments the awaits of your code (and of the packages named) in tests. */
export { heddleInstrument, type HeddleInstrumentOptions, type HeddleInstrumentPlugin } from './instrument/vite.ts';
