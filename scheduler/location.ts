import { fileURLToPath } from 'node:url';
import { dirname, relative, sep } from 'node:path';

// heddle's own folders: frames inside them are the machinery, not the user's code.
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const own = [root + sep + 'scheduler' + sep, root + sep + 'src' + sep];

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
    if (own.some((dir) => at.startsWith(dir))) continue;
    return relative(process.cwd(), at);
  }
  return undefined;
}
