// The on-disk cache of transformed modules: a hit is the same output; a broken or unwritable
// cache is no cache.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCacheDir, TransformCache } from '../../src/instrument/cache.ts';
import { instrument } from '../../src/instrument/transform.ts';

const dir = mkdtempSync(join(tmpdir(), 'heddle-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SOURCE = 'export async function f() { await g(); return h().then(k); }\n';
const URL_A = 'file:///project/a.js';

describe('transform cache', () => {
  it('a hit gives the output a miss gave, and the output instrument() gives', () => {
    const cacheDir = join(dir, 'hit');
    const cold = new TransformCache(cacheDir).transform(SOURCE, { url: URL_A });
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const warm = new TransformCache(cacheDir).transform(SOURCE, { url: URL_A });
    expect(warm).toEqual(cold);
    const direct = instrument(SOURCE, { url: URL_A });
    expect(cold).toEqual({ code: direct.code, map: direct.map, instrument: [], sites: direct.sites.length, changed: true });
  });

  it('the key covers the URL, the options and the source', () => {
    const cacheDir = join(dir, 'keys');
    const cache = new TransformCache(cacheDir);
    cache.transform(SOURCE, { url: URL_A });
    cache.transform(SOURCE, { url: 'file:///project/b.js' });
    cache.transform(SOURCE, { url: URL_A, inlineMap: false });
    cache.transform(`${SOURCE}// changed\n`, { url: URL_A });
    expect(readdirSync(cacheDir)).toHaveLength(4);
    expect(cache.transform(SOURCE, { url: 'file:///project/b.js' }).code).toContain('.module("file:///project/b.js"');
  });

  it('an unchanged module is stored as such and comes back as its source, with its static scan', () => {
    const cacheDir = join(dir, 'unchanged');
    const plain = "export const options = { instrument: ['pkg'] };\n";
    new TransformCache(cacheDir).transform(plain, { url: URL_A });
    expect(new TransformCache(cacheDir).transform(plain, { url: URL_A })).toEqual({ code: plain, map: undefined, instrument: ['pkg'], sites: 0, changed: false });
  });

  it('a half-written entry is a miss', () => {
    const cacheDir = join(dir, 'broken');
    new TransformCache(cacheDir).transform(SOURCE, { url: URL_A });
    const [entry] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, entry!), '{"code": "trunc');
    expect(new TransformCache(cacheDir).transform(SOURCE, { url: URL_A }).code).toBe(instrument(SOURCE, { url: URL_A }).code);
    expect(JSON.parse(readFileSync(join(cacheDir, entry!), 'utf8')).sites).toBe(2 + 1);
  });

  it('a folder that cannot be written is no cache, silently', () => {
    // (A folder under a file: even root cannot create it.)
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const cache = new TransformCache(join(file, 'cache'));
    expect(cache.transform(SOURCE, { url: URL_A }).code).toBe(instrument(SOURCE, { url: URL_A }).code);
    expect(cache.transform(SOURCE, { url: URL_A }).code).toBe(instrument(SOURCE, { url: URL_A }).code);
  });

  it('lives in node_modules/.cache/heddle when there is a node_modules, else in the temp folder', () => {
    expect(defaultCacheDir(process.cwd())).toBe(join(process.cwd(), 'node_modules', '.cache', 'heddle'));
    expect(defaultCacheDir(dir)).toBe(join(tmpdir(), 'heddle-cache'));
  });
});
