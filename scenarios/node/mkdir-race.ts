// Code written for plain Node (node:fs/promises), checked unmodified against an in-memory
// filesystem: "create the directory unless it exists" is a check-then-act across two awaits.
import assert from 'node:assert/strict';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { scenario, spawn } from 'heddle';

export async function ensureDirRacy(path: string): Promise<void> {
  try {
    await access(path);
  } catch {
    await mkdir(path); // another caller may have created it since access() failed: EEXIST
  }
}

export async function ensureDirSafe(path: string): Promise<void> {
  await mkdir(path, { recursive: true }); // one atomic step: no window
}

function harness(name: string, ensureDir: (p: string) => Promise<void>, expect: 'pass' | 'uncaught') {
  return scenario(name, async () => {
    const save = (file: string) => async () => {
      await ensureDir('/data');
      await writeFile(`/data/${file}`, file);
    };
    const a = spawn(save('a.txt'), 'save-a');
    const b = spawn(save('b.txt'), 'save-b');
    await a.join();
    await b.join();
    assert.deepEqual((await readdir('/data')).sort(), ['a.txt', 'b.txt']);
  }, { expect, environment: { fs: true }, description: 'exists-then-mkdir on node:fs/promises (memfs)' });
}

export const racy = harness('node/mkdir-race', ensureDirRacy, 'uncaught');
export const safe = harness('node/mkdir-race.fixed', ensureDirSafe, 'pass');
