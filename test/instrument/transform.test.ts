// The rewrite shapes of api.ts, read back as syntax trees (no snapshots).
import { describe, expect, it } from 'vitest';
import { instrument } from '../../src/instrument/transform.ts';
import { handleCalls, nodes, rewrite, text, tree } from './support.ts';

describe('async functions', () => {
  it('an async function declaration becomes a plain function returning H.fn(S, async (F) => { try … catch … finally … })', () => {
    const r = rewrite('async function load(a, b) {\n  const v = await a;\n  return v + b;\n}\n');
    const t = tree(r.code);
    const [outer, inner] = nodes(t, 'FunctionDeclaration').concat() as never[] as { async: boolean; id: { name: string }; params: { name: string }[]; body: { body: { type: string; argument: unknown }[] } }[];
    expect(inner).toBeUndefined();
    expect(outer!.async).toBe(false);
    expect(outer!.id.name).toBe('load');
    expect(outer!.params.map((p) => p.name)).toEqual(['a', 'b']);
    expect(outer!.body.body).toHaveLength(1);
    const [fn] = handleCalls(t, 'fn');
    expect(text(r.code, fn!.arguments[0]!)).toBe('0');
    const body = fn!.arguments[1]!;
    expect(body.type).toBe('ArrowFunctionExpression');
    expect((body as { async: boolean }).async).toBe(true);
    expect(text(r.code, (body as unknown as { params: never[] }).params[0]!)).toBe('__heddleFrame');
    const [tryStatement] = nodes(t, 'TryStatement');
    expect(tryStatement!.handler).not.toBeNull();
    expect(tryStatement!.finalizer).not.toBeNull();
    expect(handleCalls(t, 'threw').map((c) => text(r.code, c))).toEqual(['__heddle.threw(__heddleFrame, e)']);
    expect(handleCalls(t, 'leave').map((c) => text(r.code, c))).toEqual(['__heddle.leave(__heddleFrame)']);
    expect(r.sites[0]).toEqual(['fn', 'load', 1, 0, 'async function load(a, b) {']);
  });

  it('no async function is left but the inner arrows handed to H.fn, and async generators (their body opens a generation)', () => {
    const source = `
      async function a() {}
      const b = async () => 1;
      const c = async function () {};
      class K { async m() {} static async s() {} async #p() {} }
      const o = { async m() {}, k: async () => {} };
      async function* g() {}
    `;
    const r = rewrite(source);
    const t = tree(r.code);
    const fnBodies = new Set<unknown>(handleCalls(t, 'fn').map((c) => c.arguments[1]));
    const asyncLeft = [...nodes(t, 'FunctionDeclaration'), ...nodes(t, 'FunctionExpression'), ...nodes(t, 'ArrowFunctionExpression')]
      .filter((f) => f.async && !fnBodies.has(f));
    expect(asyncLeft.map((f) => text(r.code, f).slice(0, 20))).toEqual(['async function* g() ']);
    expect(r.sites.filter((s) => s[0] === 'fn').map((s) => s[1])).toEqual(['a', 'b', 'c', 'K.m', 'K.s', 'K.#p', 'm', 'k', 'g']);
    expect(r.code).toMatch(/async function\* g\(\) \{ const __heddleGen = __heddle\.gs\(\d+\); try \{/);
  });

  it('an async arrow with an expression body returns H.ret(F, expr) from a block', () => {
    const r = rewrite('const twice = async (x) => x * 2;');
    const t = tree(r.code);
    const [ret] = handleCalls(t, 'ret');
    expect(text(r.code, ret!)).toBe('__heddle.ret(__heddleFrame, x * 2)');
    expect(r.code).toMatch(/const twice = __heddle\.f\(\{ \["twice"\]: +\(x\) => \{ return __heddle\.fn\(0, async \(__heddleFrame\) => \{/);
  });

  it('parameters that can throw (defaults, destructuring) move into the inner arrow, so a throw is a rejection', () => {
    const r = rewrite('async function f({ a }, b = a) { return a + b; }');
    const t = tree(r.code);
    const [outer] = nodes(t, 'FunctionDeclaration');
    expect(text(r.code, outer!.params[0]!)).toBe('...__heddleArgs');
    const inner = nodes(t, 'ArrowFunctionExpression').find((f) => f.async)!;
    expect(inner.params.map((p) => text(r.code, p))).toEqual(['__heddleFrame', '{ a }', 'b = a']);
  });

  it('a "use strict" directive stays first in the outer function, with or without its semicolon', () => {
    for (const source of ['async function f() { "use strict"; return 1; }', 'async function f() { "use strict"\n return 1; }', '"use strict"\nasync function f() { "use strict" }']) {
      const r = rewrite(source);
      const outer = nodes(tree(r.code), 'FunctionDeclaration')[0]!;
      const first = outer.body.body[0]!;
      expect(first.type === 'ExpressionStatement' && first.directive).toBe('use strict');
    }
  });
});

describe('awaits, returns, for await', () => {
  it('await x becomes await H.aw(F, x, S): the enclosing frame, null at top level, the running resumption in async generators', () => {
    const source = 'await top();\nasync function f() { await inner(); }\nasync function* g() { await gen(); }\nasync function* d() { const r = yield* g(); await gen(); }\n';
    const r = rewrite(source);
    const t = tree(r.code);
    const aws = handleCalls(t, 'aw').map((c) => c.arguments.map((a) => text(r.code, a)));
    // One whose yield* gives a value stays as it was (null: its awaits are not scheduling points).
    expect(aws).toEqual([['null', '__heddle.fc(top)', '0'], ['__heddleFrame', '__heddle.fc(inner)', '2'], ['__heddle.gf(__heddleGen)', '__heddle.fc(gen)', '4'],
      ['null', '__heddle.fc(gen)', '5']]);
    expect(r.sites.map((s) => s.slice(0, 3))).toEqual([['await', '(top level)', 1], ['fn', 'f', 2], ['await', 'f', 2], ['fn', 'g', 3], ['await', 'g', 3], ['await', 'd', 4]]);
    for (const a of nodes(t, 'AwaitExpression')) expect(text(r.code, a.argument)).toMatch(/^__heddle\.aw\(/);
  });

  it('a yield* statement of an async generator is a for-await that yields each value, in resumptions heddle follows', () => {
    const r = rewrite('async function* d() { yield* g(); if (x) yield* [1, 2]; await gen(); }\n');
    expect(r.code).toMatch(/for await \(const __heddleDv of __heddle\.live\(__heddle\.rall\(__heddle\.iter\(__heddleGen, __heddle\.fc\(g\), \d+\)\)\)\) __heddle\.gr\(__heddleGen, yield __heddle\.gy\(__heddleGen, await __heddle\.aw\(__heddle\.gf\(__heddleGen\), __heddleDv, \d+\)\)\);/);
    expect(r.code).toMatch(/if \(x\) for await \(const __heddleDv of __heddle\.live\(__heddle\.rall\(__heddle\.iter\(__heddleGen, __heddle\.o\(\[1, 2\]\)/);
    expect(r.code).toContain('await __heddle.aw(__heddle.gf(__heddleGen), __heddle.fc(gen)');
    expect(r.code.slice(r.code.lastIndexOf('async function* d'))).not.toContain('yield*');
  });

  it('returns are rewritten in async functions, not in functions nested in them; in async generators they await their value', () => {
    const r = rewrite('async function f() { const g = () => { return 1; }; return g(); }\nasync function* h() { return 2; }');
    expect(handleCalls(tree(r.code), 'ret').map((c) => text(r.code, c))).toEqual(['__heddle.ret(__heddleFrame, g())']);
    expect(r.code).toContain('return 1;');
    expect(handleCalls(tree(r.code), 'gv').map((c) => text(r.code, c))).toEqual(['__heddle.gv(__heddleGen, await __heddle.aw(__heddle.gf(__heddleGen), 2, 2))']);
  });

  it('for await (v of it) iterates H.iter(F, H.live(H.rall(it)), S): each next() reads in its own step', () => {
    const r = rewrite('async function f(it) { for await (const v of it) use(v); }');
    expect(handleCalls(tree(r.code), 'iter').map((c) => text(r.code, c))).toEqual(['__heddle.iter(__heddleFrame, __heddle.live(__heddle.rall(it)), 1)']);
    expect(r.sites[1]!.slice(0, 2)).toEqual(['for-await', 'f']);
  });

  it('for (x of xs) goes through H.live only when its body awaits or yields (not in a nested function)', () => {
    const r = rewrite('async function f(xs) { for (const x of xs) { await x; } for (const y of xs) { use(async () => { await y; }); } }');
    expect(handleCalls(tree(r.code), 'live').map((c) => text(r.code, c))).toEqual(['__heddle.live(__heddle.rall(xs))']);
  });

  it('minified code keeps its keywords apart from the inserted calls', () => {
    const r = rewrite('async function f(){return(await(x))}');
    expect(r.code).toContain('return __heddle.ret(__heddleFrame, (await __heddle.aw(__heddleFrame, (x), 1)))');
  });
});

describe('promise calls', () => {
  it('.then/.catch/.finally anywhere become H.then(X, S, a, b), nested along a chain, arguments in order', () => {
    const r = rewrite('p.then(a, b).catch(c).finally(d);\nfunction sync() { return q.then(); }');
    expect(tree(r.code).body[1]!.type).toBe('ExpressionStatement');
    expect(r.code).toContain('__heddle.finally(__heddle.catch(__heddle.then(p, 2, a, b), 1, c), 0, d);');
    expect(r.code).toContain('return __heddle.then(q, 3);');
    expect(r.sites.map((s) => [s[0], s[1], s[4]])).toEqual([
      ['finally', '(top level)', '.finally(d)'], ['catch', '(top level)', '.catch(c)'], ['then', '(top level)', '.then(a, b)'], ['then', 'sync', '.then()']]);
  });

  it('leaves calls it cannot rewrite exactly: spread arguments, optional chains, computed names, super', () => {
    const source = 'p.then(...cbs); a?.b.then(f); p?.then(f); p.then?.(f); p["then"](f);\nclass A extends B { m() { return super.then(f); } }';
    const r = rewrite(source);
    expect(r.sites).toEqual([]);
    for (const kind of ['then', 'catch', 'finally']) expect(handleCalls(tree(r.code), kind)).toEqual([]);
  });

  it('new Promise(ex) and Promise.all/allSettled/race/any/resolve/reject(…) go to the handle', () => {
    const r = rewrite('new Promise((r) => r(1)); Promise.all(xs); Promise.allSettled(xs); Promise.race(xs); Promise.any(xs); Promise.resolve(); Promise.reject(e);');
    expect(r.code).toContain('__heddle.promise(0, __heddle.f((r) => __heddle.fc(r, 1))); __heddle.all(1, xs); __heddle.allSettled(2, xs); __heddle.race(3, xs); __heddle.any(4, xs); __heddle.resolve(5); __heddle.reject(6, e);');
    expect(r.sites.map((s) => s[0])).toEqual(['promise', 'all', 'allSettled', 'race', 'any', 'resolve', 'reject']);
  });

  it('a Promise the module binds itself is left alone, in its scope only', () => {
    const source = [
      'function a(Promise) { return Promise.all(x); }',
      'function b() { if (c) { const Promise = P; Promise.all(x); } return Promise.all(y); }',
      'function d() { return new Promise(f); var Promise = P; }',
      'try {} catch (Promise) { Promise.race(z); }',
    ].join('\n');
    const r = rewrite(source);
    expect(r.sites.map((s) => [s[0], s[1], s[4]])).toEqual([['all', 'b', 'Promise.all(y)']]);
    expect(rewrite(`import Promise from 'bluebird';\nPromise.all(x);`).sites).toEqual([]);
  });
});

describe('the module around the rewrite', () => {
  it('one preamble line fetches the handle, after the hashbang and the directives; every line keeps its number', () => {
    const source = '#!/usr/bin/env node\n"use strict";\nasync function f() {\n  await g();\n}\n';
    const r = rewrite(source, 'commonjs');
    const lines = r.code.split('\n');
    expect(lines[0]).toBe('#!/usr/bin/env node');
    expect(lines[1]).toMatch(/^"use strict";const __heddle = \(globalThis\[Symbol\.for\("heddle\.instrument"\)\] \?\? /);
    expect(lines[1]).toContain('.module("file:///project/src/example.js", [["fn","f",3,0,"async function f() {"],["await","f",4,2,"await g()"]]);');
    expect(lines[3]).toContain('await __heddle.aw(__heddleFrame, __heddle.fc(g), 1);');
    expect(lines).toHaveLength(source.split('\n').length + 2);
    expect(lines.at(-2)).toMatch(/^\/\/# sourceMappingURL=data:application\/json/);
  });

  it('the preamble throws a clear error where the runtime is not loaded', () => {
    const r = rewrite('await 1;');
    const key = Symbol.for('heddle.instrument');
    const global = globalThis as Record<symbol, unknown>;
    const saved = global[key];
    delete global[key];
    try {
      const preamble = r.code.split('\n')[0]!.split(';await')[0]!;
      expect(() => new Function(preamble)()).toThrow(/example\.js was instrumented by heddle, but heddle's runtime is not loaded in this thread/);
    } finally {
      global[key] = saved;
    }
  });

  it('names the module already uses are not reused', () => {
    const r = rewrite('const __heddle = 1, __heddleFrame = 2;\nasync function f() { await __heddle; }');
    expect(r.code).toContain('const __heddle1 = (globalThis');
    expect(r.code).toContain('await __heddle1.aw(__heddle1Frame, __heddle, 1)');
  });

  it('is idempotent, and leaves a module with nothing to rewrite as it is', () => {
    const once = rewrite('async function f() { await g(); }');
    const twice = instrument(once.code, { url: 'file:///project/src/example.js' });
    expect(twice.code).toBe(once.code);
    expect(twice.sites).toEqual([]);
    const plain = 'export const x = 1;\nexport default [x, "y"];\n';
    expect(rewrite(plain)).toEqual({ code: plain, map: undefined, sites: [], instrument: [] });
  });

  it('site names of functions tsx named with keepNames: const f = __name(async () => …, "f")', () => {
    const source = [
      'var __defProp = Object.defineProperty;',
      'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });',
      'const inc = /* @__PURE__ */ __name(async () => { await tick(); }, "inc");',
      'const o = { run: /* @__PURE__ */ __name(async function () {}, "run") };',
    ].join('\n');
    expect(rewrite(source).sites.filter((s) => s[0] === 'fn').map((s) => s[1])).toEqual(['inc', 'run']);
  });

  it('a statement the rewrite makes start with a parenthesis gets the semicolon its line break stood for', () => {
    const source = 'let n = 0; const inc = () => n;\nf()\nn = 1\nf()\nn++\nclass C { #x; m() { g()\nthis.#x = 1 } }\n';
    const r = rewrite(source);
    expect(r.code).toContain('__heddle.fc(f)\n;(n = 1, __heddle.vw(');
    expect(r.code).toContain('__heddle.fc(f)\n;(__heddle.vw(');
    expect(r.code).toContain('__heddle.fc(g)\n;(__heddle.pw(this, "#x")');
    tree(r.code);
  });

  it('site names: Class.method, name of const f = async () =>, key, anonymous; excerpts at most 40 characters', () => {
    const source = [
      'class Cache { async get(k) {} static async of() {} }',
      'const load = async () => {};',
      'const o = { fetch: async () => {} };',
      'run(async () => {});',
      'async function long() { await   someObject.withAVeryLongMethodName(argumentNumberOne, argumentNumberTwo); }',
    ].join('\n');
    const r = rewrite(source);
    expect(r.sites.filter((s) => s[0] === 'fn').map((s) => s[1])).toEqual(['Cache.get', 'Cache.of', 'load', 'fetch', 'anonymous', 'long']);
    const excerpt = r.sites.at(-1)![4];
    expect(excerpt).toBe('await someObject.withAVeryLongMethodNam…');
    expect(excerpt.length).toBe(40);
  });

  it('the static scan returns every instrument: [string literals] property', () => {
    const r = rewrite(`export default scenario('x', async () => {}, { instrument: ['p-memoize', '@scope/pkg'] });\nconst other = { 'instrument': ['b'], instrument2: ['c'] };\nconst notLiteral = { instrument: [name] };`);
    expect(r.instrument).toEqual(['p-memoize', '@scope/pkg', 'b']);
    expect(rewrite(`export const options = { instrument: ['only-scan'] };`).instrument).toEqual(['only-scan']);
  });

  it('CommonJS parses as a script: a top-level return, await as a name', () => {
    const r = rewrite('if (done) return;\nconst await = 1;\nexports.f = async () => 2;\n');
    expect(r.sites.map((s) => s[0])).toEqual(['fn']);
  });
});
