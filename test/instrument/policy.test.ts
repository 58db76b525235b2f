// What is instrumented: the user's code, the packages named, never heddle itself.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { InputError } from '../../src/cli/input.ts';
import { heddleRoot, InstrumentPolicy, packageName } from '../../src/instrument/policy.ts';
import { checkInstalled } from '../../src/instrument/register.ts';

const root = '/work/heddle';
const url = (path: string) => pathToFileURL(path).href;

describe('instrument policy', () => {
  const policy = new InstrumentPolicy({ root, packages: ['p-memoize-6.0.2', '@scope/pkg'] });

  it("selects the user's own files, by file URL or path, with or without a query", () => {
    expect(policy.selects(url('/work/app/src/cache.ts'))).toBe(true);
    expect(policy.selects('/work/app/scenarios/x.ts?v=3')).toBe(true);
    expect(policy.selects(url('/work/heddle/scenarios/basics/lost-update.ts'))).toBe(true);
    expect(policy.selects(url('/work/heddle/models/cache/buggy.ts'))).toBe(true);
  });

  it("leaves heddle's own src/, scheduler/ and dist/ alone", () => {
    for (const folder of ['src', 'scheduler', 'dist']) expect(policy.selects(url(`/work/heddle/${folder}/run.ts`))).toBe(false);
    expect(policy.selects(url('/work/heddle/srcs/run.ts'))).toBe(true);
  });

  it('excludes node_modules unless the package is named (by its folder name, scoped or aliased)', () => {
    expect(policy.selects(url('/work/app/node_modules/p-memoize/dist/index.js'))).toBe(false);
    expect(policy.selects(url('/work/app/node_modules/p-memoize-6.0.2/dist/index.js'))).toBe(true);
    expect(policy.selects(url('/work/app/node_modules/@scope/pkg/index.js'))).toBe(true);
    expect(policy.selects(url('/work/app/node_modules/@scope/other/index.js'))).toBe(false);
    // A dependency of an opted-in package is a package of its own.
    expect(policy.selects(url('/work/app/node_modules/p-memoize-6.0.2/node_modules/mimic-fn/index.js'))).toBe(false);
    policy.add(['mimic-fn']);
    expect(policy.selects(url('/work/app/node_modules/p-memoize-6.0.2/node_modules/mimic-fn/index.js'))).toBe(true);
  });

  it('never selects what is not a file', () => {
    for (const id of ['node:fs', 'data:text/javascript,1', 'virtual:thing', '\0plugin']) expect(policy.selects(id)).toBe(false);
  });

  it('reads the package name from the last node_modules folder', () => {
    expect(packageName('/a/node_modules/x/node_modules/@s/y/lib/z.js')).toBe('@s/y');
    expect(packageName('/a/src/z.js')).toBeUndefined();
  });

  it("finds heddle's root from its own location", () => {
    expect(heddleRoot()).toBe(process.cwd());
  });
});

describe('--instrument NAME', () => {
  it('passes for an installed package, scoped ones too, from a subfolder', () => {
    expect(() => checkInstalled('p-memoize-6.0.2', process.cwd())).not.toThrow();
    expect(() => checkInstalled('@jridgewell/remapping', join(process.cwd(), 'test'))).not.toThrow();
  });

  it('a package that is not installed is an input error', () => {
    const empty = mkdtempSync(join(tmpdir(), 'heddle-empty-'));
    mkdirSync(join(empty, 'node_modules'));
    try {
      expect(() => checkInstalled('left-pad-nowhere', empty)).toThrow(InputError);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('check and replay: one line on stderr and exit 2', async () => {
    for (const args of [['check', '--instrument', 'not-a-package-here'], ['replay', 'x', 'heddle1:abc', '--instrument', 'not-a-package-here']] as const) {
      const out = recordingOutput();
      expect(await runCommand(args[0], args.slice(1), out)).toBe(2);
      expect(out.err).toEqual([`heddle ${args[0]}: --instrument not-a-package-here: no package 'not-a-package-here' is installed (no node_modules/not-a-package-here in ${process.cwd()} or above)`]);
    }
  });
});
