import { fileURLToPath } from 'node:url';
import { basename, dirname, relative, resolve, sep } from 'node:path';

// heddle's own folders: frames inside them are the machinery, not the user's code. In a build
// the root is dist/, and source-mapped frames name the sources beside it (the package's src/
// and scheduler/, which it does not ship): heddle's own frames too.
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const roots = basename(root) === 'dist' ? [root, dirname(root)] : [root];
const own = roots.flatMap((r) => ['src', 'scheduler', 'dist'].map((folder) => resolve(r, folder) + sep));

/** Whether `file` (a path) is one of heddle's own modules. */
export function isOwnFile(file: string): boolean {
  return own.some((dir) => file.startsWith(dir));
}

/** Whether a stack trace line (`    at f (path:line:col)`, the path possibly with spaces) is a frame of heddle's own code. */
export function isOwnFrame(line: string): boolean {
  return own.some((dir) => line.includes(dir));
}

function frameFile(line: string): string | null {
  const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
  if (!m) return null;
  const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
  return `${file}:${m[2]}`;
}

/**
 * The first stack frame outside heddle, node internals and node_modules, as `path:line`
 * relative to the working directory. Costly: called only when a failure is being reported.
 */
export function captureLocation(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const at = frameFile(line);
    if (at === null || at.startsWith('node:') || at.includes(`${sep}node_modules${sep}`)) continue;
    if (isOwnFile(at)) continue;
    return relative(process.cwd(), at);
  }
  return undefined;
}
