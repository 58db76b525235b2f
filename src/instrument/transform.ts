import { parse, type Options as ParseOptions, type Program } from 'acorn';
import { MagicString } from 'magic-string';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Site } from './api.ts';
import { rewrite, type Names } from './rewrite.ts';
import { compose, decodeDataUrl, inlineComment, Positions, sourceMappingUrl, type SourceMap } from './source-map.ts';

// instrument(): the source transform that makes every await of ordinary code a scheduling
// point and reports what each step reads and writes. It takes JavaScript (tsx or vite has
// already compiled the TypeScript), rewrites its async constructs and its memory effects into
// calls on the module's runtime handle (shapes in api.ts; rewrite.ts and the files it names),
// and returns the code with one source map back to the file the user wrote.

/** Bumped whenever the output for a given input changes: it is part of the cache key. */
export const TRANSFORM_VERSION = 3;

export type { SourceMap };

export interface InstrumentOptions {
  /** The module's URL (`file:///…`) or path: named in the preamble, in errors and in the map. */
  readonly url: string;
  /** The map from `source` back to the original, when the caller has it (vite); otherwise the inline one is read. */
  readonly inputMap?: SourceMap | undefined;
  /** How the loader will run it; unknown: tried as an ES module, then as a CommonJS script. */
  readonly format?: 'module' | 'commonjs' | undefined;
  /**
   * Append the map to the code as a `//# sourceMappingURL=data:…` comment (default), leading to
   * the original source; a bundler takes it beside the code instead, and as it chains every
   * plugin's map itself, that map covers this transform alone (rewritten code → `source`).
   */
  readonly inlineMap?: boolean | undefined;
}

export interface Instrumented {
  readonly code: string;
  /** Rewritten code → original source (→ `source` when inlineMap is false); the input's own map when nothing was rewritten. */
  readonly map: SourceMap | undefined;
  readonly sites: Site[];
  /** Packages named by `instrument: ['…']` properties in the module. */
  readonly instrument: string[];
}

/** The runtime global the preamble reads (api.ts's RUNTIME_KEY), as source text. */
const RUNTIME_GLOBAL = 'globalThis[Symbol.for("heddle.instrument")]';
/** Present in every rewritten module, and in no module written by hand: makes instrument() idempotent. */
const MARKER = `${RUNTIME_GLOBAL} ?? (() => {`;

/** Whether the code was rewritten by instrument() already. */
export function isInstrumented(source: string): boolean {
  return source.includes(MARKER);
}

/** Rewrites a module; throws one line, `file.ts:LINE:COL: message`, when it does not parse. */
export function instrument(source: string, options: InstrumentOptions): Instrumented {
  if (isInstrumented(source)) return { code: source, map: options.inputMap, sites: [], instrument: [] };
  let mapComment: { start: number; end: number; url: string } | undefined;
  const onComment = (_block: boolean, text: string, start: number, end: number) => {
    const url = sourceMappingUrl(text);
    if (url !== undefined) mapComment = { start, end, url };
  };
  const program = parseModule(source, options, onComment);
  const inputMap = options.inputMap ?? (mapComment && decodeDataUrl(mapComment.url));
  const positions = new Positions(source, inputMap);
  const out = new MagicString(source);
  const names = chooseNames(source);
  const { sites, instrument: packages, prologue } = rewrite(program, source, out, names, positions, program.sourceType === 'script');
  // A module the rewrite left alone (nothing but literals and names) runs as it is: no preamble, so it needs no runtime.
  if (sites.length === 0 && !out.hasChanged() && prologue === '') return { code: source, map: inputMap, sites, instrument: packages };

  if (mapComment) out.remove(mapComment.start, mapComment.end);
  const at = preambleOffset(program, source);
  // After a directive written without its semicolon ('use strict'), one is needed.
  const separator = at > 0 && source[at - 1] !== ';' && source[at - 1] !== '\n' ? ';' : '';
  out.prependLeft(at, separator + preamble(names, options.url, sites) + prologue);
  const ours = out.generateMap({ source: options.url, file: options.url, hires: 'boundary' }) as unknown as SourceMap;
  // Inline, the map must lead to the original source; a bundler chains each plugin's map itself.
  const map = options.inlineMap === false ? ours : compose(ours, inputMap);
  const code = options.inlineMap === false ? out.toString() : `${out.toString()}\n${inlineComment(map)}\n`;
  return { code, map, sites, instrument: packages };
}

function parseModule(source: string, options: InstrumentOptions, onComment: NonNullable<ParseOptions['onComment']>): Program {
  const common = { ecmaVersion: 'latest', allowHashBang: true, preserveParens: true, onComment } as const;
  let moduleError: unknown;
  if (options.format !== 'commonjs') {
    try {
      return parse(source, { ...common, sourceType: 'module' });
    } catch (e) {
      if (options.format === 'module') throw parseError(e, source, options);
      moduleError = e;
    }
  }
  try {
    // CommonJS: a function body in effect, so a top-level return is fine.
    return parse(source, { ...common, sourceType: 'script', allowReturnOutsideFunction: true });
  } catch (e) {
    throw parseError(moduleError ?? e, source, options);
  }
}

/** acorn's error, as one line naming the original file, line and (1-based) column. */
function parseError(e: unknown, source: string, options: InstrumentOptions): Error {
  if (!(e instanceof SyntaxError) || typeof (e as { pos?: unknown }).pos !== 'number') return e as Error;
  // The parse stopped before the map comment at the end, so find it in the text.
  const at = source.lastIndexOf('//# sourceMappingURL=');
  const url = at < 0 ? undefined : sourceMappingUrl(source.slice(at + 2, source.indexOf('\n', at) >>> 0));
  const inputMap = options.inputMap ?? (url === undefined ? undefined : decodeDataUrl(url));
  const { line, column } = new Positions(source, inputMap).original((e as SyntaxError & { pos: number }).pos);
  const message = e.message.replace(/ \(\d+:\d+\)$/, '');
  return new SyntaxError(`${displayPath(options.url)}:${line}:${column + 1}: ${message}`);
}

/** A path to show a user: relative to the working directory when the file is under it. */
export function displayPath(url: string): string {
  let path = url;
  if (url.startsWith('file:')) {
    try {
      path = fileURLToPath(url.split('?')[0]!);
    } catch {
      return url;
    }
  }
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || rel.startsWith(sep) ? path : rel.split(sep).join('/');
}

/** `__heddle`, or `__heddle1`, `__heddle2`, … — the first that occurs nowhere in the text. */
function chooseNames(source: string): Names {
  let handle = '__heddle';
  for (let n = 1; source.includes(handle); n++) handle = `__heddle${n}`;
  // Neither derived name can occur either: both contain `handle`.
  return { handle, frame: `${handle}Frame`, args: `${handle}Args` };
}

/** After the hashbang and the directive prologue ('use strict' must stay first to mean anything). */
function preambleOffset(program: Program, source: string): number {
  let offset = 0;
  for (const statement of program.body) {
    if (!('directive' in statement) || typeof statement.directive !== 'string') break;
    offset = statement.end;
  }
  if (offset === 0 && source.startsWith('#!')) {
    const eol = source.indexOf('\n');
    offset = eol < 0 ? source.length : eol + 1;
  }
  return offset;
}

/**
 * One statement on the first line (no line break, so every line keeps its number): the
 * module's handle, or a clear error when the code runs where heddle's runtime was not loaded.
 */
function preamble(names: Names, url: string, sites: readonly Site[]): string {
  const missing = JSON.stringify(`${displayPath(url)} was instrumented by heddle, but heddle's runtime is not loaded in this thread`);
  return `const ${names.handle} = (${MARKER} throw new Error(${missing}); })()).module(${JSON.stringify(url)}, ${JSON.stringify(sites)});`;
}
