// The tracking half of the rewrite, run: small programs, instrumented, against a recording
// handle (the passthrough, plus a log of every memory-effect call with its object and key).
import { describe, expect, it } from 'vitest';
import type { ModuleHandle } from '../../src/instrument/api.ts';
import { PASSTHROUGH } from '../../src/instrument/passthrough.ts';
import { handleCalls, rewrite, text, tree } from './support.ts';

type Entry = readonly [method: string, object: string, key?: string];

const TRACKED = ['r', 'w', 'upd', 'del', 'has', 'rall', 'pr', 'pw', 'mc', 'fc', 'vr', 'vw', 'f', 'fs', 'cls', 'obj'] as const;

/** An object's name in the log: its `__label`, a function's or class's name, a scope token's number, or its type. */
function label(o: unknown, scopes: Map<unknown, string>): string {
  if (scopes.has(o)) return scopes.get(o)!;
  if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
    const own = (o as { __label?: unknown }).__label;
    if (typeof own === 'string') return own;
    if (typeof o === 'function') return o.name || 'anonymous';
  }
  return o === null ? 'null' : typeof o;
}

/** Instruments `source` (a module without imports), runs it with a recording handle, returns the log. */
async function run(source: string): Promise<Entry[]> {
  const log: Entry[] = Object.assign([], { __label: 'out' });
  const scopes = new Map<unknown, string>();
  const handle = { ...PASSTHROUGH } as Record<string, (...args: unknown[]) => unknown>;
  const passthrough = PASSTHROUGH as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of TRACKED) {
    handle[method] = (...args: unknown[]) => {
      const [o, k] = method === 'has' ? [args[1], args[0]] : args;
      if (method === 'fs') log.push([method, args.map((a) => label(a, scopes)).join(' ')]);
      else if (method === 'vr' || method === 'vw') log.push([method, label(o, scopes), String(k)]);
      else log.push(k === undefined || method === 'f' || method === 'cls' || method === 'obj' || method === 'rall' || method === 'fc' ? [method, label(o, scopes)] : [method, label(o, scopes), String(k)]);
      return passthrough[method]!(...args);
    };
  }
  handle.scope = () => {
    const token = {};
    scopes.set(token, `S${scopes.size}`);
    return token;
  };
  const code = rewrite(source).code;
  const fakeGlobal = { [Symbol.for('heddle.instrument')]: { module: () => handle as unknown as ModuleHandle } };
  // (Not `(async () => {}).constructor`: this file is instrumented too, and that arrow is a plain function.)
  const AsyncFunction = new Function('return (async () => {}).constructor')() as new (...args: string[]) => (...args: unknown[]) => Promise<void>;
  await new AsyncFunction('globalThis', 'out', `"use strict";\n${code}`)(fakeGlobal, log);
  return log;
}

/** The entries of the given methods only (and none about the log itself, which programs push to). */
const only = (log: Entry[], ...methods: string[]) => log.filter((e) => methods.includes(e[0]) && e[1] !== 'out');

describe('members', () => {
  it('reads and writes, in the order the language evaluates them', async () => {
    const log = await run(`const o = { __label: 'o', k: 1, in: { __label: 'in' } }; o.k = o.k + 1; o['j'] = o.in.x; const k = 'k'; o[k];`);
    expect(only(log, 'r', 'w')).toEqual([['r', 'o', 'k'], ['w', 'o', 'k'], ['r', 'o', 'in'], ['r', 'in', 'x'], ['w', 'o', 'j'], ['r', 'o', 'k']]);
  });

  it('compound and logical assignments read then write (a logical one writes only when it assigns), updates, delete, in', async () => {
    const log = await run(`const o = { __label: 'o', k: 1, z: null }; o.k += 2; o.k ||= 5; o.z ??= 3; o.k &&= 0; o.k++; --o['z']; delete o.k; 'k' in o;`);
    expect(only(log, 'r', 'w', 'upd', 'del', 'has')).toEqual([
      ['r', 'o', 'k'], ['w', 'o', 'k'], ['r', 'o', 'k'], ['r', 'o', 'z'], ['w', 'o', 'z'], ['r', 'o', 'k'], ['w', 'o', 'k'],
      ['upd', 'o', 'k'], ['upd', 'o', 'z'], ['del', 'o', 'k'], ['has', 'o', 'k'],
    ]);
  });

  it('optional chains read only what they reach', async () => {
    const log = await run(`const o = { __label: 'o', a: { __label: 'a', b: 1 }, n: null }; o?.a.b; o.n?.x.y; o.a?.m?.();`);
    expect(only(log, 'r', 'mc')).toEqual([['r', 'o', 'a'], ['r', 'a', 'b'], ['r', 'o', 'n'], ['r', 'o', 'a'], ['r', 'a', 'm']]);
  });

  it('private members are reported by pr and pw and stay native', async () => {
    const log = await run(`class C { __label = 'c'; #x = 0; inc() { this.#x++; this.#x = this.#x + 1; return this.#x; } } out.push(['result', String(new C().inc())]);`);
    // The write is reported before its value is read: in the same step, as nothing can suspend there.
    expect(only(log, 'pr', 'pw', 'result')).toEqual([['pw', 'c', '#x'], ['pw', 'c', '#x'], ['pr', 'c', '#x'], ['pr', 'c', '#x'], ['result', '2']]);
  });
});

describe('whole reads and destructuring', () => {
  it('plain object destructuring reads each property through a view, nested and with defaults', async () => {
    const log = await run(`const o = { __label: 'o', a: 1, b: { __label: 'b', c: 2 } }; const { a, b: { c, d = 4 } = {}, e = 5 } = o; out.push(['values', [a, c, d, e].join()]);`);
    expect(only(log, 'r', 'rall', 'values')).toEqual([['r', 'o', 'a'], ['r', 'o', 'b'], ['r', 'b', 'c'], ['r', 'b', 'd'], ['r', 'o', 'e'], ['values', '1,2,4,5']]);
  });

  it('rest, arrays, spread and for-in/of read the whole value; member targets are writes', async () => {
    const log = await run(`
      const o = { __label: 'o', a: 1 }, xs = Object.assign([1, 2], { __label: 'xs' });
      const { a, ...rest } = o; const [x, y] = xs; [...xs]; ({ ...o }); Math.max(...xs);
      for (const k in o) ; for (const v of xs) ;
      const t = { __label: 't' }; [t.a, t['b']] = xs; ({ k: t.k } = o);
    `);
    expect(only(log, 'rall', 'w', 'r')).toEqual([
      ['rall', 'o'], ['rall', 'xs'], ['rall', 'xs'], ['rall', 'o'], ['rall', 'xs'], ['rall', 'o'], ['rall', 'xs'],
      ['rall', 'xs'], ['w', 't', 'a'], ['w', 't', 'b'], ['r', 'o', 'k'], ['w', 't', 'k'],
    ]);
  });
});

describe('captured, reassigned variables', () => {
  it('a module-level counter shared by async functions: one token, every read and write', async () => {
    const log = await run(`let count = 0; const inc = async () => { const v = count; await null; count = v + 1; }; await Promise.all([inc(), inc()]); out.push(['count', String(count)]);`);
    expect(only(log, 'vr', 'vw', 'count')).toEqual([['vr', 'S0', '0'], ['vr', 'S0', '0'], ['vw', 'S0', '0'], ['vw', 'S0', '0'], ['vr', 'S0', '0'], ['count', '1']]);
  });

  it('a counter in a closure: a token per call of the function that declares it', async () => {
    const log = await run(`function make() { let c = 0; return () => ++c; } const a = make(), b = make(); a(); a(); b();`);
    expect(only(log, 'vw')).toEqual([['vw', 'S0', '0'], ['vw', 'S0', '0'], ['vw', 'S1', '0']]);
  });

  it('a loop binding: a token per iteration, kept by the closures made in it', async () => {
    const log = await run(`
      const fs = []; for (let i = 0; i < 2; i++) fs.push(() => i); fs[0](); fs[1]();
      const gs = []; for (const x of [1, 2]) { let y = x; gs.push(() => y); y++; } gs[1]();
    `);
    expect(only(log, 'vr', 'vw')).toEqual([
      // i < 2, i++ and i < 2 again, each in its iteration's copy of i; then each closure reads its own.
      ['vr', 'S0', '0'], ['vw', 'S1', '0'], ['vr', 'S1', '0'], ['vw', 'S2', '0'], ['vr', 'S2', '0'], ['vr', 'S0', '0'], ['vr', 'S1', '0'],
      // y: a token per entry of the loop's body.
      ['vw', 'S3', '0'], ['vw', 'S4', '0'], ['vr', 'S4', '0'],
    ]);
  });

  it('variables not captured, or never reassigned, are not reported', async () => {
    const log = await run(`let local = 0; local++; const fixed = 1; const read = () => fixed; read(); function f(p) { p = 2; return p; } f(1);`);
    expect(only(log, 'vr', 'vw')).toEqual([]);
  });
});

describe('calls', () => {
  it('calls of functions this module defines or imports from a relative path stay; others go through fc, methods through mc', () => {
    const source = [
      `import { rel } from './rel.js'; import { pkg } from 'pkg'; import * as ns from './ns.js';`,
      `var __defProp = Object.defineProperty; var __name = (target, value) => __defProp(target, "name", { value, configurable: true });`,
      `function decl() {} const arrow = () => {}; const named = __name(() => {}, 'named'); let changed = () => {}; changed = other;`,
      `decl(); arrow(); named(); rel(); (() => {})(); pkg(); changed(); unknown(); ns.f(); obj.m(1); obj[k](); require('x'); eval('1');`,
    ].join('\n');
    const r = rewrite(source);
    const t = tree(r.code);
    expect(handleCalls(t, 'fc').map((c) => text(r.code, c.arguments[0]!))).toEqual(['__defProp', 'pkg', 'changed', 'unknown']);
    expect(handleCalls(t, 'mc').map((c) => c.arguments.slice(0, 2).map((a) => text(r.code, a)))).toEqual([['ns', '"f"'], ['obj', '"m"'], ['obj', 'k']]);
    for (const kept of ['decl();', 'arrow();', 'named();', '(() => {}))();', "require('x');"]) expect(r.code).toContain(kept);
    // A direct eval stays one; its code, which the transform never sees, makes the step's effects unseen (H.ev).
    expect(r.code).toMatch(/[^.\w]eval\(\w+\.ev\('1'\)\);/);
    // An imported name is a live binding: read through H.il first, then called as it is.
    expect(r.code).toMatch(/\(\w+\.il\(\w+Ns0, "rel"\), rel\)\(\);/);
    expect(r.code).toMatch(/import \* as \w+Ns0 from "\.\/rel\.js";/);
  });

  it('a method call keeps its this; a function call has none', async () => {
    const log = await run(`const o = { __label: 'o', m() { return this === o; } }; out.push(['this', o.m() + '', (0, o.m)() + '']); const f = o.m; f.call(o);`);
    expect(only(log, 'mc', 'fc', 'this')).toEqual([['mc', 'o', 'm'], ['fc', 'm'], ['this', 'true', 'false'], ['mc', 'm', 'call']]);
  });
});

describe('marks', () => {
  it('functions, declarations of a scope, classes and objects with methods are marked; names stay', async () => {
    const log = await run(`
      function a() {} function b() {} const c = () => {}; const d = function () {}; class E {} const F = class {};
      const o = { __label: 'o', m() {}, get g() { return 1; } }; const plain = { __label: 'plain', k: 1 };
      out.push(['names', [c.name, d.name, F.name, E.name].join()]);
    `);
    expect(only(log, 'f', 'fs', 'cls', 'obj', 'names')).toEqual([['fs', 'a b'], ['f', 'c'], ['f', 'd'], ['cls', 'E'], ['cls', 'F'], ['obj', 'o'], ['names', 'c,d,F,E']]);
  });
});
