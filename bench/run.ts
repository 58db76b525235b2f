// `npm run bench [section…]`: every speed and search-power measurement, side by side in one run.
// Prints markdown tables and writes bench/results.json. No timed assertions live in tests.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { writeFileAtomic } from '../src/atomic-write.ts';
import { renderSection, type Section } from './lib.ts';
import { stepsSection } from './sections/steps.ts';
import { workersSection } from './sections/workers.ts';
import { dporWorkersSection } from './sections/dpor-workers.ts';
import { dporShareSection } from './sections/dpor-share.ts';
import { linearizabilitySection } from './sections/linearizability.ts';
import { strategiesSection } from './sections/strategies.ts';
import { instrumentSection } from './sections/instrument.ts';
import { instrumentedSection } from './sections/instrumented.ts';
import { racesSection } from './sections/races.ts';
import { serviceSection } from './sections/service.ts';

const SECTIONS: Record<string, () => Promise<Section | Section[]>> = {
  steps: stepsSection,
  strategies: strategiesSection,
  workers: workersSection,
  'dpor-workers': dporWorkersSection,
  'dpor-share': dporShareSection,
  linearizability: linearizabilitySection,
  instrument: instrumentSection,
  instrumented: instrumentedSection,
  races: racesSection,
  service: serviceSection,
};

// Sections contributed by other benchmark modules, each exporting `sections(): Promise<Section[]>`.
const OPTIONAL: Record<string, string> = {
  exhaustive: './exhaustive.ts',
  models: './models.ts',
  overlocking: './overlocking.ts',
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SECTIONS) && !(name in OPTIONAL));
if (unknown.length > 0) {
  console.error(`bench: no section ${unknown.map((n) => `'${n}'`).join(', ')}; the sections: ${[...Object.keys(SECTIONS), ...Object.keys(OPTIONAL)].join(', ')}`);
  process.exit(2);
}
const pick = (name: string) => wanted.length === 0 || wanted.includes(name);
interface Result { name: string; date?: string; machine?: string; sections: Section[] }
const results: Result[] = [];
const machine = `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
const date = new Date().toISOString();
console.log(`heddle benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`);

for (const [name, run] of Object.entries(SECTIONS)) {
  if (!pick(name)) continue;
  const out = await run();
  const list = Array.isArray(out) ? out : [out];
  results.push({ name, date, machine, sections: list });
  for (const s of list) console.log(renderSection(s) + '\n');
}
for (const [name, path] of Object.entries(OPTIONAL)) {
  if (!pick(name) || !existsSync(new URL(path, import.meta.url))) continue;
  const mod = (await import(path)) as { sections?: () => Promise<Section[]> };
  if (typeof mod.sections !== 'function') continue;
  const list = await mod.sections();
  results.push({ name, date, machine, sections: list });
  for (const s of list) console.log(renderSection(s) + '\n');
}
// A run of some sections replaces theirs and keeps the other sections' last results. Each result
// carries its own date and machine; the top-level ones stay those of the last full run.
const file = new URL('./results.json', import.meta.url).pathname;
type Results = { date: string; machine: string; results: Result[] };
const last: Results | undefined = wanted.length > 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : undefined;
const kept = last?.results ?? [];
const merged = [...kept.map((old) => results.find((r) => r.name === old.name) ?? old), ...results.filter((r) => !kept.some((old) => old.name === r.name))];
writeFileAtomic(file, JSON.stringify({ date: last?.date ?? date, machine: last?.machine ?? machine, results: merged }, null, 2) + '\n');
console.log('wrote bench/results.json');
