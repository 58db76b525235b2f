import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore, replay, scenario, TokenError, yieldNow } from 'heddle';
import { encodeToken, scenarioHash, traceHash } from '../../scheduler/codec.ts';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { corpusPath, saveFailure } from '../../src/corpus.ts';
import { seedProblem } from '../../src/seed.ts';
import { lostUpdate, oppositeLocks } from '../fixtures/programs.ts';

const FIXTURES = 'test/fixtures/programs.ts';

async function run(command: 'check' | 'replay', ...args: string[]) {
  const out = recordingOutput();
  const code = await runCommand(command, args, out);
  return { code, out: out.out.join('\n'), err: out.err.join('\n') };
}

/** The one-line, stack-free error of a refused replay. */
async function refusal(tokenOrSeed: string, options: Parameters<typeof replay>[2] = {}): Promise<string> {
  const e = await replay(lostUpdate, tokenOrSeed, options).then(() => null, (err: unknown) => err);
  expect(e, `'${tokenOrSeed}' must be refused, not replayed`).toBeInstanceOf(TokenError);
  const message = (e as TokenError).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

const token = (await explore(lostUpdate, { seed: 1, iterations: 200 })).failure!.token;

describe('a damaged token is refused, never run as a seed', () => {
  it('the real token replays (the loops below would mean nothing otherwise)', async () => {
    expect(token).toMatch(/^heddle2:[0-9a-f]{8}:[A-Za-z0-9_-]+:[0-9a-f]{8}$/);
    expect((await replay(lostUpdate, token)).failure?.kind).toBe('assertion');
  });

  it('the first character cut, an upper-case prefix, garbage', async () => {
    expect(await refusal(token.slice(1))).toMatch(/^damaged token: it must start with 'heddle2:', not 'eddle2:'/);
    expect(await refusal(token.toUpperCase())).toMatch(/^damaged token: it must start with 'heddle2:', not 'HEDDLE2:'/);
    expect(await refusal(token.replace('heddle2', 'HEDDLE2'))).toMatch(/not 'HEDDLE2:'/);
    expect(await refusal('HEDDLE1:d99f88b9:CAABAgEBAgIBAQEAAQIBAAIAqOu87gmPvZiLAw')).toMatch(/damaged token/);
    expect(await refusal('garbage')).toBe(`'garbage' is neither a schedule token (heddle2:…) nor a seed (a whole number from 0 to 9007199254740991)`);
    expect(await refusal('')).toMatch(/^expected a schedule token \(heddle2:…\) or a seed/);
  });

  it('a token of the older format says so', async () => {
    expect(await refusal('heddle1:d99f88b9:CAABAgEBAgIBAQEAAQIBAAIAqOu87gmPvZiLAw'))
      .toMatch(/^this token was made by an older heddle \(heddle1; this one reads heddle2 tokens\): run check again/);
  });

  it('a character changed, cut or added anywhere: every variant is refused', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:';
    const variants = new Set<string>();
    for (let i = 0; i < token.length; i++) {
      for (const c of alphabet + '. é') if (c !== token[i]) variants.add(token.slice(0, i) + c + token.slice(i + 1));
      variants.add(token.slice(0, i) + token.slice(i + 1));
    }
    for (let i = 0; i <= token.length; i++) {
      // White space around a token is not part of it (a shell or an editor adds it): only inside.
      const extra = i === 0 || i === token.length ? alphabet + '.é' : alphabet + '. é';
      for (const c of extra) variants.add(token.slice(0, i) + c + token.slice(i));
    }
    variants.delete(token);
    expect(variants.size).toBeGreaterThan(token.length * 130);
    for (const v of variants) await refusal(v);
  });

  it('a token for another scenario names it when it can, and is one line', async () => {
    expect(await replay(oppositeLocks, token).catch((e: Error) => e.message))
      .toBe(`this token was made for a different scenario, not 'fixture/opposite-locks' (its scenario hash is ${scenarioHash('fixture/lost-update')})`);
    const cli = await run('replay', `${FIXTURES}#fixture/opposite-locks`, token);
    expect(cli.code).toBe(2);
    expect(cli.err).toBe(`heddle replay: this token was made for scenario 'fixture/lost-update', not 'fixture/opposite-locks'`);
  });
});

describe('seeds', () => {
  it('a seed is a whole number from 0 to 2^53 − 1, in one spelling; pct also takes <seed>/<steps>', async () => {
    for (const ok of ['0', '1', '4294967295', String(Number.MAX_SAFE_INTEGER)]) expect(seedProblem(ok, 'random')).toBeNull();
    expect(seedProblem('12/64', 'pct')).toBeNull();
    for (const bad of ['-1', '01', '1.5', '1e3', '+1', ' 1 2', String(Number.MAX_SAFE_INTEGER + 1), 'abc', '1:d2/64']) {
      expect(seedProblem(bad, 'random'), bad).toMatch(/^a seed is a whole number from 0 to 9007199254740991, got/);
    }
    expect(seedProblem('12/64', 'random')).toMatch(/pct execution seed .* belongs to strategy pct, not random/);
    expect(seedProblem('12/0', 'pct')).toMatch(/or <seed>\/<steps> for pct/);
    expect(await refusal('01')).toMatch(/neither a schedule token .* nor a seed/);
    expect(await refusal('7', { strategy: 'dpor' })).toMatch(/a seed belongs to one seeded strategy: name it \(random, pct, pos\), not dpor/);
    await expect(explore(lostUpdate, { seed: 'abc' })).rejects.toThrow(/a seed is a whole number/);
  });

  it('a seed printed for a failure replays it', async () => {
    const r = await explore(lostUpdate, { strategy: 'random', seed: 3, iterations: 200, shrink: false });
    expect((await replay(lostUpdate, r.failure!.seed!)).failure?.kind).toBe('assertion');
  });

  it('check --seed takes the same seeds', async () => {
    const r = await run('check', `${FIXTURES}#fixture/lost-update`, '--seed', 'x7');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`heddle check: --seed: a seed is a whole number from 0 to 9007199254740991, got 'x7'`);
  });
});

// A scenario whose code changes between the run that made a token and the replay.
let yields = 3;
const changing = scenario('strict/changing', async () => {
  for (let i = 0; i < yields; i++) await yieldNow();
});

async function tokenWith(n: number): Promise<string> {
  yields = n;
  const r = await replay(changing, '1');
  return encodeToken(changing.name, r.execution.schedule, traceHash(r.execution.trace));
}

describe('a sound token that no longer fits the code', () => {
  it('is longer than the execution: diverged, not a TypeError', async () => {
    const long = await tokenWith(6);
    yields = 2;
    const r = await replay(changing, long);
    expect(r.verdict).toBe('diverged');
    expect(r.divergence).toMatch(/^the schedule no longer fits the code of 'strict\/changing': replay diverged at step 3: the execution finished there, but the schedule has 7 steps — the code changed since the token was made .*: run check again for a new token$/);
    expect(r.failure?.kind).toBe('nondeterminism');
  });

  it('is shorter than the execution: diverged at the step where it ends', async () => {
    const short = await tokenWith(2);
    yields = 6;
    const r = await replay(changing, short);
    expect(r.verdict).toBe('diverged');
    expect(r.divergence).toMatch(/replay diverged at step 3: the schedule ends after 3 steps, but task 0 can still run — the code changed/);
    expect(r.divergence!.split('\n')).toHaveLength(1);
  });

  it('the CLI prints the one line and exits 3', async () => {
    const token = (await run('check', `${FIXTURES}#fixture/opposite-locks`, '--json')).out;
    const r = await run('replay', 'test/fixtures/changed.ts#fixture/opposite-locks', JSON.parse(token).failure.token);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^heddle replay: the schedule no longer fits the code of 'fixture\/opposite-locks': replay diverged at step \d+: the schedule says task \d/);
    expect(r.err.split('\n')).toHaveLength(1);
  });
});

describe('the regression corpus', () => {
  it('a damaged saved token is bad input (exit 2), never "still fixed"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heddle-strict-'));
    saveFailure('fixture/lost-update', { token: token.slice(1), kind: 'assertion', message: 'lost' }, dir);
    const r = await run('check', `${FIXTURES}#fixture/lost-update`, '--regressions', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/fixture\/lost-update.json: saved schedule 1 of 1 cannot be replayed: damaged token: it must start with 'heddle2:'/);
    expect(r.out).not.toMatch(/still fixed/);
  });

  it('a seed, an old token or an entry without a kind is refused too', async () => {
    for (const entry of [{ token: '7', kind: 'assertion', message: '' }, { token: 'heddle1:00000000:AA', kind: 'assertion', message: '' },
      { token, message: '' }]) {
      const dir = mkdtempSync(join(tmpdir(), 'heddle-strict-'));
      saveFailure('fixture/lost-update', { token: 'placeholder', kind: 'assertion', message: '' }, dir);
      const path = corpusPath('fixture/lost-update', dir);
      writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), failures: [entry] }));
      const r = await run('check', `${FIXTURES}#fixture/lost-update`, '--regressions', dir);
      expect(r.code, JSON.stringify(entry)).toBe(2);
      expect(r.err).toMatch(/saved schedule 1 of 1 (cannot be replayed|is damaged)/);
    }
  });
});

describe('npx tsx replay, in a child process', () => {
  const replayCli = (arg: string) => spawnSync(process.execPath, ['--import', 'tsx', 'replay.ts', `${FIXTURES}#fixture/lost-update`, arg],
    { encoding: 'utf8', timeout: 60_000 });

  it('a token with its first character cut, or garbage: one line, exit 2', () => {
    const cut = replayCli(token.slice(1));
    expect(cut.status).toBe(2);
    expect(cut.stderr).toBe(`heddle replay: damaged token: it must start with 'heddle2:', not 'eddle2:'\n`);
    expect(cut.stdout).toBe('');
    const garbage = replayCli('garbage');
    expect(garbage.status).toBe(2);
    expect(garbage.stderr).toBe(`heddle replay: 'garbage' is neither a schedule token (heddle2:…) nor a seed (a whole number from 0 to 9007199254740991)\n`);
  });
});
