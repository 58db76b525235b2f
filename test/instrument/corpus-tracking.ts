// Programs full of what the tracking half of the rewrite touches (member accesses, calls,
// assignments, destructuring, optional chains, private members, closures over counters): their
// log must be the same plain and instrumented, with the passthrough runtime.
import type { Program } from './corpus.ts';

export const TRACKING_PROGRAMS: readonly Program[] = [
  {
    name: 'member reads, writes, compound and logical assignments, updates, delete, in',
    source: `
      const o = { a: 1, b: { c: 2 }, n: 0n, s: 'x', arr: [1, 2, 3] };
      o.a += 10; o['a'] *= 2; o.b.c **= 3; o.s += 'y'; o.n += 1n; o.arr[1] -= 5;
      log(o.a, o.b.c, o.s, String(o.n), o.arr.join());
      let k = 'a'; const order = [];
      const obj = () => (order.push('obj'), o), key = () => (order.push('key'), k), val = () => (order.push('val'), 5);
      obj()[key()] += val(); obj()[key()] ||= val(); obj().zz ??= val(); obj().zz &&= val(); obj().none ||= 0;
      log(order.join(' '), o.a, o.zz, o.none);
      log(o.a++, ++o.a, o.a--, --o.a, o['a']++, o.n++, String(++o.n), typeof o.n);
      const u = { v: '5' }; log(u.v++, typeof u.v, u.v);
      log('a' in o, 'q' in o, delete o.a, 'a' in o, delete o['b'], Object.keys(o).join());
      const frozen = Object.freeze({ f: 1 });
      try { frozen.f = 2; } catch (e) { log('frozen write', e.constructor.name); }
      try { delete frozen.f; } catch (e) { log('frozen delete', e.constructor.name); }
      const g = { get x() { log('get x'); return this._x ?? 0; }, set x(v) { log('set x', v); this._x = v; } };
      g.x += 2; g.x++; g.x ||= 9; g.x &&= 7; log(g.x);
      let chainValue = (o.b = { c: 1 }).c = 4; log(chainValue, o.b.c);
      log([1, 2][0], 'str'.length, 'str'[1], (5).toFixed(1), 1..toString(), o?.b?.c);
      await null;
    `,
  },
  {
    name: 'optional chains keep their short-circuit, this and evaluation order',
    source: `
      const order = [];
      const t = (v, tag) => (order.push(tag), v);
      const o = { a: { b: { c: 1 } }, m(x) { return [this === o, x]; }, n: null, f: null };
      log(o?.a.b.c, o.n?.b.c, o.n?.[t('k', 'skipped key')], o.x?.y.z.w, o?.a?.['b']?.c);
      log(JSON.stringify(o.m?.(1)), o.f?.(t(1, 'skipped arg')), o.nothing?.(), JSON.stringify(o?.m(2)));
      const fns = { g: () => 'g' }; log(fns.g?.(), fns?.g(), fns.h?.().x.y);
      let calls = 0; const counted = { get m() { calls++; return function () { return this === counted; }; } };
      log(counted.m?.(), calls);
      log(t(o, 'o')?.[t('a', 'a')]?.[t('b', 'b')].c, order.join(' '));
      const nul = null; log(nul?.x, nul?.[0], nul?.(), (nul?.x)?.y, typeof o?.a);
      class P { #p = { q: 5 }; #m() { return this.#p.q; } get(o) { return [o?.#p?.q, o?.#m(), this.#p?.q, o?.#p.q]; } }
      log(JSON.stringify(new P().get(new P())), JSON.stringify(new P().get(null)));
      const arr = [[1]]; log(arr?.[0]?.[0], arr[1]?.[0], arr.at?.(0)?.at(0));
      await null;
    `,
  },
  {
    name: 'calls: methods of builtins, this, arguments, spread, IIFEs, static and unknown callees',
    source: `
      const m = new Map([[1, 'a']]); m.set(2, 'b'); log(m.get(2), m.size, m.has(1), [...m.keys()].join());
      const s = new Set([1, 2, 2]); s.add(3); s.delete(1); log(s.size, [...s].join());
      const a = [3, 1, 2]; a.push(4, ...[5, 6]); a.sort((x, y) => x - y); log(a.join(), a.map((x) => x * 2).filter((x) => x > 4).join());
      log('a-b-c'.split('-').reverse().join('+'), 'x'.padStart(3, '.'), 'abc'.at(-1), String.fromCharCode(...[72, 105]));
      log(Math.max(...a), Reflect.apply(Math.min, null, a), Object.entries({ k: 1 }).flat().join());
      const o = { v: 1, get() { return this?.v; }, nested: { v: 2, get() { return this.v; } } };
      const { get } = o; log(o.get(), o.nested.get(), o['get'](), (o.get)(), (0, o.get)(), get());
      function args() { return [arguments.length, arguments[1], [...arguments].join()]; }
      log(JSON.stringify(args(1, 2, 3)), JSON.stringify(args.call(null, 4)), JSON.stringify(args.apply(null, [5, 6])));
      log((function () { return typeof this; })(), (() => 'arrow iife')(), (function named(n) { return n ? named(n - 1) + 1 : 0; })(3));
      const bound = o.get.bind({ v: 'bound' }); log(bound(), typeof globalThis.setTimeout, new Date(0).getTime());
      const sum = (...xs) => xs.reduce((p, x) => p + x, 0); log(sum(...[1, 2], 3, ...new Set([4])));
      class K { constructor(...xs) { this.xs = xs; } static make(...xs) { return new this(...xs); } }
      log(new K(...[1, 2]).xs.length, K.make(1).xs.length, new K().xs.length, new (class { constructor() { this.z = 1; } })().z);
      const ns = { K }; log(new ns.K(7).xs[0], new ns['K'](8).xs[0]);
      log(JSON.stringify({ ...o.nested, ...null, ...'ab' }), [...'hi', ...[1]].join());
      try { o.missing(); } catch (e) { log('not a function', e.constructor.name); }
      try { undefinedFn(); } catch (e) { log(e.constructor.name); }
      log(\`\${o.v}\`, String.raw\`a\\\\b\${o.v}\`, ((s, ...v) => s.raw.join('|') + v.join())\`x\${1}y\`);
      const tag = { t(s) { return this === tag; } }; log(tag.t\`\`);
      await null;
    `,
  },
  {
    name: 'destructuring: defaults, nesting, rest, arrays, assignment targets, evaluation order',
    source: `
      const order = [];
      const src = { get a() { order.push('read a'); return undefined; }, get b() { order.push('read b'); return { c: 3 }; }, d: [1, [2, 3]], e: 'e' };
      const { a = (order.push('default a'), 1), b: { c, z = 'zd' } = {}, d: [d0, [, d2]], ...rest } = src;
      log(a, c, z, d0, d2, Object.keys(rest).join(), order.join(' | '));
      const { x: { y = 'y default' } = {} } = {}; log(y);
      const [p, , q = 'q default', ...others] = [1, 2, undefined, 4, 5]; log(p, q, others.join());
      const [{ w } = { w: 'w default' }, { w: w2 }] = [undefined, { w: 'w2' }]; log(w, w2);
      let f1, f2; ({ f1, f2: f2 = 'f2 default' } = { f1: 'f1' }); log(f1, f2);
      const target = { list: [] }; [target.a, target['b'], ...target.list] = [1, 2, 3, 4];
      ({ k: target.k, m: { n: target.n } } = { k: 'k', m: { n: 'n' } }); log(JSON.stringify(target));
      let s1 = 1, s2 = 2; [s1, s2] = [s2, s1]; log(s1, s2);
      const swap = [1, 2]; [swap[0], swap[1]] = [swap[1], swap[0]]; log(swap.join());
      const value = ({ a: f1 } = { a: 'value used' }); log(JSON.stringify(value), f1);
      try { const { nope } = null; } catch (e) { log('null', e.constructor.name); }
      try { const [nope] = {}; } catch (e) { log('not iterable', e.constructor.name); }
      const { length } = 'four'; const { 0: first, [1 + 1]: third } = ['a', 'b', 'c']; log(length, first, third);
      function params({ a, b: [c] = [9] }, [d, { e } = {}] = [], ...{ length: n }) { return [a, c, d, e, n].join(); }
      log(params({ a: 1 }), params({ a: 1, b: [2] }, [3, { e: 4 }], 5, 6));
      const arrow = ({ a = 'a' } = {}, [b] = ['b']) => a + b; log(arrow(), arrow({ a: 'A' }, 'B'));
      let it = 0; const iter = { [Symbol.iterator]() { return { next: () => ({ done: it > 3, value: it++ }), return() { log('closed at', it); return {}; } }; } };
      const [i0, i1] = iter; log(i0, i1);
      const { fn = () => {}, cls = class {}, arr = () => {} } = {}; log(fn.name, cls.name, arr.name);
      await null;
    `,
  },
  {
    name: 'for-in, for-of, labelled loops, generators',
    source: `
      const o = { a: 1, b: 2 }; const keys = []; for (const k in o) keys.push(k); for (var vk in o) keys.push(vk); log(keys.join(), vk);
      const out = []; for (const [k, v] of Object.entries(o)) out.push(k + v); for (const { x, y = 'd' } of [{ x: 1 }, { x: 2, y: 3 }]) out.push(x + y); log(out.join());
      const t = {}; for (t.k of ['p', 'q']) ; for (t['j'] in o) ; log(t.k, t.j);
      let last; for (last of [1, 2, 3]) if (last === 2) break; log(last);
      outer: for (let i = 0; i < 3; i++) { inner: for (const j of [0, 1, 2]) { if (j === 1) continue outer; if (i === 2) break outer; log('ij', i, j); } }
      lbl: { log('in block'); if (o.a) break lbl; log('never'); }
      function* gen(n) { for (let i = 0; i < n; i++) { const got = yield i; if (got) log('got', got); } return 'done'; }
      const g = gen(3); log(JSON.stringify(g.next()), JSON.stringify(g.next('x')), JSON.stringify([...g]));
      const obj = { *[Symbol.iterator]() { yield* [1, 2]; } }; log([...obj].join(), Array.from(obj, (x) => x * 10).join());
      let closes = 0; const src = { [Symbol.iterator]() { let n = 0; return { next: () => ({ done: false, value: n++ }), return: () => { closes++; return { done: true }; } }; } };
      for (const v of src) { if (v === 2) break; } for (const { length } of [[1], 'ab']) log(length); log('closes', closes);
      async function* ag() { yield 1; yield 2; } const seen = []; for await (const v of ag()) seen.push(v); log(seen.join());
      let n = 0; do { n++; } while (n < 3); while (n) n--; log(n);
      switch (o.a) { case 1: { let s = 'one'; log(s); } case 2: log('fall'); break; default: log('no'); }
    `,
  },
  {
    name: 'closures over reassigned variables: module counters, loops, params, catch, blocks',
    source: `
      let count = 0; const inc = async () => { const v = count; await null; count = v + 1; return count; };
      await Promise.all([inc(), inc()]); log('lost update', count);
      let total = 0; function add(n) { total += n; return total; } add(2); add(3); log(total);
      const fns = []; for (let i = 0; i < 3; i++) { fns.push(() => i); if (i === 1) i++; } log(fns.map((f) => f()).join());
      const more = []; for (let i = 0, j = 10; i < 2; i++, j--) more.push(() => [i, j]); log(JSON.stringify(more.map((f) => f())));
      const ofs = []; for (let x of [1, 2]) { ofs.push(() => x); x *= 10; } log(ofs.map((f) => f()).join());
      const vars = []; for (var vi = 0; vi < 2; vi++) vars.push(() => vi); log(vars.map((f) => f()).join());
      function param(a, b = () => a) { a = 'changed'; return [a, b()]; } log(param('orig').join());
      function counter() { let c = 0; return { up: () => ++c, down: () => c--, get: () => c }; }
      const k1 = counter(), k2 = counter(); k1.up(); k1.up(); k2.down(); log(k1.get(), k2.get());
      try { throw 1; } catch (e) { const r = () => e; e = 2; log(r()); }
      { let b = 'block'; const rb = () => b; b += '!'; log(rb()); }
      let obj = { n: 1 }; const readObj = () => obj.n; obj = { n: 2 }; log(readObj(), { obj }.obj.n);
      let fn = function original() { return 'orig'; }; const callFn = () => fn(); fn = () => 'replaced'; log(callFn());
      function hoisted() { return later; } var later = 'late'; later = 'later'; log(hoisted());
      let tdz = 'x'; const useTdz = () => tdz; tdz = 'y'; log(useTdz())
      ;[1].forEach(() => { count++; }); log(count)
      count++
      ;(() => { count += 1; })(); log(count);
      var re = 1; var re = 2; const readRe = () => re; log(readRe());
      label: for (const q of [1]) { let inner = q; const f = () => inner; inner++; log(f()); continue label; }
      switch (1) { case 1: let sw = 1; const fsw = () => sw; sw++; log(fsw()); }
      await null;
    `,
  },
  {
    name: 'classes: fields, private members, accessors, statics, super, names',
    source: `
      class A { static count = 0; #secret = 1; pub = this.#secret + 1; arrow = () => this.#secret; static #hidden() { return 'h'; }
        get secret() { return this.#secret; } set secret(v) { this.#secret = v; }
        bump() { this.#secret++; this.#secret += 10; this.#secret ||= 5; A.count++; return this.#secret; }
        static reveal() { return A.#hidden(); } has(o) { return #secret in o; } #m() { return this.pub; } callM() { return this.#m(); }
        static { this.init = 'static block ' + this.count; } }
      const a = new A(); log(a.pub, a.arrow(), a.bump(), a.secret, (a.secret = 3, a.secret), A.reveal(), a.has(a), a.has({}), a.callM(), A.init, A.count);
      class B extends A { constructor() { super(); this.b = super.bump(); } bump() { return 'B ' + super.bump(); } get secret() { return 'sub ' + super.secret; } }
      const b = new B(); log(b.b, b.bump(), b.secret, b instanceof A, Object.getPrototypeOf(B) === A);
      const C = class {}; const D = class Named {}; const E = { F: class {}, g: function () {}, h: () => {}, ['i' + 1]: () => {}, async j() {} };
      log(C.name, D.name, E.F.name, E.g.name, E.h.name, E.i1.name, E.j.name, A.name, a.arrow.name);
      const arrowName = () => {}; let fnName = function () {}; fnName = function () {}; let lo; lo ||= () => {};
      log(arrowName.name, fnName.name, lo.name, (() => {}).name, (function () {}).name);
      class G { static f = () => {}; ['computed'] = 1; static #p = 2; static get p() { return G.#p; } } log(G.f.name, new G().computed, G.p);
      function Old() { this.v = 1; } Old.prototype.get = function () { return this.v; }; log(new Old().get(), Old.prototype.get.name);
      const objWithAccessors = { _v: 1, get v() { return this._v; }, set v(x) { this._v = x * 2; }, m() { return super.toString === Object.prototype.toString; } };
      objWithAccessors.v = 5; log(objWithAccessors.v, objWithAccessors.m());
      try { class H { #x; static read(o) { return o.#x; } } H.read({}); } catch (e) { log('brand check', e.constructor.name); }
      await null;
    `,
  },
  {
    name: 'odds and ends: default exports, class field arrows, computed names, labels, generators, for await, swaps',
    source: `
      export default function () { return 'anon default'; }
      export const named = async () => 'n';
      class K { handler = async (x) => x * 2; static s = () => K.name; ['c' + 1] = () => 1; }
      const k = new K();
      log(await k.handler(2), K.s(), k.c1.name, k.handler.name);
      const o = { a: 1, get b() { return this.a + 1; }, ['x' + 'y']: function () {}, __proto__: { inherited: true } };
      log(o.b, o.xy.name, o.inherited, Object.getPrototypeOf(o) !== Object.prototype);
      let n = 0; const f = () => n;
      label1: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j === 1) continue label1; n += i * 10 + j; } }
      log(f());
      const arr = [1, 2, 3]; arr.length = 1; log(arr.length, arr[0], arr[5] ??= 'filled', arr.length);
      const wm = new WeakMap(); const key = {}; wm.set(key, 1); log(wm.get(key), wm.has({}));
      const str = 'abc'; log(str.toUpperCase(), str.at(-1), [...str].map((c) => c.charCodeAt(0)).join());
      const gen = function* () { let x = 0; while (x < 3) x += yield x; };
      const g = gen(); g.next(); log(g.next(1).value, g.next(2).done);
      const { ['a']: aa, ...others } = o; log(aa, Object.keys(others).join());
      function outer() { let v = 1; function inner() { return v; } v = 2; return inner; } log(outer()());
      var hoistedFn = typeof later; function later() {} log(hoistedFn);
      const asyncIter = { async *[Symbol.asyncIterator]() { yield 1; yield 2; } }; const got = []; for await (const v of asyncIter) got.push(v); log(got.join());
      log(typeof undeclaredThing, (() => { try { return undeclaredThing; } catch (e) { return e.constructor.name; } })());
      const nested = { a: { b: { c: () => 'deep' } } }; log(nested.a.b.c(), nested?.a?.b?.c?.(), nested['a']['b']['c']());
      const tpl = (s, ...v) => s.join('|') + v.join(','); log(tpl\`a\${1}b\${o.a}c\`);
      let x1 = 1, y1 = 2; [x1, y1] = [y1, x1]; ({ x1, y1 } = { x1: x1 + 10, y1 }); log(x1, y1);
      const counterObj = { count: 0, inc() { return ++this.count; } }; const { inc } = counterObj; log(counterObj.inc(), (() => { try { return inc(); } catch (e) { return e.constructor.name; } })());
      log(JSON.stringify([1, [2, [3]]].flat(Infinity)), Array.isArray([]), Number('5') + 1, parseInt('08', 10));
    `,
  },
  {
    name: 'CommonJS exports stay visible to the module lexer and to require',
    format: 'commonjs',
    source: `
      'use strict';
      Object.defineProperty(exports, '__esModule', { value: true });
      exports.a = exports.b = void 0;
      let counter = 0;
      exports.a = () => ++counter;
      exports.b = { get count() { return counter; } };
      module.exports.c = [1, 2].map((x) => x * 2);
      exports.a(); exports.a();
      log(exports.b.count, module.exports.c.join(), typeof module.exports.a, Object.keys(exports).join());
      let shared = 1; const bump = () => shared++; bump();
      module.exports = { ...module.exports, shared, bump };
      log(module.exports.shared, Object.keys(module.exports).join());
      Promise.resolve().then(() => log('later', counter));
    `,
  },
];
