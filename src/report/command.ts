// The commands a report prints to run a failure again. Every report (text, --json, HTML, the
// vitest helper) builds them here, so a line pasted from any of them is the same line.

/**
 * How a printed command reaches the scenario again, from the directory the command ran in.
 * invariant: `${cli} check ${target}` loads exactly this scenario (as its first target).
 */
export interface Rerun {
  /** The CLI as it was invoked: `npx heddle` (the package's bin) or `npx tsx` (this repo's check.ts / replay.ts). */
  readonly cli: Cli;
  /** `path/to/file.ts#name` (relative to that directory), or the name of a scenario of its scenarios/ folder. */
  readonly target: string;
}

export type Cli = 'npx heddle' | 'npx tsx';

// Characters a POSIX shell takes literally in an unquoted word (`#` only inside a word).
const SAFE = /^[\w@%+=:,./-][\w@%+=:,./#-]*$/;

/** Quotes one argument for a POSIX shell: single quotes keep everything but `'`, spelled `'\''`. */
export function shellQuote(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `check <target> --strategy … --seed …`: positionals first, or after `--` when one looks like a flag. */
function commandLine(cli: Cli, command: string, positionals: readonly string[], flags: readonly string[]): string {
  const args = positionals.map(shellQuote);
  const words = positionals.some((p) => p.startsWith('-')) ? [...flags, '--', ...args] : [...args, ...flags];
  return [cli, command, ...words].join(' ');
}

/** `npx heddle replay path/file.ts#name <token>`: re-runs exactly this schedule. */
export function replayCommand(rerun: Rerun, token: string, flags: readonly string[] = []): string {
  return commandLine(rerun.cli, 'replay', [rerun.target, token], flags.map(shellQuote));
}

/** `npx heddle check path/file.ts#name --strategy … --seed …`: the search again, this execution first. */
export function rerunCommand(rerun: Rerun, strategy: string, seed: string, flags: readonly string[] = []): string {
  return commandLine(rerun.cli, 'check', [rerun.target], ['--strategy', shellQuote(strategy), ...flags.map(shellQuote), '--seed', shellQuote(seed)]);
}

/** The API form, for a test file: `await replay(scenario, 'heddle1:…')` (`, { races: 'strict' }` after `--races strict`). */
export function apiReplay(token: string, flags: readonly string[] = []): string {
  const races = flags.indexOf('--races');
  const options = races >= 0 && flags[races + 1] !== undefined ? `, { races: '${flags[races + 1]}' }` : '';
  return `await replay(scenario, '${token.replace(/[\\']/g, '\\$&')}'${options})`;
}

/** The target for a scenario loaded from a file: `file#name` (the CLI splits at the `#` after the file's extension). */
export function fileTarget(file: string, name: string): string {
  return `${file.startsWith('-') ? './' : ''}${file}#${name}`;
}
