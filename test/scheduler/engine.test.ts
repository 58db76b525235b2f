import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { explore, replay, scenario, Shared } from 'heddle';
import { leaky, lostUpdate, neverSet, oppositeLocks, racyButPassing, safeCounter, spinner, starvedConsumer, timer, typeError } from '../fixtures/programs.ts';

describe('execution engine', () => {
  it('finds the lost update on Shared as an assertion failure', async () => {
    const r = await explore(lostUpdate, { iterations: 200, seed: 1 });
    expect(r.failure?.kind).toBe('assertion');
    expect(r.failure?.preemptions).toBeGreaterThan(0);
  });

  it('finds the deadlock of two mutexes taken in opposite order and names the cycle', async () => {
    const r = await explore(oppositeLocks, { iterations: 500, seed: 1 });
    expect(r.failure?.kind).toBe('deadlock');
    expect(r.failure?.message).toMatch(/cycle/);
    expect(r.failure?.message).toMatch(/task 1 't1' waits to lock mutex 'B' \(held by task 2 't2'\)/);
    expect(r.failure?.message).toMatch(/task 2 't2' waits to lock mutex 'A' \(held by task 1 't1'\)/);
  });

  it('tells a task waiting forever on a queue or event apart from a cycle', async () => {
    const q = await explore(starvedConsumer, { iterations: 20, seed: 1 });
    expect(q.failure?.kind).toBe('deadlock');
    expect(q.failure?.message).toMatch(/no task can run — task 1 'consumer' waits forever to get from queue 'jobs': no task left can put \(also blocked: task 0 'main' waits to join task 1 'consumer'\)/);
    expect(q.failure?.message).not.toMatch(/cycle/);
    const e = await explore(neverSet, { iterations: 5, seed: 1 });
    expect(e.failure?.message).toMatch(/task 1 'waiter' waits forever on event 'ready': no task left will set it/);
  });

  it('reports a spinning task as livelock at the step bound', async () => {
    const r = await explore(spinner, { iterations: 5, seed: 1 });
    expect(r.failure?.kind).toBe('livelock');
    expect(r.failure?.message).toMatch(/livelock: task 1 'spinner' kept running for the last 100 steps without changing anything/);
  });

  it('a long-running execution that still changes state is not called a livelock by mistake', async () => {
    const busy = scenario('busy', async () => {
      const c = Shared.atomic(0, 'c');
      for (;;) await c.update((n) => n + 1);
    }, { maxSteps: 300 });
    const r = await explore(busy, { iterations: 1, seed: 1 });
    expect(r.failure?.kind).toBe('livelock');
    expect(r.failure?.message).toMatch(/exceeded 300 scheduling points \(maxSteps\) while still changing state: task 0 'main'/);
  });

  it('reports an uncontrolled setTimeout as nondeterminism and ends the run', async () => {
    const r = await explore(timer, { iterations: 50, seed: 1 });
    expect(r.failure?.kind).toBe('nondeterminism');
    expect(r.failure?.message).toMatch(/task 1 'sleeper' awaited something heddle does not control/);
    expect(r.schedulesRun).toBe(1);
  });

  it('classifies a TypeError as uncaught', async () => {
    const r = await explore(typeError, { iterations: 200, seed: 1 });
    expect(r.failure?.kind).toBe('uncaught');
    expect(r.failure?.message).toMatch(/TypeError/);
  });

  it('reports module-level state that leaks between executions', async () => {
    const r = await explore(leaky, { iterations: 10, seed: 1 });
    expect(r.failure?.kind).toBe('nondeterminism');
    expect(r.failure?.message).toMatch(/state leaks between executions/);
  });

  it('passes a correct program under every schedule tried', async () => {
    const r = await explore(safeCounter, { iterations: 300, seed: 5 });
    expect(r.verdict).toBe('pass');
    expect(r.schedulesRun).toBe(300);
  });

  it('gives the identical failure and trace for the same seed, twice', async () => {
    const a = await explore(lostUpdate, { iterations: 200, seed: 99 });
    const b = await explore(lostUpdate, { iterations: 200, seed: 99 });
    expect(a.failure?.token).toBe(b.failure?.token);
    expect(a.failure?.seed).toBe(b.failure?.seed);
    expect(a.schedulesRun).toBe(b.schedulesRun);
    expect(JSON.stringify(a.failure?.trace)).toBe(JSON.stringify(b.failure?.trace));
  });

  it('gives the identical token in a child process', async () => {
    const here = await explore(lostUpdate, { iterations: 200, seed: 99 });
    const code = `import { explore } from 'heddle'; import { lostUpdate } from './test/fixtures/programs.ts';
      const r = await explore(lostUpdate, { iterations: 200, seed: 99 }); console.log(r.failure.token);`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(out.trim()).toBe(here.failure?.token);
  });

  it('the failing seed reruns exactly that execution first', async () => {
    const r = await explore(lostUpdate, { strategy: 'random', iterations: 200, seed: 12345, shrink: false });
    const again = await explore(lostUpdate, { strategy: 'random', iterations: 1, seed: r.failure!.seed!, shrink: false });
    expect(again.failure?.token).toBe(r.failure?.token);
    expect(again.schedulesRun).toBe(1);
  });

  it('every failure token replays to the same failure and trace', async () => {
    for (const s of [lostUpdate, oppositeLocks, spinner, typeError]) {
      for (const seed of [1, 2, 3]) {
        const r = await explore(s, { iterations: 500, seed });
        const f = r.failure!;
        const back = await replay(s, f.token);
        expect(back.failure?.kind, `${s.name} seed ${seed}`).toBe(f.kind);
        expect(back.failure?.token).toBe(f.token);
        expect(back.warnings).toEqual([]);
        expect(back.execution.trace.map((t) => [t.task, t.kind, t.object])).toEqual(f.trace.map((t) => [t.task, t.kind, t.object]));
      }
    }
  });

  it('replays from an execution seed as well as from a token', async () => {
    const r = await explore(lostUpdate, { strategy: 'random', iterations: 200, seed: 4, shrink: false });
    const back = await replay(lostUpdate, r.failure!.seed!);
    expect(back.failure?.token).toBe(r.failure?.token);
  });

  it('a failure report carries source locations of the user code', async () => {
    const r = await explore(lostUpdate, { iterations: 200, seed: 1 });
    const located = r.failure!.trace.filter((s) => s.location !== undefined);
    expect(located.length).toBeGreaterThan(0);
    expect(located.every((s) => s.location!.startsWith('test/fixtures/programs.ts:'))).toBe(true);
  });

  it('reports a data race that breaks no assertion, with both access sites', async () => {
    const r = await explore(racyButPassing, { iterations: 50, seed: 1 });
    expect(r.failure?.kind).toBe('data-race');
    expect(r.failure?.message).toMatch(/data race on cell 'flag': task \d '(main|setter)' (get|set) \(step \d+, at test\/fixtures\/programs.ts:\d+\) and task \d '(main|setter)' (get|set) \(step \d+, at test\/fixtures\/programs.ts:\d+\)/);
    const back = await replay(racyButPassing, r.failure!.token);
    expect(back.failure?.kind).toBe('data-race');
  });

  it('a failing execution that also races reports the failure, with the race attached', async () => {
    const r = await explore(lostUpdate, { iterations: 200, seed: 1 });
    expect(r.failure?.kind).toBe('assertion');
    expect(r.failure?.races?.[0]).toMatch(/data race on cell 'c'/);
  });

  it('races: false turns detection off', async () => {
    const quiet = { ...racyButPassing, options: { ...racyButPassing.options, races: false } };
    const r = await explore(quiet, { iterations: 50, seed: 1 });
    expect(r.verdict).toBe('pass');
  });
});
