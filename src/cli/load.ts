import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScenario, type Scenario } from '../scenario.ts';
import { InputError, suggest } from './input.ts';
import { fileTarget } from '../report/command.ts';

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** The file it was loaded from, relative to the working directory. */
  readonly file: string;
  /**
   * What names it to the CLI again from the working directory (replay lines print it): the
   * scenario's name when it was found by name in ./scenarios, else `file#name`.
   */
  readonly target: string;
}

function scenarioFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...scenarioFiles(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts') && !entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function collect(value: unknown, into: Scenario[]): void {
  if (isScenario(value)) into.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into);
}

/** The scenarios a module exports (default, named, or arrays of them), each once. */
export function exportedScenarios(mod: Record<string, unknown>): Scenario[] {
  const found: Scenario[] = [];
  for (const value of Object.values(mod)) collect(value, found);
  return [...new Set(found)];
}

/**
 * The line of a load error that says what is wrong. A compiler's message opens with a header
 * ("Transform failed with 1 error:") and names the place on the next line; keep that line.
 */
function firstReason(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return 'no message';
  const head = lines[0]!;
  if (/failed with \d+ errors?:$/.test(head) && lines.length > 1) {
    return lines[1]!.replace(`${process.cwd()}/`, '');
  }
  return head;
}

/** Imports one file and returns the scenarios it exports (default, named, or arrays of them). */
export async function loadFile(file: string): Promise<LoadedScenario[]> {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputError(`no such file: ${file}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof Error ? `${e.name}: ${firstReason(e.message)}` : String(e);
    throw new InputError(`${relative(process.cwd(), path)} failed to load: ${why}`);
  }
  const unique = exportedScenarios(mod);
  const shown = relative(process.cwd(), path);
  return unique.map((scenario) => ({ scenario, file: shown, target: fileTarget(shown, scenario.name) }));
}

/** Every scenario of the files under a folder, in file order. */
async function loadFolder(dir: string): Promise<LoadedScenario[]> {
  const all: LoadedScenario[] = [];
  for (const file of scenarioFiles(dir)) all.push(...(await loadFile(file)));
  return all;
}

/**
 * Every scenario under ./scenarios, sorted by name; duplicate names are an input error. They are
 * found by name, so a replay line names them by name.
 */
export async function loadAll(dir = resolve('scenarios')): Promise<LoadedScenario[]> {
  if (!existsSync(dir)) throw new InputError(`no scenarios/ folder in ${process.cwd()}: name a scenario file or folder instead`);
  const all = (await loadFolder(dir)).map((l) => ({ ...l, target: l.scenario.name }));
  const seen = new Map<string, string>();
  for (const { scenario, file } of all) {
    const other = seen.get(scenario.name);
    if (other !== undefined) throw new InputError(`two scenarios are named '${scenario.name}' (${other} and ${file})`);
    seen.set(scenario.name, file);
  }
  return all.sort((a, b) => a.scenario.name.localeCompare(b.scenario.name));
}

const SCRIPT = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

/**
 * Splits `file.ts#name` at the `#` that ends an existing file's path (a folder or a scenario
 * name may hold `#` too); null when the target names no script file.
 */
function splitFileTarget(target: string): { file: string; name?: string } | null {
  const cuts = [...target.matchAll(/#/g)].map((m) => m.index).filter((i) => SCRIPT.test(target.slice(0, i)));
  for (const cut of cuts) {
    const file = target.slice(0, cut);
    if (existsSync(file)) return { file, name: target.slice(cut + 1) };
  }
  if (SCRIPT.test(target)) return { file: target };
  return cuts.length > 0 ? { file: target.slice(0, cuts[0]), name: target.slice(cuts[0]! + 1) } : null;
}

/**
 * Resolves what the user named: `file.ts`, `file.ts#name`, a folder (every scenario file in it,
 * recursively), an exact scenario name, or a group prefix (`counter` selects `counter/…`).
 * Nothing found is an input error with suggestions.
 */
export async function resolveTarget(target: string | undefined): Promise<LoadedScenario[]> {
  if (target === undefined) return loadAll();
  const named = splitFileTarget(target);
  if (named) {
    const { file, name } = named;
    const inFile = await loadFile(file);
    if (name === undefined) {
      if (inFile.length === 0) throw new InputError(`${file} exports no scenario`);
      return inFile;
    }
    const hit = inFile.filter((l) => l.scenario.name === name);
    if (hit.length === 0) throw new InputError(`${file} has no scenario '${name}'${suggest(name, inFile.map((l) => l.scenario.name))}`);
    return hit;
  }
  if (existsSync(target) && statSync(target).isDirectory()) {
    const inFolder = await loadFolder(target);
    if (inFolder.length === 0) throw new InputError(`${target} holds no scenario file that exports a scenario`);
    return inFolder;
  }
  const all = await loadAll();
  const exact = all.filter((l) => l.scenario.name === target);
  if (exact.length > 0) return exact;
  const group = all.filter((l) => l.scenario.name.startsWith(target.replace(/\/$/, '') + '/'));
  if (group.length > 0) return group;
  throw new InputError(`unknown scenario '${target}'${suggest(target, all.map((l) => l.scenario.name))}`);
}

/**
 * Several targets (what a shell glob expands to): each resolved as above, in the order given,
 * a scenario named twice checked once. None means every scenario under ./scenarios.
 */
export async function resolveTargets(targets: readonly string[]): Promise<LoadedScenario[]> {
  if (targets.length === 0) return loadAll();
  const seen = new Set<Scenario>();
  const out: LoadedScenario[] = [];
  for (const target of targets) {
    for (const loaded of await resolveTarget(target)) {
      if (seen.has(loaded.scenario)) continue;
      seen.add(loaded.scenario);
      out.push(loaded);
    }
  }
  return out;
}
