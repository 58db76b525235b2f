import remapping from '@jridgewell/remapping';
import { LEAST_UPPER_BOUND, originalPositionFor, TraceMap, type EncodedSourceMap } from '@jridgewell/trace-mapping';

// Source maps around the transform: the compiler before us (tsx, vite) hands JavaScript with a
// map back to the TypeScript; our edits add a second map; the module must carry one map from
// the code that runs to the file the user wrote, and every site must name the line they wrote.

export type SourceMap = EncodedSourceMap;

const URL_PREFIXES = ['# sourceMappingURL=', '@ sourceMappingURL='];

/** The `//# sourceMappingURL=` comment's URL, when a comment is one. */
export function sourceMappingUrl(comment: string): string | undefined {
  const text = comment.trim();
  const prefix = URL_PREFIXES.find((p) => text.startsWith(p));
  return prefix === undefined ? undefined : text.slice(prefix.length).trim();
}

/** Decodes a `data:application/json[;charset=…];base64,…` (or URL-encoded) map; undefined for any other URL. */
export function decodeDataUrl(url: string): SourceMap | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  try {
    const json = meta.endsWith(';base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
    return JSON.parse(json) as SourceMap;
  } catch {
    return undefined; // a broken map is no map: sites then carry the compiled lines
  }
}

/** The map appended to rewritten code: read by Node's stack traces and by debuggers. */
export function inlineComment(map: SourceMap): string {
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}

/** Our map (rewritten → input) composed with the input's (input → original). */
export function compose(ours: SourceMap, input: SourceMap | undefined): SourceMap {
  if (input === undefined) return ours;
  const composed = remapping([ours, input], () => null);
  return { ...composed, version: 3 } as SourceMap;
}

/**
 * Maps offsets in the input text to positions in the original source: 1-based lines and
 * 0-based columns, through the input map when there is one.
 */
export class Positions {
  /** invariant: lineStarts[i] is the offset of the first character of line i + 1. */
  private readonly lineStarts: number[] = [0];
  private readonly trace: TraceMap | undefined;

  constructor(text: string, input: SourceMap | undefined) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    this.trace = input === undefined ? undefined : new TraceMap(input);
  }

  /** Line and column in the input text itself. */
  generated(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! };
  }

  /** Line and column in the original source; the input's own when the map says nothing there. */
  original(offset: number): { line: number; column: number } {
    const at = this.generated(offset);
    if (this.trace === undefined) return at;
    const found = originalPositionFor(this.trace, at);
    if (found.line !== null) return { line: found.line, column: found.column };
    // Nothing mapped at or before this column on its line: take the next mapping on the line.
    const after = originalPositionFor(this.trace, { ...at, bias: LEAST_UPPER_BOUND });
    return after.line !== null ? { line: after.line, column: after.column } : at;
  }
}
