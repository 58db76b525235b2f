import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import * as timersPromises from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { controlled, controlledCallback, explore, replay, scenario, sleep, spawn, VIRTUAL_EPOCH } from 'heddle';
import { racy as mkdirRace, safe as mkdirSafe } from '../../scenarios/node/mkdir-race.ts';
import { racy as timeoutRace, safe as timeoutSafe } from '../../scenarios/node/timeout-cache.ts';
import { makeStrategy } from '../../src/strategies.ts';
import { Observing } from '../support/observing.ts';
import { opLabel } from '../../src/report/text.ts';

const realSetTimeout = globalThis.setTimeout;
const realAbortTimeout = AbortSignal.timeout;

describe('virtual timers', () => {
  it('a 24-hour setTimeout costs nothing and fires in virtual time order', async () => {
    const s = scenario('t/day', async () => {
      const order: string[] = [];
      await new Promise<void>((resolve) => {
        setTimeout(() => order.push('day'), 24 * 3600_000);
        setTimeout(() => order.push('second'), 1000);
        setTimeout(resolve, 48 * 3600_000);
      });
      assert.deepEqual(order, ['second', 'day']);
      assert.equal(await timersPromises.setTimeout(5, 'v'), 'v');
    }, { environment: { timers: true } });
    const r = await explore(s, { iterations: 30 });
    expect(r.failure?.message).toBeUndefined();
    expect(globalThis.setTimeout).toBe(realSetTimeout); // put back after every execution
  });

  it('refresh moves a timer as Node\'s does: again from its callback, a fired one armed again, a cleared one not', async () => {
    const s = scenario('t/refresh', async () => {
      let expired = false;
      const idle = setTimeout(() => { expired = true; }, 100);
      await timersPromises.setTimeout(50);
      idle.refresh();
      await timersPromises.setTimeout(80);
      assert.equal(expired, false, 'refreshed at 50: due at 150');
      await timersPromises.setTimeout(30);
      assert.equal(expired, true);
      let n = 0;
      const t = setTimeout(() => { if (++n < 3) t.refresh(); }, 10);
      await timersPromises.setTimeout(100);
      assert.equal(n, 3, 'a refresh in its callback fires it again');
      t.refresh();
      await timersPromises.setTimeout(20);
      assert.equal(n, 4, 'a refresh after it fired arms it again');
      const c = setTimeout(() => { n = 99; }, 5);
      c.close();
      c.refresh();
      await timersPromises.setTimeout(10);
      assert.equal(n, 4, 'a closed timer stays cleared');
      assert.equal(c.hasRef(), true);
      assert.equal(c.unref().hasRef(), false);
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'dpor' });
    expect(r.failure?.message).toBeUndefined();
    expect(r.complete).toBe(true);
  });

  it('clearTimeout by a timer\'s number (+t, or its string) clears it, as Node\'s does', async () => {
    const s = scenario('t/clear-by-number', async () => {
      let fired = 0;
      const t = setTimeout(() => { fired++; }, 10);
      clearTimeout(+t);
      const u = setTimeout(() => { fired++; }, 10);
      clearTimeout(String(+u) as unknown as number);
      await timersPromises.setTimeout(30);
      assert.equal(fired, 0);
    }, { environment: { timers: true } });
    expect((await explore(s, { strategy: 'dpor' })).failure?.message).toBeUndefined();
  });

  it('clearTimeout racing the timer is explored both ways', async () => {
    const outcomes = new Set<boolean>();
    const s = scenario('t/clear', async () => {
      let fired = false;
      const t = setTimeout(() => { fired = true; }, 5);
      await spawn(async () => {
        await sleep(5); // due together with the timer (a clear before it is due always wins)
        clearTimeout(t);
      }, 'clearer').join();
      outcomes.add(fired);
    }, { environment: { timers: true } });
    await explore(s, { strategy: 'random', iterations: 60 });
    expect([...outcomes].sort()).toEqual([false, true]);
  });

  it('an unref\'d interval does not keep the execution alive; a cleared one stops', async () => {
    const s = scenario('t/interval', async () => {
      let ticks = 0;
      setInterval(() => ticks++, 10).unref();
      await new Promise<void>((resolve) => {
        let n = 0;
        const h = setInterval(() => { if (++n === 3) { clearInterval(h); resolve(); } }, 100);
      });
      assert.ok(ticks >= 20);
    }, { environment: { timers: true }, maxSteps: 2000 });
    const r = await explore(s, { iterations: 20 });
    expect(r.failure?.message).toBeUndefined();
  });

  it('without the environment a real setTimeout is still reported as nondeterminism', async () => {
    const s = scenario('t/real', async () => {
      await new Promise((r) => setTimeout(r, 1));
    });
    const r = await explore(s, { iterations: 5 });
    expect(r.failure?.kind).toBe('nondeterminism');
    expect(r.failure?.message).toMatch(/wrap the call with controlled\(\), turn on the scenario's environment/);
  });
});

describe('util.promisify of the virtual timers', () => {
  it('waits in virtual time, as Node\'s promise versions do', async () => {
    const s = scenario('t/promisify', async () => {
      const sleep = promisify(setTimeout);
      const order: string[] = [];
      await Promise.all([sleep(10).then(() => order.push('a')), sleep(5, 'v').then((v) => order.push(`b${v}`)), promisify(setImmediate)()]);
      assert.deepEqual(order, ['bv', 'a']);
      assert.equal(Date.now() - VIRTUAL_EPOCH, 10);
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'dfs' });
    expect(r.failure?.message).toBeUndefined();
  });
});

describe('aborting a wait', () => {
  it('an abort ends a node:timers/promises wait at once (AbortError), before the timer is due', async () => {
    const s = scenario('t/abort', async () => {
      const ac = new AbortController();
      let state = 'idle';
      const worker = (async () => {
        try {
          await timersPromises.setTimeout(10_000, undefined, { signal: ac.signal });
          state = 'done';
        } catch (e) {
          state = (e as Error).name;
        }
      })();
      await spawn(() => ac.abort(), 'aborter').join();
      await worker;
      assert.equal(state, 'AbortError');
      assert.equal(Date.now() - VIRTUAL_EPOCH, 0); // no time passed: the abort, not the timer, ended it
      await assert.rejects(timersPromises.setTimeout(5, 'v', { signal: ac.signal }), { name: 'AbortError', code: 'ABORT_ERR' });
      await assert.rejects(timersPromises.setImmediate('v', { signal: ac.signal }), { name: 'AbortError' });
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'dfs' });
    expect(r.failure?.message).toBeUndefined();
    expect(r.complete).toBe(true);
  });

  it('AbortSignal.timeout aborts in virtual time, with a TimeoutError as the reason', async () => {
    const s = scenario('t/abort-timeout', async () => {
      await assert.rejects(timersPromises.setTimeout(10, undefined, { signal: AbortSignal.timeout(5) }),
        (e: Error) => e.name === 'AbortError' && (e.cause as Error).name === 'TimeoutError');
      assert.equal(await timersPromises.setTimeout(5, 'v', { signal: AbortSignal.timeout(10) }), 'v');
      assert.equal(Date.now() - VIRTUAL_EPOCH, 10);
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'dfs' });
    expect(r.failure?.message).toBeUndefined();
    expect(AbortSignal.timeout).toBe(realAbortTimeout); // put back after every execution
  });
});

describe('events.once', () => {
  it('resolves with the arguments of the emit, and rejects on an error event', async () => {
    const s = scenario('t/once', async () => {
      const e = new EventEmitter();
      setTimeout(() => e.emit('ready', 1, 2), 1);
      assert.deepEqual(await once(e, 'ready'), [1, 2]);
      setTimeout(() => e.emit('error', new Error('boom')), 1);
      await assert.rejects(once(e, 'ready'), /boom/);
      assert.equal(e.listenerCount('ready') + e.listenerCount('error'), 0);
    }, { environment: { events: true, timers: true } });
    const r = await explore(s, { strategy: 'dfs' });
    expect(r.failure?.message).toBeUndefined();
  });

  it('an emit that came before the call leaves it waiting where heddle sees it: a deadlock', async () => {
    const s = scenario('t/once-late', async () => {
      const e = new EventEmitter();
      setTimeout(() => e.emit('ready'), 0);
      await timersPromises.setTimeout(1);
      await once(e, 'ready');
    }, { environment: { events: true, timers: true } });
    const r = await explore(s, { iterations: 5 });
    expect(r.failure?.kind).toBe('deadlock');
    expect(r.failure?.message).toMatch(/once ready/);
  });

  it('the advice for a promise heddle does not control names only the parts of the environment left off', async () => {
    const s = scenario('t/advice', async () => {
      await new Promise((r) => realSetTimeout(r, 1));
    }, { environment: { events: true } });
    const r = await explore(s, { iterations: 1 });
    expect(r.failure?.kind).toBe('nondeterminism');
    expect(r.failure?.message).toMatch(/turn on the scenario's environment \(timers, fs\), /);
  });
});

describe('controlled calls', () => {
  it('a call and its response are two scheduling points, and the response can lose to a timer', async () => {
    const r = await explore(timeoutRace, { seed: 1, iterations: 500 });
    expect(r.failure?.kind).toBe('assertion');
    expect(r.failure!.trace.map((s) => s.kind)).toContain('call');
    expect((await replay(timeoutRace, r.failure!.token)).failure?.kind).toBe('assertion');
    // The call and the response are two scheduling points, each a step of its own.
    const chosen = new Set<string>();
    const safe = await explore(timeoutSafe, { strategyInstance: new Observing(makeStrategy('random', { seed: '1' }), (x) => {
      for (const step of x.trace) if (step.choice) chosen.add(step.kind);
    }), iterations: 300 });
    expect(safe.verdict).toBe('pass');
    expect([...chosen]).toEqual(expect.arrayContaining(['call', 'response']));
  });

  it('a controlled call is labelled by its verb and the function once: call client.get, call anonymous', async () => {
    const r = await explore(timeoutRace, { seed: 1, iterations: 500 });
    const labels = r.failure!.trace.filter((s) => s.kind === 'call' || s.kind === 'response').map((s) => opLabel(s, r.failure!));
    expect(labels).toContain('call client.get');
    const anonymous = scenario('t/anonymous-call', async () => {
      const fetchToken = controlled(async () => 't');
      await fetchToken();
      throw new Error('stop here');
    });
    const f = (await explore(anonymous, { iterations: 1 })).failure!;
    expect(f.trace.filter((s) => s.kind === 'call' || s.kind === 'response').map((s) => opLabel(s, f))).toEqual(['call anonymous', 'response anonymous']);
  });

  it('controlled() passes calls straight through outside an exploration', async () => {
    const client = controlled({ get: async (k: string) => k.toUpperCase() });
    expect(await client.get('x')).toBe('X');
  });

  it('controlledCallback delivers Node-style callbacks in a task of their own', async () => {
    const seen: string[] = [];
    const read = controlledCallback((key: string, cb: (err: unknown, v?: string) => void) => cb(null, `v:${key}`), 'read');
    const s = scenario('t/callbacks', async () => {
      await new Promise<void>((resolve) => {
        read('a', (err, v) => { assert.equal(err, null); seen.push(v!); resolve(); });
      });
    }, { environment: { timers: true } });
    const r = await explore(s, { iterations: 10 });
    expect(r.failure?.message).toBeUndefined();
    expect(seen.every((v) => v === 'v:a')).toBe(true);
  });
});

describe('events', () => {
  it('emit calls every listener inside it, in registration order, as Node does', async () => {
    const s = scenario('t/emitter', async () => {
      const e = new EventEmitter();
      const got: string[] = [];
      let ready = false;
      e.on('x', () => got.push(`a${ready}`));
      e.on('x', () => { got.push('b'); });
      e.once('x', () => { got.push('c'); });
      e.emit('x');
      ready = true; // after emit returned: every listener has run
      assert.equal(e.listenerCount('x'), 2);
      e.on('boom', () => { throw new Error('from the listener'); });
      assert.throws(() => e.emit('boom'), /from the listener/); // out of emit, to its caller
      await timersPromises.setTimeout(1);
      assert.deepEqual(got, ['afalse', 'b', 'c']);
    }, { environment: { events: true, timers: true } });
    const r = await explore(s, { strategy: 'dfs' });
    expect(r.failure?.message).toBeUndefined();
    expect(r.complete).toBe(true);
  });

  it('a listener that runs too early is found: the state it reads is set after emit', async () => {
    // Verified while emit delivered in tasks of their own (after the emitter's next await):
    // Node runs the listener inside emit, where `ready` is still false.
    const s = scenario('t/emit-early', async () => {
      const e = new EventEmitter();
      let ready = false;
      let problems = 0;
      const heard = new Promise<void>((resolve) => e.on('start', () => { if (!ready) problems++; resolve(); }));
      e.emit('start');
      ready = true;
      await heard;
      assert.equal(problems, 0, 'the listener ran before ready was set');
    }, { environment: { events: true } });
    expect((await explore(s, { strategy: 'dpor' })).failure?.message).toMatch(/before ready was set/);
  });
});

describe('in-memory filesystem', () => {
  it('finds the exists-then-mkdir race (EEXIST) and passes the recursive mkdir', async () => {
    const r = await explore(mkdirRace, { seed: 1, iterations: 200 });
    expect(r.failure?.kind).toBe('uncaught');
    expect(r.failure?.message).toMatch(/EEXIST/);
    expect((await explore(mkdirSafe, { seed: 1, iterations: 200 })).verdict).toBe('pass');
  });

  it('writeFile opens (empties) the file, then writes: a read between sees it empty; a rename replaces it at once', async () => {
    const seen = new Set<string>();
    const config = (atomic: boolean) => scenario(`fs/config-${atomic}`, async () => {
      const save = async () => {
        if (!atomic) return fsPromises.writeFile('/cfg.json', '{"v":2}');
        await fsPromises.writeFile('/cfg.tmp', '{"v":2}', { encoding: 'utf8' });
        await fsPromises.rename('/cfg.tmp', '/cfg.json');
      };
      const [, text] = await Promise.all([save(), fsPromises.readFile('/cfg.json', 'utf8')]);
      seen.add(`${atomic} ${text}`);
      assert.ok(text === '{"v":1}' || text === '{"v":2}', `read ${JSON.stringify(text)}`);
      await fsPromises.appendFile('/log', 'a');
      await fsPromises.appendFile('/log', 'b');
      assert.equal(await fsPromises.readFile('/log', 'utf8'), 'ab');
    }, { environment: { fs: { '/cfg.json': '{"v":1}' } } });
    const torn = await explore(config(false), { strategy: 'dpor' });
    expect(torn.failure?.message).toMatch(/read ""/);
    const atomic = await explore(config(true), { strategy: 'dpor' });
    expect(atomic.failure?.message).toBeUndefined();
    expect(atomic.complete).toBe(true);
    expect(seen.has('false ')).toBe(true);
    expect([...seen].filter((x) => x.startsWith('true')).sort()).toEqual(['true {"v":1}', 'true {"v":2}']);
  });

  it('copyFile creates the destination, then copies: a reader between sees it empty; COPYFILE_EXCL refuses an existing one', async () => {
    const seen = new Set<string>();
    const s = scenario('fs/copy', async () => {
      const [, text] = await Promise.all([fsPromises.copyFile('/a', '/b'), fsPromises.readFile('/b', 'utf8').catch(() => 'absent')]);
      seen.add(text);
      await assert.rejects(fsPromises.copyFile('/a', '/b', 1), { code: 'EEXIST' });
      await assert.rejects(fsPromises.copyFile('/missing', '/c'), { code: 'ENOENT' });
      assert.equal(await fsPromises.access('/c').then(() => true, () => false), false);
    }, { environment: { fs: { '/a': 'x' } } });
    const r = await explore(s, { strategy: 'dpor' });
    expect(r.failure?.message).toBeUndefined();
    expect([...seen].sort()).toEqual(['', 'absent', 'x']);
  });

  it('a FileHandle is virtual: open(path, \'wx\') is an atomic create-if-absent, check-then-open is not', async () => {
    const lockFile = (exclusive: boolean) => scenario(`fs/lock-${exclusive}`, async () => {
      let inside = 0;
      const work = async () => {
        if (!exclusive && (await fsPromises.access('/app.lock').then(() => true, () => false))) return;
        let fh: fsPromises.FileHandle;
        try {
          fh = await fsPromises.open('/app.lock', exclusive ? 'wx' : 'w');
        } catch {
          return; // EEXIST: held
        }
        inside++;
        assert.equal(inside, 1, 'two holders');
        await fh.writeFile('pid');
        assert.equal((await fh.stat()).size, 3);
        inside--;
        await fh.close();
      };
      await Promise.all([work(), work()]);
    }, { environment: { fs: {} } });
    expect((await explore(lockFile(false), { strategy: 'dpor' })).failure?.message).toMatch(/two holders/);
    const safe = await explore(lockFile(true), { strategy: 'dpor' });
    expect(safe.failure?.message).toBeUndefined();
    expect(safe.complete).toBe(true);
  });

  it('streams and the other functions heddle does not schedule stay in the volume', async () => {
    const s = scenario('fs/stream', async () => {
      const { createWriteStream, readFileSync } = await import('node:fs');
      await new Promise<void>((done, fail) => createWriteStream('/heddle-probe.txt').on('error', fail).end('x', () => done()));
      assert.equal(readFileSync('/heddle-probe.txt', 'utf8'), 'x');
      await fsPromises.cp('/heddle-probe.txt', '/copy.txt');
    }, { environment: { fs: {} } });
    const r = await explore(s, { iterations: 2 });
    expect(r.failure?.message).toBeUndefined();
    expect(existsSync('/heddle-probe.txt')).toBe(false);
  });

  it('touches no real file and puts node:fs back', async () => {
    await explore(mkdirSafe, { iterations: 5 });
    expect(existsSync('/data')).toBe(false);
    expect(typeof fsPromises.readFile).toBe('function');
    expect((await fsPromises.readFile('package.json', 'utf8')).includes('"name": "heddle"')).toBe(true);
  });
});

describe('environment: true', () => {
  it('turns on timers, clock, random, fs and events at once', async () => {
    const s = scenario('t/everything', async () => {
      await fsPromises.writeFile('/note', 'kept in memory');
      assert.equal(existsSync('/note'), true);
      const e = new EventEmitter();
      const heard = new Promise<number>((resolve) => e.once('tick', resolve));
      setTimeout(() => e.emit('tick', Date.now()), 1_000);
      assert.equal(await heard, VIRTUAL_EPOCH + 1_000);
      const r = Math.random();
      assert.ok(r >= 0 && r < 1);
    }, { environment: true });
    const r = await explore(s, { iterations: 20 });
    expect(r.failure?.message).toBeUndefined();
    expect(existsSync('/note')).toBe(false);
  });
});
