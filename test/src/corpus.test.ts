import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { corpusPath, loadCorpus, saveFailure } from '../../src/corpus.ts';

async function check(...args: string[]) {
  const out = recordingOutput();
  const code = await runCommand('check', args, out);
  return { code, out: out.out.join('\n'), err: out.err.join('\n') };
}

describe('regression corpus', () => {
  it('--save stores the failing token; the next check replays it first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-corpus-'));
    const first = await check('test/fixtures/programs.ts#fixture/lost-update', '--save', '--regressions', dir);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/saved the failing schedule to .*fixture\/lost-update.json/);
    const saved = loadCorpus('fixture/lost-update', dir);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.kind).toBe('assertion');
    const again = await check('test/fixtures/programs.ts#fixture/lost-update', '--regressions', dir);
    expect(again.out).toMatch(/found by regression corpus/);
    expect(again.out).toMatch(/saved schedule 1 of 1 still fails \(assertion\)/);
  });

  it('a saved token that passes now is reported as still fixed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-corpus-'));
    // The token of the buggy counter, saved under the name of the fixed one: same shape, no bug.
    const buggy = await check('test/fixtures/programs.ts#fixture/lost-update', '--json');
    const token = JSON.parse(buggy.out).failure.token as string;
    const { decodeToken, encodeToken } = await import('../../scheduler/codec.ts');
    const decoded = decodeToken(token);
    expect(decoded.schedule.choices.length).toBeGreaterThan(0);
    saveFailure('fixture/fixed-counter', { token: encodeToken('fixture/fixed-counter', decoded.schedule, decoded.traceHash), kind: 'assertion', message: 'was lost' }, dir);
    const r = await check('test/fixtures/fixed-counter.ts', '--regressions', dir, '--iterations', '50');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/regressions: 1 saved schedule replayed first — 1 still fixed/);
  });

  it('writes atomically and never saves a token twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-corpus-'));
    const f = { token: 'heddle1:00000000:AA', kind: 'deadlock' as const, message: 'm' };
    expect(saveFailure('a/b', f, dir).added).toBe(true);
    expect(saveFailure('a/b', f, dir).added).toBe(false);
    expect(JSON.parse(readFileSync(corpusPath('a/b', dir), 'utf8')).failures).toHaveLength(1);
    expect(existsSync(corpusPath('a/b', dir) + `.${process.pid}.tmp`)).toBe(false);
  });

  it('a corrupt regression file is bad input (exit 2), named in one warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-corpus-'));
    saveFailure('fixture/lost-update', { token: 'x', kind: 'assertion', message: '' }, dir);
    writeFileSync(corpusPath('fixture/lost-update', dir), '{ not json');
    const r = await check('test/fixtures/programs.ts#fixture/lost-update', '--regressions', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not valid JSON/);
  });
});
