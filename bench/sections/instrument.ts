import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parse } from 'acorn';
import { transformSync } from 'esbuild';
import { TransformCache } from '../../src/instrument/cache.ts';
import { instrument } from '../../src/instrument/transform.ts';
import { median, type Section } from '../lib.ts';
import { instrumentOverheadSection } from './instrument-overhead.ts';

// What the await instrumentation adds to loading a module: the transform of this repo's own
// scenarios and models, cold and from the on-disk cache, per 1,000 lines of the JavaScript tsx
// hands it — beside what tsx itself pays to compile the same files (esbuild), as the baseline.

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? tsFiles(path) : entry.endsWith('.ts') ? [path] : [];
  });
}

interface Input {
  readonly ts: string;
  readonly js: string;
  readonly url: string;
}

/** Median milliseconds of `rounds` passes over every input. */
function timed(inputs: readonly Input[], rounds: number, pass: (input: Input) => void): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const input of inputs) pass(input);
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function instrumentSection(): Promise<Section[]> {
  return [await transformSection(), await instrumentOverheadSection()];
}

async function transformSection(): Promise<Section> {
  const root = new URL('../../', import.meta.url);
  const inputs: Input[] = ['scenarios', 'models'].flatMap((folder) => tsFiles(new URL(folder, root).pathname)).map((path) => {
    const ts = readFileSync(path, 'utf8');
    // As tsx compiles it: ESM, with an inline source map.
    const js = transformSync(ts, { loader: 'ts', format: 'esm', sourcemap: 'inline', sourcefile: path, target: 'node20' }).code;
    return { ts, js, url: pathToFileURL(path).href };
  });
  const lines = inputs.reduce((n, i) => n + i.js.split('\n').length, 0);
  const perK = (ms: number) => (ms / lines) * 1000;
  const rounds = 7;
  const compile = timed(inputs, rounds, (i) => transformSync(i.ts, { loader: 'ts', format: 'esm', sourcemap: 'inline', target: 'node20' }));
  const parseOnly = timed(inputs, rounds, (i) => parse(i.js, { ecmaVersion: 'latest', sourceType: 'module' }));
  const cold = timed(inputs, rounds, (i) => instrument(i.js, { url: i.url }));
  const dir = mkdtempSync(join(tmpdir(), 'heddle-bench-cache-'));
  try {
    const cache = new TransformCache(dir);
    for (const i of inputs) cache.transform(i.js, { url: i.url });
    const cached = timed(inputs, rounds, (i) => new TransformCache(dir).transform(i.js, { url: i.url }));
    const row = (what: string, ms: number) => [what, perK(ms), ms / compile];
    return {
      title: `Await instrumentation: transform cost (${inputs.length} files, ${lines.toLocaleString('en')} lines of tsx output)`,
      columns: ['pass', 'ms per 1,000 lines', '÷ tsx compile'],
      rows: [
        row('tsx compile (esbuild, baseline)', compile),
        row('acorn parse alone', parseOnly),
        row('instrument, cold', cold),
        row('instrument, cached on disk', cached),
      ],
      notes: ['cold: parse, rewrite, and compose the source maps; cached: hash the source, read and parse the stored entry'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
