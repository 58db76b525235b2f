// Instrumented code behaves exactly as the plain code when no exploration runs (the
// passthrough runtime): same values, same errors, same interleaving of microtasks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { instrument } from '../../src/instrument/transform.ts';
import { PROGRAMS as ASYNC_PROGRAMS } from './corpus.ts';
import { TRACKING_PROGRAMS } from './corpus-tracking.ts';

const PROGRAMS = [...ASYNC_PROGRAMS, ...TRACKING_PROGRAMS];

const RUNNER = fileURLToPath(new URL('./fixtures/run-programs.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'heddle-programs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes every program plain and instrumented, runs them all in one child process, returns the logs. */
function runAll(): { plain: string[]; instrumented: string[]; rewritten: boolean }[] {
  const files = PROGRAMS.map((program, i) => {
    const ext = program.format === 'commonjs' ? '.cjs' : '.mjs';
    const plain = join(dir, `plain-${i}${ext}`);
    const rewritten = join(dir, `instrumented-${i}${ext}`);
    writeFileSync(plain, program.source);
    const out = instrument(program.source, { url: pathToFileURL(rewritten).href, format: program.format ?? 'module' });
    writeFileSync(rewritten, out.code);
    return { plain, rewritten, changed: out.code !== program.source };
  });
  const child = spawnSync(process.execPath, [RUNNER, ...files.flatMap((f) => [f.plain, f.rewritten])], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`the program runner failed:\n${child.stderr}`);
  const logs = JSON.parse(child.stdout) as Record<string, string[]>;
  return files.map((f) => ({ plain: logs[f.plain]!, instrumented: logs[f.rewritten]!, rewritten: f.changed }));
}

describe('instrumented programs behave as the plain ones', () => {
  const results = runAll();
  PROGRAMS.forEach((program, i) => {
    it(program.name, () => {
      const { plain, instrumented, rewritten } = results[i]!;
      expect(rewritten).toBe(true);
      expect(plain.length).toBeGreaterThan(0);
      expect(plain.filter((line) => line.startsWith('threw') || line.startsWith('unhandled'))).toEqual([]);
      expect(instrumented).toEqual(plain);
    });
  });
});
