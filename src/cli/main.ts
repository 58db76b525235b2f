import { runCheck } from './check.ts';
import { runReplay } from './replay.ts';
import { runMerge } from './merge.ts';
import { EXIT_USAGE, InputError } from './input.ts';
import { processOutput, type Output } from './output.ts';
import { InstrumentationError } from '../explore.ts';

export type Command = 'check' | 'replay' | 'merge';

/** Runs a command and returns its exit code; bad input is one line on stderr and exit 2. */
export async function runCommand(command: Command, args: readonly string[], out: Output = processOutput()): Promise<number> {
  try {
    if (command === 'merge') return await runMerge(args, out);
    return command === 'check' ? await runCheck(args, out) : await runReplay(args, out);
  } catch (e) {
    if (e instanceof InputError || e instanceof InstrumentationError) {
      out.stderr(`heddle ${command}: ${e.message}`);
    } else {
      const what = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
      out.stderr(`heddle ${command}: [internal bug] ${what}`);
    }
    return EXIT_USAGE;
  }
}

/** Entry point for bin scripts: run, flush, exit (abandoned tasks may hold timers: never wait for them). */
export async function main(command: Command, args: readonly string[]): Promise<never> {
  const code = await runCommand(command, args);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}

/** `heddle check …` / `heddle replay …` / `heddle merge …` (the package's bin). */
export async function binMain(argv: readonly string[]): Promise<never> {
  const [command, ...rest] = argv;
  if (command === 'check' || command === 'replay' || command === 'merge') return main(command, rest);
  process.stderr.write(`heddle: unknown command '${command ?? ''}' (use 'heddle check', 'heddle replay' or 'heddle merge')\n`);
  process.exit(EXIT_USAGE);
}
