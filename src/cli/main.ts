import { existsSync, readFileSync } from 'node:fs';
import { runCheck, checkUsage } from './check.ts';
import { runReplay, replayUsage } from './replay.ts';
import { runMerge, mergeUsage } from './merge.ts';
import { EXIT_OK, EXIT_USAGE, InputError } from './input.ts';
import { processOutput, type Output } from './output.ts';
import { InstrumentationError } from '../explore.ts';
import { ModelKeyError } from '../linearizability/checker.ts';
import type { Cli } from '../report/command.ts';

export type Command = 'check' | 'replay' | 'merge';

const COMMANDS: readonly Command[] = ['check', 'replay', 'merge'];

/** Each command's usage, with the prefix the CLI was invoked by. */
export const USAGE: Readonly<Record<Command, (cli: Cli) => string>> = { check: checkUsage, replay: replayUsage, merge: mergeUsage };

/** What `heddle`, `heddle help` and `heddle --help` print: the commands, then each one's usage. */
export function overview(cli: Cli): string {
  return [
    `heddle ${version()}: a deterministic concurrency model checker for async TypeScript`,
    '',
    `  ${cli} check [target...] [flags]    explore scenarios (none named: every one under ./scenarios)`,
    `  ${cli} replay <target> <token>      re-run one failing schedule, as a failure's replay line says`,
    `  ${cli} merge <shard.json...>        combine the --json output of 'check --shard i/n' runs`,
    `  ${cli} <command> --help             a command's flags;  ${cli} --version  the version`,
    '',
    ...COMMANDS.map((c) => USAGE[c](cli)).join('\n\n').split('\n'),
  ].join('\n');
}

/**
 * The package's version, read from its package.json: two folders up from this module in the
 * source tree (src/cli/), one more from a compiled tree (dist/src/cli/).
 */
export function version(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    const url = new URL(up, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: unknown; version?: unknown };
    if (pkg.name === 'heddle' && typeof pkg.version === 'string') return pkg.version;
  }
  return 'unknown';
}

/**
 * Runs a command and returns its exit code; bad input is one line on stderr and exit 2. `cli`
 * is how the user invoked heddle: printed commands (usage, replay lines) start with it.
 */
export async function runCommand(command: Command, args: readonly string[], out: Output = processOutput(), cli: Cli = 'npx heddle'): Promise<number> {
  try {
    if (command === 'merge') return await runMerge(args, out, cli);
    return command === 'check' ? await runCheck(args, out, cli) : await runReplay(args, out, cli);
  } catch (e) {
    if (e instanceof InputError || e instanceof InstrumentationError || e instanceof ModelKeyError) {
      out.stderr(`heddle ${command}: ${e.message}`);
    } else {
      const what = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
      out.stderr(`heddle ${command}: [internal bug] ${what}`);
    }
    return EXIT_USAGE;
  }
}

async function exitWith(code: number): Promise<never> {
  // Flush, then exit: abandoned tasks may hold timers, never wait for them.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}

/** Entry point of this repo's check.ts / replay.ts / merge.ts (`npx tsx check …`). */
export async function main(command: Command, args: readonly string[]): Promise<never> {
  return exitWith(await runCommand(command, args, processOutput(), 'npx tsx'));
}

/**
 * What the `heddle` bin does with its arguments; returns the exit code. `heddle`, `heddle help`,
 * `--help` and `-h` print the overview (exit 0: asking for help is not an error, and a bare
 * `heddle` is how users ask); `help <command>` that command's usage; `--version` / `-v` the version.
 */
export async function runBin(argv: readonly string[], out: Output = processOutput()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const about = rest[0];
    if (about !== undefined && (COMMANDS as readonly string[]).includes(about)) out.stdout(USAGE[about as Command]('npx heddle'));
    else out.stdout(overview('npx heddle'));
    return EXIT_OK;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    out.stdout(version());
    return EXIT_OK;
  }
  if ((COMMANDS as readonly string[]).includes(command)) return runCommand(command as Command, rest, out, 'npx heddle');
  out.stderr(`heddle: unknown command '${command}' (commands: ${COMMANDS.join(', ')}; 'heddle --help' shows their usage)`);
  return EXIT_USAGE;
}

/** `heddle check …` / `heddle replay …` / `heddle merge …` (the package's bin). */
export async function binMain(argv: readonly string[]): Promise<never> {
  return exitWith(await runBin(argv));
}
