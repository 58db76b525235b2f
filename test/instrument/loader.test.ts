// The loader end to end, in child processes: Node's hooks after tsx, ESM and CommonJS (.cjs,
// and TypeScript .cts through the _compile patch), a worker thread, the static `instrument:`
// scan opting a package in before it loads, and source maps back to the .ts lines.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const INSTRUMENT = fileURLToPath(new URL('../../src/instrument/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'heddle-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// An instrumented async function is a plain function (it returns H.fn(…)): that is how the
// fixtures tell, whatever runtime is installed.
const KIND = `const kind = (f) => (f.constructor.name === 'AsyncFunction' ? 'plain' : 'instrumented');`;

const FILES: Record<string, string> = {
  'package.json': '{ "type": "module" }',
  // Registers like the bin does, with a runtime that records every module's sites first.
  'boot.mjs': `
    import { pathToFileURL } from 'node:url';
    import { ensureTsx } from ${JSON.stringify(join(INSTRUMENT, 'tsx.mjs'))};
    ensureTsx();
    const { PASSTHROUGH } = await import(${JSON.stringify(join(INSTRUMENT, 'passthrough.ts'))});
    globalThis.sitesOf = new Map();
    globalThis[Symbol.for('heddle.instrument')] = { module(url, sites) { globalThis.sitesOf.set(url, sites); return PASSTHROUGH; } };
    const { registerInstrumentation } = await import(${JSON.stringify(join(INSTRUMENT, 'register.ts'))});
    registerInstrumentation({ instrument: process.argv.slice(3) });
    await import(pathToFileURL(process.argv[2]).href);
  `,
  'typed.ts': `
interface Shape {
  a: number;
  b: string;
}
type Alias = { x: number };

export async function where(shape?: Shape): Promise<string> {
  await Promise.resolve(shape);
  return new Error('here').stack!.split('\\n')[1]!.trim();
}
`,
  'esm.ts': `
    import { where } from './typed.ts';
    ${KIND}
    const url = new URL('./typed.ts', import.meta.url).href;
    const sites = globalThis.sitesOf.get(url).map(([kind, name, line]) => [kind, name, line]);
    console.log(JSON.stringify({ kind: kind(where), sites, stack: await where() }));
  `,
  'legacy.cjs': `
    const helper = require('./helper.cjs');
    async function main() { return (await helper.twice(2)) + 1; }
    module.exports = { main, helperKind: helper.kind };
  `,
  'helper.cjs': `
    exports.twice = async (n) => n * 2;
    exports.kind = exports.twice.constructor.name;
  `,
  'typed.cts': `
    const base: number = 40;
    async function plus(n: number): Promise<number> { return (await Promise.resolve(base)) + n; }
    module.exports = { plus };
  `,
  'cjs.ts': `
    import legacy from './legacy.cjs';
    import typed from './typed.cts';
    ${KIND}
    console.log(JSON.stringify({ legacy: kind(legacy.main), helper: legacy.helperKind === 'AsyncFunction' ? 'plain' : 'instrumented',
      typed: kind(typed.plus), values: [await legacy.main(), await typed.plus(2)] }));
  `,
  'threads.ts': `
    import { Worker } from 'node:worker_threads';
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { instrument: ['opted-pkg'] } });
    worker.on('message', (m) => console.log(JSON.stringify(m)));
  `,
  'worker.mjs': `
    import { parentPort, workerData } from 'node:worker_threads';
    import { ensureTsx } from ${JSON.stringify(join(INSTRUMENT, 'tsx.mjs'))};
    ensureTsx();
    const { registerInstrumentation } = await import(${JSON.stringify(join(INSTRUMENT, 'register.ts'))});
    registerInstrumentation(workerData);
    ${KIND}
    const { where } = await import('./typed.ts');
    const { run } = await import('opted-pkg');
    const { run: other } = await import('other-pkg');
    parentPort.postMessage({ own: kind(where), opted: kind(run), other: kind(other), value: await run() });
  `,
  // A scenario names the package it needs instrumented; its import is loaded after the scan.
  'scenario.ts': `
    import { run } from 'opted-pkg';
    import { run as other } from 'other-pkg';
    ${KIND}
    export const options = { instrument: ['opted-pkg'] };
    console.log(JSON.stringify({ opted: kind(run), other: kind(other) }));
  `,
  'node_modules/opted-pkg/package.json': '{ "name": "opted-pkg", "type": "module", "main": "index.js" }',
  'node_modules/opted-pkg/index.js': 'export async function run() { await null; return "opted ran"; }\n',
  'node_modules/other-pkg/package.json': '{ "name": "other-pkg", "type": "module", "main": "index.js" }',
  'node_modules/other-pkg/index.js': 'export async function run() { return "other ran"; }\n',
};

for (const [name, text] of Object.entries(FILES)) {
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  writeFileSync(join(dir, name), text);
}

/** Runs a fixture through boot.mjs in a fresh process; its last stdout line, parsed. */
function run(file: string, ...packages: string[]): Record<string, unknown> {
  const child = spawnSync(process.execPath, [join(dir, 'boot.mjs'), join(dir, file), ...packages], { cwd: dir, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${file} failed (${child.status}):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('the loader hooks', () => {
  it('instrument ES modules compiled by tsx; sites and stack traces carry the .ts lines', () => {
    const r = run('esm.ts');
    expect(r.kind).toBe('instrumented');
    expect(r.sites).toEqual([['fn', 'where', 8], ['await', 'where', 9], ['resolve', 'where', 9]]);
    expect(r.stack).toMatch(/typed\.ts:10:\d+\)?$/);
  });

  it('instrument CommonJS: a .cjs and what it requires, and a TypeScript .cts', () => {
    expect(run('cjs.ts')).toEqual({ legacy: 'instrumented', helper: 'instrumented', typed: 'instrumented', values: [5, 42] });
  });

  it('instrument in a worker thread that registers with the same options', () => {
    expect(run('threads.ts')).toEqual({ own: 'instrumented', opted: 'instrumented', other: 'plain', value: 'opted ran' });
  });

  it("a module's static instrument: ['pkg'] opts the package in before its imports load", () => {
    expect(run('scenario.ts')).toEqual({ opted: 'instrumented', other: 'plain' });
  });

  it('packages named at registration are instrumented, the others are not', () => {
    writeFileSync(join(dir, 'direct.ts'), `import { run } from 'other-pkg';\n${KIND}\nconsole.log(JSON.stringify({ other: kind(run) }));\n`);
    expect(run('direct.ts', 'other-pkg')).toEqual({ other: 'instrumented' });
    expect(run('direct.ts')).toEqual({ other: 'plain' });
  });

  it('a second run is served from the cache with the same result', () => {
    expect(run('esm.ts')).toEqual(run('esm.ts'));
  });
});
