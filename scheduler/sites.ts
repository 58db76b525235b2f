// Source sites of instrumented code (an async function, an await, a .then call), registered once
// per module as it loads. The engine refers to them by number, so a step costs no string; the
// numbers become `file:line` only when a trace is built for a report.

export interface SiteInfo {
  /** Kind of construct: 'fn', 'await', 'for-await', 'then', … (see src/instrument/api.ts). */
  readonly kind: string;
  /** The enclosing (or, for 'fn', the) async function's name. */
  readonly name: string;
  /** Path of the original source file, relative to the working directory when it loaded. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** A short excerpt of the construct (`await this.store.get(key)`). */
  readonly text: string;
}

// Global, not per module copy: see currentExecution in execution.ts.
const sitesKey = Symbol.for('heddle.sites');
const sites: SiteInfo[] = ((globalThis as unknown as Record<symbol, SiteInfo[] | undefined>)[sitesKey] ??= []);

/** Registers a module's sites; returns the number of its first one. */
export function registerSites(list: readonly SiteInfo[]): number {
  const base = sites.length;
  for (const s of list) sites.push(s);
  return base;
}

export function siteInfo(id: number): SiteInfo | undefined {
  return id >= 0 ? sites[id] : undefined;
}

/** `file:line` of a site, or undefined (also for one of heddle's own helpers, which has no file). */
export function siteLocation(id: number): string | undefined {
  const s = siteInfo(id);
  return s === undefined || s.file === '' ? undefined : `${s.file}:${s.line}`;
}
