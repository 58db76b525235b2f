// heddle as another project sees it: `npm pack` (prepack builds dist/), a fresh project outside
// this repo installs the tarball (with vitest and typescript) from npm's cache alone, and uses
// heddle from plain node, from vitest, from tsc and through its bin.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLockfile, topLevelVersions, type LockEntry, type Lockfile } from './lockfile.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Installed beside heddle, at the versions this repo's lockfile has: (b) runs vitest, (c) tsc. */
const ALSO = ['vitest', 'typescript'];
/** Packing builds dist/ and installing unpacks a few hundred files: slow, and the machine may be shared. */
const SLOW = 240_000;

/**
 * The environment of every command: this one's without what an enclosing `npm test` or vitest
 * put there (npm_config_local_prefix would point npm back at this repo; VITEST_* would tell the
 * consumer's vitest it runs inside a worker).
 */
const ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
  name === 'npm_config_cache' || !(/^(npm_|VITEST|__VITEST|INIT_CWD$)/.test(name))));

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command, its exit and its output: the message of a failed expectation. */
  readonly transcript: string;
}

function run(cwd: string, command: string, ...args: string[]): Ran {
  const r: SpawnSyncReturns<string> = spawnSync(command, args, { cwd, env: ENV, encoding: 'utf8', timeout: SLOW, maxBuffer: 64 << 20 });
  const exit = r.error ? `failed to run (${r.error.message})` : r.signal ? `killed by ${r.signal}` : `exited ${r.status}`;
  const transcript = `\`${[command, ...args].join(' ')}\` in ${cwd} ${exit}\n--- stdout\n${r.stdout ?? ''}\n--- stderr\n${r.stderr ?? ''}`;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', transcript };
}

function succeeds(r: Ran): Ran {
  if (r.status !== 0) throw new Error(r.transcript);
  return r;
}

interface Packed {
  readonly filename: string;
  readonly integrity: string;
  readonly files: { readonly path: string }[];
}

/** `npm pack --json`'s record (prepack's build logs on stderr; a line of its on stdout is skipped all the same). */
function parsePack(stdout: string): Packed {
  const start = stdout.search(/^\[/m);
  return (JSON.parse(stdout.slice(start)) as Packed[])[0]!;
}

// ----- the consumer's files -----

/** A lost update through heddle's primitives: no instrumentation needed, so plain `node` finds it. */
const APP_MJS = `
import { explore, scenario, spawn, Shared } from 'heddle';

const lost = scenario('lost update', async () => {
  const counter = new Shared(0);
  const inc = async () => { const v = await counter.get(); await counter.set(v + 1); };
  const tasks = [spawn(inc, 'a'), spawn(inc, 'b')];
  for (const t of tasks) await t.join();
  if ((await counter.get()) !== 2) throw new Error('lost an update');
});

const r = await explore(lost, { iterations: 100 });
console.log(JSON.stringify({ kind: r.failure?.kind, message: r.failure?.message, token: r.failure?.token }));
`;

/** Plain TypeScript with a race: only its awaits, instrumented (by the bin, or by the vitest plugin), interleave. */
const RACE_TS = `
import { scenario, spawn } from 'heddle';

export const race = scenario('plain race', async () => {
  const o = { n: 0 };
  const inc = async () => {
    const v = o.n;
    await Promise.resolve();
    o.n = v + 1;
  };
  await Promise.all([spawn(inc, 'a').join(), spawn(inc, 'b').join()]);
  if (o.n !== 2) throw new Error(\`lost an update: n is \${o.n}\`);
});
`;

/** Primitives only: DPOR's count shows whether the scenario's heddle is the CLI's (a second copy's operations would be unknown code, ordered against everything). */
const FORKS_TS = `
import { Mutex, Shared, scenario, spawn } from 'heddle';

export default scenario('ordered forks', async () => {
  const forks = [new Mutex('fork0'), new Mutex('fork1'), new Mutex('fork2')];
  const meals = new Shared(0, 'meals');
  const eat = (i: number) => async () => {
    const a = Math.min(i, (i + 1) % 3), b = Math.max(i, (i + 1) % 3);
    await forks[a]!.lock();
    await forks[b]!.lock();
    await meals.update((m) => m + 1);
    forks[b]!.unlock();
    forks[a]!.unlock();
  };
  const tasks = [0, 1, 2].map((i) => spawn(eat(i), 'p' + i));
  for (const t of tasks) await t.join();
  if ((await meals.get()) !== 3) throw new Error('a meal was lost');
});
`;

const VITEST_CONFIG = `
import { defineConfig } from 'vitest/config';
import { heddleInstrument } from 'heddle/vitest';

export default defineConfig({ plugins: [heddleInstrument()], test: { include: ['race.test.ts'] } });
`;

const RACE_TEST_TS = `
import { it } from 'vitest';
import { expectNoFailure } from 'heddle/vitest';
import { race } from './race.ts';

it('has no race', async () => {
  await expectNoFailure(race);
});
`;

/** The public API, used as a consumer would: type-checked only. */
const USE_TS = `
import { explore, Mutex, replay, scenario, Shared, spawn, type ExploreResult, type Failure } from 'heddle';
import { expectFailure, expectNoFailure, heddleInstrument } from 'heddle/vitest';

const guarded = scenario('guarded', async () => {
  const counter = new Shared(0);
  const lock = new Mutex();
  const inc = async (): Promise<void> => {
    await lock.withLock(async () => counter.set((await counter.get()) + 1));
  };
  const tasks = [spawn(inc, 'a'), spawn(inc, 'b')];
  for (const t of tasks) await t.join();
}, { description: 'two increments under a mutex' });

const result: ExploreResult = await explore(guarded, { iterations: 10, seed: 7 });
if (result.failure) {
  const again = await replay(guarded, result.failure.token);
  const kind: string | undefined = again.failure?.kind;
  console.log(kind);
}
await expectNoFailure(guarded, { iterations: 10 });
const failure: Failure = await expectFailure(guarded, 'assertion');
const plugin: { readonly name: string } = heddleInstrument({ instrument: ['some-package'] });
console.log(failure.kind, plugin.name);
`;

function tsconfig(module: Record<string, string>): string {
  return JSON.stringify({
    compilerOptions: { ...module, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false },
    files: ['use.ts'],
  }, null, 2);
}

const FILES: Record<string, string> = {
  'app.mjs': APP_MJS,
  'race.ts': RACE_TS,
  'vitest.config.mjs': VITEST_CONFIG,
  'race.test.ts': RACE_TEST_TS,
  'use.ts': USE_TS,
  'tsconfig.nodenext.json': tsconfig({ module: 'NodeNext' }),
  'tsconfig.bundler.json': tsconfig({ module: 'preserve', moduleResolution: 'bundler' }),
};

// ----- the project -----

let project = '';
let packed: Packed;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'heddle-consumer-'));
  packed = parsePack(succeeds(run(REPO, 'npm', 'pack', '--json', '--pack-destination', project)).stdout);
  const repoLock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lockfile;
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as LockEntry & { name: string };
  const lock = consumerLockfile(repoLock, 'heddle-consumer', { name: manifest.name, file: packed.filename, integrity: packed.integrity, manifest }, ALSO);
  const dependencies = { [manifest.name]: `file:${packed.filename}`, ...topLevelVersions(repoLock, ALSO) };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'heddle-consumer', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  // From the cache alone (what this repo's `npm ci` fetched); no install scripts: nothing here needs one.
  succeeds(run(project, 'npm', 'ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(project, name), text);
  mkdirSync(join(project, 'commonjs'));
  writeFileSync(join(project, 'commonjs', 'package.json'), '{ "name": "commonjs-part" }\n');
  writeFileSync(join(project, 'commonjs', 'race.ts'), RACE_TS);
  writeFileSync(join(project, 'commonjs', 'forks.ts'), FORKS_TS);
}, SLOW);

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

describe('heddle installed from its tarball', () => {
  it('ships dist/, README.md, LICENSE and package.json only', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => !p.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json', 'bin/heddle.mjs'].includes(p))).toEqual([]);
    expect(paths.filter((p) => /^(models|scenarios|test|bench|src|scheduler)\//.test(p))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/vitest.js',
      'dist/src/cli/bin.mjs', 'dist/src/instrument/hooks.mjs', 'dist/src/instrument/tsx.mjs', 'dist/src/parallel/worker-boot.mjs']));
  });

  it('plain node imports heddle and explore finds a lost update', () => {
    const r = run(project, process.execPath, 'app.mjs');
    expect(r.status, r.transcript).toBe(0);
    const found = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { kind?: string; message?: string; token?: string };
    expect(found.kind, r.transcript).toBe('assertion');
    expect(found.message).toMatch(/lost an update/);
    expect(found.token).toMatch(/^heddle2:/);
  }, SLOW);

  it('under vitest, heddle/vitest fails the test with a replay line', () => {
    const r = run(project, 'npx', '--no', 'vitest', 'run', '--reporter=json', '--outputFile=vitest-report.json');
    expect(r.status, r.transcript).toBe(1);
    const report = JSON.parse(readFileSync(join(project, 'vitest-report.json'), 'utf8')) as {
      testResults: { assertionResults: { status: string; failureMessages: string[] }[] }[];
    };
    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(results.map((a) => a.status), r.transcript).toEqual(['failed']);
    const message = results[0]!.failureMessages.join('\n');
    expect(message).toMatch(/assertion in plain race/);
    expect(message).toMatch(/replay/);
    expect(message).toMatch(/heddle2:/);
    // the CLI line, pasted into a shell in the project, replays the same failure
    const line = /^\s*replay: (npx heddle replay .*heddle2:\S+)$/m.exec(message)?.[1];
    expect(line, message).toBeDefined();
    const replayed = run(project, 'sh', '-c', line!);
    expect(replayed.status, replayed.transcript).toBe(1);
    expect(replayed.stdout, replayed.transcript).toMatch(/lost an update/);
    // vitest's code frame is the test's own line, not heddle's helper
    expect(message, message).toMatch(/race\.test\.ts:\d+/);
    expect(message).not.toMatch(/node_modules\/heddle\//);
  }, SLOW);

  for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
    it(`tsc --strict type-checks the public API with skipLibCheck off (${config})`, () => {
      const r = run(project, 'npx', '--no', '--', 'tsc', '-p', config);
      expect(r.status, r.transcript).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/error/);
    }, SLOW);
  }

  it('npx heddle check finds the race in a plain TypeScript file, exits 1 and prints a replay line', () => {
    const r = run(project, 'npx', '--no', 'heddle', 'check', 'race.ts');
    expect(r.status, r.transcript).toBe(1);
    expect(r.stdout, r.transcript).toMatch(/assertion in plain race/);
    const line = /^\s*replay: (.*heddle2:\S+)$/m.exec(r.stdout)?.[1];
    expect(line, r.transcript).toMatch(/^npx heddle replay 'race\.ts#plain race' heddle2:/);
    const replayed = run(project, 'sh', '-c', line!);
    expect(replayed.status, replayed.transcript).toBe(1);
    expect(replayed.stdout, replayed.transcript).toMatch(/lost an update/);
  }, SLOW);

  it('in a CommonJS project the scenario\'s heddle is the CLI\'s own (one instance): dpor reduces over its primitives', () => {
    const r = run(project, 'npx', '--no', 'heddle', 'check', 'commonjs/forks.ts', '--strategy', 'dpor');
    expect(r.status, r.transcript).toBe(0);
    expect(r.stdout, r.transcript).toMatch(/verified: 6 traces, complete$/m);
  }, SLOW);

  it('a project without "type": "module" (its .ts files are CommonJS) checks the same file', () => {
    const r = run(project, 'npx', '--no', 'heddle', 'check', 'commonjs/race.ts');
    expect(r.status, r.transcript).toBe(1);
    expect(r.stdout, r.transcript).toMatch(/lost an update: n is 1/);
  }, SLOW);
});
