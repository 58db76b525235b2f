import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScenario, type Scenario } from '../scenario.ts';
import { InputError, suggest } from './input.ts';

export interface LoadedScenario {
  readonly scenario: Scenario;
  readonly file: string;
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
  const found: Scenario[] = [];
  for (const value of Object.values(mod)) collect(value, found);
  const unique = [...new Set(found)];
  return unique.map((scenario) => ({ scenario, file: relative(process.cwd(), path) }));
}

/** Every scenario under ./scenarios, sorted by name; duplicate names are an input error. */
export async function loadAll(dir = resolve('scenarios')): Promise<LoadedScenario[]> {
  if (!existsSync(dir)) throw new InputError(`no scenarios/ folder in ${process.cwd()}: name a scenario file instead`);
  const all: LoadedScenario[] = [];
  for (const file of scenarioFiles(dir)) all.push(...(await loadFile(file)));
  const seen = new Map<string, string>();
  for (const { scenario, file } of all) {
    const other = seen.get(scenario.name);
    if (other !== undefined) throw new InputError(`two scenarios are named '${scenario.name}' (${other} and ${file})`);
    seen.set(scenario.name, file);
  }
  return all.sort((a, b) => a.scenario.name.localeCompare(b.scenario.name));
}

/**
 * Resolves what the user named: `file.ts`, `file.ts#name`, an exact scenario name, or a group
 * prefix (`counter` selects `counter/…`). Nothing found is an input error with suggestions.
 */
export async function resolveTarget(target: string | undefined): Promise<LoadedScenario[]> {
  if (target === undefined) return loadAll();
  const hash = target.indexOf('#');
  const file = hash >= 0 ? target.slice(0, hash) : target;
  if (file.endsWith('.ts') || file.endsWith('.js') || file.endsWith('.mts')) {
    const inFile = await loadFile(file);
    if (hash < 0) {
      if (inFile.length === 0) throw new InputError(`${file} exports no scenario`);
      return inFile;
    }
    const name = target.slice(hash + 1);
    const hit = inFile.filter((l) => l.scenario.name === name);
    if (hit.length === 0) throw new InputError(`${file} has no scenario '${name}'${suggest(name, inFile.map((l) => l.scenario.name))}`);
    return hit;
  }
  const all = await loadAll();
  const exact = all.filter((l) => l.scenario.name === target);
  if (exact.length > 0) return exact;
  const group = all.filter((l) => l.scenario.name.startsWith(target.replace(/\/$/, '') + '/'));
  if (group.length > 0) return group;
  throw new InputError(`unknown scenario '${target}'${suggest(target, all.map((l) => l.scenario.name))}`);
}
