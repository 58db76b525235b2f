// Async programs whose log must be the same plain and instrumented (with the passthrough
// runtime): values, errors, and the order in which microtasks interleave. Each logs through a
// global `log`; the runner waits for timers to drain before reading it.

export interface Program {
  readonly name: string;
  readonly source: string;
  readonly format?: 'commonjs';
}

export const PROGRAMS: readonly Program[] = [
  {
    name: 'interleaved async functions',
    source: `
      async function worker(name, n) {
        for (let i = 0; i < n; i++) { log(name, i); await null; }
        return name + ' done';
      }
      const a = worker('a', 3), b = worker('b', 2);
      log('sync after calls');
      log(await a, await b);
      const c = async () => { log('c start'); await Promise.resolve(); log('c end'); };
      c(); log('c called');
      await new Promise((r) => setTimeout(r, 1));
      // (Not its prototype: a rewritten async function is a plain function returning a promise.)
      log(worker.name, c.name, worker.length, typeof worker, worker(1, 0) instanceof Promise);
    `,
  },
  {
    name: 'this, arguments, super, default params, destructuring',
    source: `
      class Base { async greet(x) { return 'base ' + x; } static async make() { return new this(); } }
      class Child extends Base {
        #secret = 7;
        async greet(x) { const s = await super.greet(x); return s + ' child ' + this.#secret; }
        async #hidden() { return arguments.length; }
        async count(...xs) { return [await this.#hidden(1, 2), arguments.length, xs.length]; }
        static async make() { const c = await super.make(); return c instanceof Child; }
      }
      const c = new Child();
      log(await c.greet('x'), await c.count(1, 2, 3), await Child.make());
      const obj = { k: 2, async get() { return this.k; }, arrow: async () => typeof this };
      log(await obj.get(), await obj.arrow());
      async function defaults(a = 1, { b = 2, c: [d] = [3] } = {}, ...rest) { return [a, b, d, rest.length, arguments.length]; }
      log(JSON.stringify(await defaults()), JSON.stringify(await defaults(5, { b: 6, c: [7] }, 8, 9)));
      const arrowDefaults = async ({ x } = { x: 'dx' }, y = x + '!') => x + y;
      log(await arrowDefaults(), await arrowDefaults({ x: 'q' }));
      function outer() { const inner = async () => arguments[0]; return inner(); }
      log(await outer('outer-arg'));
    `,
  },
  {
    name: 'parameters that throw reject instead of throwing',
    source: `
      async function f({ a }) { return a; }
      let p;
      try { p = f(); log('no sync throw'); } catch (e) { log('sync throw', e.constructor.name); }
      await p.then(() => log('resolved'), (e) => log('rejected', e.constructor.name));
      const g = async (x = (() => { throw new RangeError('bad default'); })()) => x;
      await g().catch((e) => log('rejected', e.message));
      log(await g(1));
    `,
  },
  {
    name: 'try/finally with return',
    source: `
      async function a() { try { await null; return 'try'; } finally { log('finally a'); } }
      async function b() { try { return 'try'; } finally { return 'finally wins'; } }
      async function c() { try { throw new Error('boom'); } catch (e) { return 'caught ' + e.message; } finally { await null; log('finally c'); } }
      async function d() { for (const x of [1, 2, 3]) { try { if (x === 2) return x; } finally { log('loop finally', x); } } }
      log(await a(), await b(), await c(), await d());
    `,
  },
  {
    name: 'for await over async generators, arrays of promises, and a break',
    source: `
      async function* gen() { try { for (let i = 0; i < 4; i++) { await null; yield i; } } finally { log('gen closed'); } }
      for await (const v of gen()) { log('gen', v); if (v === 2) break; }
      const later = (v, ms) => new Promise((r) => setTimeout(() => r(v), ms));
      for await (const v of [later('x', 3), 'y', Promise.resolve('z')]) log('array', v);
      async function inFunction() { const out = []; for await (const v of gen()) out.push(v); return out.join(','); }
      log(await inFunction());
      try { for await (const v of 5) log(v); } catch (e) { log('not iterable', e.constructor.name); }
    `,
  },
  {
    name: '.then/.catch/.finally chains and custom thenables',
    source: `
      Promise.resolve(1).then((v) => { log('then', v); return v + 1; }).then((v) => { throw new Error('e' + v); })
        .catch((e) => { log('catch', e.message); return 'recovered'; }).finally(() => log('finally')).then((v) => log('end', v));
      Promise.reject(new Error('r')).then(() => log('never'), (e) => log('onRejected', e.message));
      Promise.resolve('f').finally().then((v) => log('finally passes', v));
      const custom = { then(a, b) { log('custom then', typeof a, typeof b); return 'custom'; }, catch(f) { return 'custom catch ' + typeof f; } };
      log(custom.then(), custom.then(1, 2), custom.catch());
      function sync() { return Promise.resolve('in sync').then((v) => v.toUpperCase()); }
      log(await sync());
      const p = Promise.resolve(0);
      p.then(() => log('p1')); p.then(() => log('p2')); Promise.resolve().then(() => log('p3'));
      await new Promise((r) => setTimeout(r, 1));
    `,
  },
  {
    name: 'Promise.all, allSettled, race, any, resolve, reject',
    source: `
      const later = (v, ms, fail) => new Promise((res, rej) => setTimeout(() => (fail ? rej(new Error(v)) : res(v)), ms));
      log(JSON.stringify(await Promise.all([later('a', 2), 'b', Promise.resolve('c')])));
      log(JSON.stringify((await Promise.allSettled([later('a', 1), later('b', 1, true)])).map((s) => s.status)));
      log(await Promise.race([later('slow', 5), later('fast', 1)]));
      log(await Promise.any([later('x', 1, true), later('y', 2)]));
      try { await Promise.any([Promise.reject(new Error('1')), Promise.reject(new Error('2'))]); } catch (e) { log(e.constructor.name, e.errors.length); }
      try { await Promise.all([later('ok', 1), later('bad', 1, true)]); } catch (e) { log('all rejected', e.message); }
      log(await Promise.resolve(Promise.resolve('nested')));
      await Promise.reject(new Error('rej')).catch((e) => log('reject', e.message));
      const { all } = Promise; log(typeof all);
      log(await Promise.all(new Set([1, 2])), await Promise.all([]));
    `,
  },
  {
    name: 'new Promise: sync and async resolve, a throwing executor',
    source: `
      const a = new Promise((resolve) => { log('executor runs now'); resolve('sync'); });
      log('after construct');
      log(await a);
      log(await new Promise((resolve) => setTimeout(() => resolve('async'), 1)));
      try { await new Promise(() => { throw new TypeError('in executor'); }); } catch (e) { log('executor threw', e.constructor.name, e.message); }
      log(await new Promise((resolve) => resolve(Promise.resolve('adopted'))));
      log(new Promise(() => {}) instanceof Promise);
      try { new Promise(); } catch (e) { log('no executor', e.constructor.name); }
    `,
  },
  {
    name: 'thrown errors and rejections',
    source: `
      async function early() { throw new Error('before any await'); }
      async function late() { await null; throw new Error('after an await'); }
      const p = early(); log('early returned a promise', p instanceof Promise); p.catch(() => {});
      for (const f of [early, late]) { try { await f(); } catch (e) { log('caught', e.message); } }
      async function nested() { try { await late(); } catch (e) { throw new Error('wrapped: ' + e.message, { cause: e }); } }
      await nested().catch((e) => log(e.message, e.cause.message));
      const thrower = async () => { throw 'a string'; };
      await thrower().catch((e) => log('string thrown', e));
    `,
  },
  {
    name: 'returned promises, awaits inside expressions, recursion',
    source: `
      async function viaReturn() { return Promise.resolve('returned'); }
      async function viaAwait() { return await Promise.resolve('awaited'); }
      viaReturn().then((v) => log(v)); viaAwait().then((v) => log(v)); Promise.resolve().then(() => log('tick 1')).then(() => log('tick 2')).then(() => log('tick 3'));
      await new Promise((r) => setTimeout(r, 1));
      const one = async () => 1;
      log(\`t \${await one()} \${(await one()) + (await one())}\`, (await one()) ? await one() : 0, [await one(), ...[await one()]].length);
      async function fib(n) { return n < 2 ? n : (await fib(n - 1)) + (await fib(n - 2)); }
      log(await fib(10));
      for (let i = await one(); i < 3; i += await one()) log('loop', i);
      log(await (async () => ({ object: 'literal' }))().then((o) => o.object));
      log(await (async function named() { return named.name; })());
    `,
  },
  {
    name: 'microtask order against plain promise chains',
    source: `
      const order = [];
      async function f(tag) { order.push(tag + '0'); await undefined; order.push(tag + '1'); await Promise.resolve(); order.push(tag + '2'); return tag; }
      Promise.resolve().then(() => order.push('p1')).then(() => order.push('p2')).then(() => order.push('p3')).then(() => order.push('p4'));
      f('a'); f('b').then(() => order.push('b-then'));
      queueMicrotask(() => order.push('qm'));
      await new Promise((r) => setTimeout(r, 1));
      log(order.join(' '));
    `,
  },
  {
    name: 'CommonJS module',
    format: 'commonjs',
    source: `
      'use strict';
      const { promisify } = require('node:util');
      const sleep = promisify(setTimeout);
      async function main() { await sleep(1); return [typeof module, typeof exports].join(' '); }
      module.exports = main;
      main().then((v) => log('cjs', v)).catch((e) => log('error', e));
      exports.arrow = async () => { await null; return this === module.exports; };
      module.exports.arrow = exports.arrow;
      exports.arrow().then((v) => log('this at top is exports', v));
    `,
  },
];
