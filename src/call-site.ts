import { fileURLToPath } from 'node:url';
import { isOwnFile, isOwnFrame } from '../scheduler/location.ts';

// Where user code called into heddle, read from the stack: the files that defined a scenario (so
// a printed command can load it again) and the frames a test runner shows for a failed check.

function pathOf(file: string): string {
  return file.startsWith('file:') ? fileURLToPath(file) : file;
}

/** The files on the stack above `below` (the API function the user called), nearest first, heddle's own left out. */
export function callerFiles(below: (...args: never[]) => unknown): string[] {
  const saved = Error.prepareStackTrace;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    Error.captureStackTrace(holder, below);
    const sites = holder.stack ?? [];
    const files = sites.map((s) => s.getFileName()).filter((f): f is string => typeof f === 'string' && f !== '' && !f.startsWith('node:'));
    return [...new Set(files.map(pathOf))].filter((f) => !isOwnFile(f));
  } catch {
    return [];
  } finally {
    Error.prepareStackTrace = saved;
  }
}

/**
 * The stack frames above `below`, heddle's own left out (its helper, the instrumentation's
 * wrappers): a thrown error given these points a test runner's code frame at the user's line.
 */
export function callerFrames(below: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, below);
  const frames = (holder.stack ?? '').split('\n').slice(1);
  const outside = frames.filter((f) => !isOwnFrame(f));
  return (outside.length > 0 ? outside : frames).join('\n');
}
