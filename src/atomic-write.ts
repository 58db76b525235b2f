import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Temp files being written by this process: removed if it exits before renaming them. */
const writing = new Set<string>();
let hooked = false;

function removeWriting(): void {
  for (const temp of writing) rmSync(temp, { force: true });
  writing.clear();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files beside `path` left by a process that died mid-write (killed: no handler ran). */
function removeStale(path: string): void {
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = entry.startsWith(`${name}.`) ? /\.(\d+)\.tmp$/.exec(entry.slice(name.length)) : null;
    if (m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(dirname(path), entry), { force: true });
  }
}

/**
 * Writes to a temp file beside the target and renames it: a reader never sees half a file, and
 * no temp file outlives the write — removed when the write fails, when the process exits before
 * the rename, and (for a process that was killed) by the next write of the same file.
 */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  removeStale(path);
  const temp = `${path}.${process.pid}.tmp`;
  if (!hooked) {
    hooked = true;
    process.on('exit', removeWriting);
  }
  writing.add(temp);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  } finally {
    writing.delete(temp);
  }
}
