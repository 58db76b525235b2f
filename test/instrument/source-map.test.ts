// Source maps through the transform: sites, the composed map and parse errors name the lines
// of the original file, not of the JavaScript a compiler made of it.
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { MagicString } from 'magic-string';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { instrument } from '../../src/instrument/transform.ts';
import { inlineComment, type SourceMap } from '../../src/instrument/source-map.ts';

const URL_TS = pathToFileURL(join(process.cwd(), 'src/example.ts')).href;

/** What a TypeScript compiler does here: drops the type-only lines, with a map, inline as tsx writes it. */
function compile(ts: string, typeOnlyLines: number): { js: string; map: SourceMap } {
  const s = new MagicString(ts);
  let end = 0;
  for (let i = 0; i < typeOnlyLines; i++) end = ts.indexOf('\n', end) + 1;
  s.remove(0, end);
  const map = s.generateMap({ source: 'example.ts', hires: true }) as unknown as SourceMap;
  return { js: `${s.toString()}\n${inlineComment(map)}\n`, map };
}

const TS = 'interface Shape {\n  a: number;\n}\nexport async function area(s) {\n  const v = await s.a;\n  return v;\n}\n';

describe('source maps', () => {
  it('sites carry the original lines when the input has an inline map', () => {
    const { js } = compile(TS, 3);
    const r = instrument(js, { url: URL_TS });
    expect(r.sites.map((s) => [s[0], s[2], s[3]])).toEqual([['fn', 4, 7], ['await', 5, 12]]);
  });

  it('a map handed beside the source (vite) serves as well as an inline one', () => {
    const { js, map } = compile(TS, 3);
    const bare = js.split('\n//# sourceMappingURL=')[0]!;
    expect(instrument(bare, { url: URL_TS, inputMap: map }).sites.map((s) => s[2])).toEqual([4, 5]);
  });

  it('the composed map takes a position in the rewritten code back to the original file', () => {
    const { js } = compile(TS, 3);
    const r = instrument(js, { url: URL_TS });
    expect(r.code.match(/sourceMappingURL/g)).toHaveLength(1);
    const lines = r.code.split('\n');
    const line = lines.findIndex((l) => l.includes('await __heddle.aw('));
    // `s.a` is now `__heddle.r(s, "a")`: its `s` is still the one the user wrote.
    const column = lines[line]!.indexOf('__heddle.r(s, "a")') + '__heddle.r('.length;
    const original = originalPositionFor(new TraceMap(r.map!), { line: line + 1, column });
    expect(original).toMatchObject({ source: 'example.ts', line: 5, column: 18 });
  });

  it('without an input map, the map points at the module itself', () => {
    const r = instrument('async function f() {\n  await g();\n}\n', { url: 'file:///project/a.js' });
    const original = originalPositionFor(new TraceMap(r.map!), { line: 2, column: r.code.split('\n')[1]!.indexOf('fc(g)') + 'fc('.length });
    expect(original).toMatchObject({ line: 2, column: 8 });
  });
});

describe('a module that does not parse', () => {
  it('is one line: file:line:col: message, at the original line', () => {
    const { js } = compile('type T = 1;\nconst x = ;\n', 1);
    expect(() => instrument(js, { url: URL_TS })).toThrow(new SyntaxError('src/example.ts:2:11: Unexpected token'));
  });

  it('without a map, at its own line', () => {
    expect(() => instrument('ok();\nconst = 1;\n', { url: 'file:///elsewhere/b.js', format: 'module' }))
      .toThrow(new SyntaxError('/elsewhere/b.js:2:7: Unexpected token'));
  });
});
