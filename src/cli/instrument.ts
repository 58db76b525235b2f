import { checkInstalled, registerInstrumentation } from '../instrument/register.ts';

/**
 * Turns on the await instrumentation before any scenario file is loaded (check and replay):
 * the user's code, plus the packages named by `--instrument` (each must be installed).
 */
export function instrumentModules(packages: readonly string[] | undefined): void {
  for (const name of packages ?? []) checkInstalled(name, process.cwd());
  registerInstrumentation({ instrument: packages ?? [] });
}
