import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { explore } from 'heddle';
import { failureHtml } from '../../src/report/html.ts';
import { shown } from '../../src/report/text.ts';
import { syncEdges } from '../../src/report/edges.ts';
import { hostileNames, lostUpdate, oppositeLocks } from '../fixtures/programs.ts';

const CHROMIUM = '/usr/bin/chromium';

async function failureOf(s: typeof lostUpdate) {
  const r = await explore(s, { strategy: 'random', seed: 1, iterations: 500 });
  return r.failure!;
}

describe('HTML report', () => {
  it('escapes every user string', async () => {
    const html = failureHtml(hostileNames.name, await failureOf(hostileNames));
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toMatch(/<img src=x/);
    expect(html).not.toMatch(/<b>hostile/);
    expect(html).not.toMatch(/<i>lost/);
    expect(html).not.toMatch(/' onmouseover='/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/<script|(src|href)=["']?https?:/); // no scripts, nothing fetched from the network
  });

  it("counts in the right number, keeps the assertion's values and prints the CLI's replay line", async () => {
    const f = await failureOf(lostUpdate);
    const html = failureHtml(lostUpdate.name, f, { cli: 'npx heddle', target: 'test/fixtures/programs.ts#fixture/lost-update' });
    expect(f.preemptions).toBe(1);
    expect(html).toMatch(/, 1 preemption<\/p>/);
    expect(html).toContain('1 !== 2');
    expect(html).toContain(`replay: <code>npx heddle replay test/fixtures/programs.ts#fixture/lost-update ${f.token}</code>`);
    expect(failureHtml(lostUpdate.name, f)).toContain(`replay: <code>await replay(scenario, &#39;${f.token}&#39;)</code>`);
  });

  it('draws happens-before edges through spawn, locks and join', async () => {
    const f = await failureOf(oppositeLocks);
    const kinds = new Set(syncEdges(f.trace, f.objects).map((e) => e.kind));
    expect(kinds.has('spawn')).toBe(true);
    const locked = await failureOf(lostUpdate);
    const edges = syncEdges(locked.trace, locked.objects);
    expect(edges.every((e) => locked.trace[e.from]!.task !== locked.trace[e.to]!.task)).toBe(true);
    expect(edges.filter((e) => e.kind === 'join')).toHaveLength(2);
  });

  it.skipIf(!existsSync(CHROMIUM))('opens in headless Chromium with lanes, operations and the failing step visible', async () => {
    const { chromium } = await import('playwright-core');
    const f = await failureOf(lostUpdate);
    const dir = mkdtempSync(join(tmpdir(), 'heddle-html-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, failureHtml(lostUpdate.name, f));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      await expect.poll(() => page.locator('.lane').count()).toBe(f.tasks.length);
      // bookkeeping steps (loads, stores, settlements) have no row of their own
      expect(await page.locator('.op').count()).toBe(f.trace.filter(shown).length);
      expect(f.trace.filter(shown).length).toBeGreaterThan(0);
      expect(await page.locator('.failing').first().isVisible()).toBe(true);
      expect(await page.locator('.failing').first().textContent()).toMatch(/assertion/);
      expect(await page.locator('path.race').count()).toBeGreaterThan(0);
      expect(await page.locator('h1').textContent()).toBe('assertion in fixture/lost-update');
      expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
