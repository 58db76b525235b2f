import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The front page and the docs are read by people who paste what they say: every command they
// show for this repo's scenarios must run as they say, and every repo file they name must exist.
const DOCS = ['README.md', 'ARCHITECTURE.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

function codeBlocks(text: string): string[] {
  return [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** `npx tsx check …` / `npx tsx replay …` lines of code blocks that name a bundled scenario (no placeholders). */
function commands(): { doc: string; args: string[] }[] {
  const found: { doc: string; args: string[] }[] = [];
  for (const doc of DOCS) {
    for (const block of codeBlocks(readFileSync(doc, 'utf8'))) {
      for (const raw of block.split('\n')) {
        const m = /npx tsx (check|replay) (.*)$/.exec(raw.trim());
        if (!m) continue;
        const rest = m[2]!.replace(/\s+#\s.*$/, '').trim(); // a trailing shell comment
        if (rest === '' || /[<>[\]…$]|\.\.\./.test(rest)) continue; // every scenario (slow) or a placeholder
        const args = [m[1]!, ...rest.split(/\s+/)];
        if (args[1]!.startsWith('-')) continue;
        found.push({ doc, args });
      }
    }
  }
  return found;
}

/** Repo-relative paths in backticks: `src/…`, `scenarios/…`, … (a trailing `#anchor` or `:line` left off). */
function pathsNamed(): { doc: string; path: string }[] {
  const found: { doc: string; path: string }[] = [];
  for (const doc of DOCS) {
    for (const m of readFileSync(doc, 'utf8').matchAll(/`((?:scenarios|src|test|models|bench|docs|scheduler)\/[^`\s]*)`/g)) {
      const path = m[1]!.replace(/[#:].*$/, '');
      if (/[*<>{}…]/.test(path)) continue; // a pattern, not a file
      found.push({ doc, path });
    }
  }
  return found;
}

describe('README and docs tell the truth', () => {
  it('every repo path they name in backticks exists', () => {
    const named = pathsNamed();
    expect(named.length).toBeGreaterThan(20);
    const missing = named.filter(({ path }) => !existsSync(path)).map(({ doc, path }) => `${doc}: ${path}`);
    expect(missing).toEqual([]);
  });

  it('the check and replay commands they show for bundled scenarios run as declared (exit 0)', () => {
    const found = commands();
    expect(found.length).toBeGreaterThan(2);
    for (const { doc, args } of found.slice(0, 6)) {
      // Keep it fast: a sampling search needs few schedules to show what the docs say.
      const exhaustive = args.includes('dfs') || args.includes('dpor') || args.includes('--seed') || args[0] === 'replay';
      const run = [...args, ...(exhaustive || args.includes('--iterations') ? [] : ['--iterations', '200'])];
      const r = spawnSync(process.execPath, ['src/cli/bin.mjs', ...run], { encoding: 'utf8', timeout: 120_000 });
      expect({ doc, run: run.join(' '), status: r.status, err: r.stderr.slice(0, 300) }).toEqual({ doc, run: run.join(' '), status: 0, err: '' });
    }
  }, 600_000);
});
