import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { corpusPath, saveFailure } from '../../src/corpus.ts';
import { writeFileAtomic } from '../../src/atomic-write.ts';

async function check(...args: string[]) {
  const out = recordingOutput();
  const code = await runCommand('check', args, out);
  return { code, out: out.out.join('\n'), err: out.err.join('\n') };
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('regression files under hostile input', () => {
  it('no scenario name reaches outside the regressions folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'heddle-hostile-'));
    const dir = join(root, 'regressions');
    for (const name of ['../../x', '..', '.', '/etc/passwd', 'a/../../b', 'a\\..\\..\\c', 'ok/name']) {
      const inside = relative(resolve(dir), resolve(corpusPath(name, dir)));
      expect(inside.startsWith('..'), name).toBe(false);
      saveFailure(name, { token: 'heddle2:00000000:AA:00000000', kind: 'deadlock', message: 'm' }, dir);
    }
    expect(readdirSync(root)).toEqual(['regressions']);
  });

  it('a failed write leaves no temp file, and a temp file of a killed process is removed by the next write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-hostile-'));
    const target = join(dir, 'a.json');
    mkdirSync(join(dir, 'b.json')); // renaming a file over a folder fails
    expect(() => writeFileAtomic(join(dir, 'b.json'), '{}')).toThrow();
    writeFileSync(`${target}.999999999.tmp`, 'half'); // what a killed process left (no such pid)
    writeFileAtomic(target, '{}');
    expect(files(dir)).toEqual(['a.json', 'b.json']);
  });

  it('--regressions naming a file is one line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-hostile-'));
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, '');
    const r = await check('test/fixtures/fixed-counter.ts', '--regressions', file, '--iterations', '5');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--regressions: '.*not-a-folder' is a file/);
    expect(r.err).not.toMatch(/internal bug|ENOTDIR/);
  });

  it('a corrupt regression file is a warning for its scenario: the others still run, and the run exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-hostile-'));
    mkdirSync(join(dir, 'fixture'), { recursive: true });
    writeFileSync(corpusPath('fixture/lost-update', dir), '{ not json');
    const r = await check('test/fixtures/programs.ts#fixture/lost-update', 'test/fixtures/fixed-counter.ts', '--regressions', dir, '--iterations', '20');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/warning: fixture\/lost-update was not checked against its saved schedules: .*is not valid JSON/);
    expect(r.out).toMatch(/regressions: NOT checked against its saved schedules/);
    expect(r.out).toMatch(/fixture\/fixed-counter .* got pass/); // the next scenario still ran
  }, 60_000);
});
