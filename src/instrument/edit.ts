import type { MagicString } from 'magic-string';

// In-place edits of the module's text, composed so that a construct rewritten around its
// sub-expressions and those sub-expressions rewritten afterwards nest correctly.
//
// The walk is pre-order (a node is edited before its children). Every rewrite is a template:
// generated glue around the node's sub-expressions, which keep their text, stay in their order
// and appear once each. The glue before a sub-expression replaces the source between it and the
// previous one; when there is no source between (the node starts where its first sub-expression
// does), the glue goes in with appendLeft (later = inner = further right), and at the node's end
// with prependLeft (later = inner = further left). Replacements keep what was inserted at their
// ends (magic-string's update). No edit removes or inserts a line break: a replaced range keeps
// its line breaks after its glue, so every line keeps its number.

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Generated text, or a sub-expression of the node (kept as it is in the source, edited by its own visit). */
export type Part = string | Span;

export class Editor {
  /** The first text inserted at an offset (the outermost there): what the output has first from that offset on. */
  private readonly firsts = new Map<number, string>();

  constructor(
    readonly source: string,
    readonly out: MagicString,
  ) {}

  /** Rewrites `node` as `parts`; the spans must lie inside it, in source order, without overlap. */
  template(node: Span, parts: readonly Part[]): void {
    let at = node.start;
    let glue = '';
    let first = true;
    for (const part of parts) {
      if (typeof part === 'string') {
        glue += part;
        continue;
      }
      if (first) this.before(at, part.start, glue);
      else this.between(at, part.start, glue);
      first = false;
      at = part.end;
      glue = '';
    }
    if (first) {
      this.replace(node.start, node.end, glue);
      return;
    }
    if (at < node.end) this.replace(at, node.end, glue);
    else if (glue !== '') this.out.prependLeft(at, glue);
  }

  /** `open` before the node, `close` after it. */
  wrap(node: Span, open: string, close: string): void {
    this.open(node.start, open);
    this.out.prependLeft(node.end, close);
  }

  /** Inserts an opener; after a word (`return(x)`, `typeof(o).k` in minified code) with a space, or the two would merge. */
  open(at: number, text: string): void {
    if (text === '') return;
    if (!this.firsts.has(at)) this.firsts.set(at, text);
    this.out.appendLeft(at, at > 0 && isWordChar(this.source.charCodeAt(at - 1)) && isWordChar(text.charCodeAt(0)) ? ` ${text}` : text);
  }

  /** Inserts a closer at `at`, inside whatever outer closers are there already. */
  close(at: number, text: string): void {
    if (text !== '') this.out.prependLeft(at, text);
  }

  /** Replaces `[from, to)` by `text`, then the range's line breaks. */
  replace(from: number, to: number, text: string): void {
    const breaks = lineBreaks(this.source, from, to);
    let content = text;
    if (from > 0 && isWordChar(this.source.charCodeAt(from - 1)) && isWordChar(content.charCodeAt(0))) content = ` ${content}`;
    if (to < this.source.length && isWordChar(this.source.charCodeAt(to)) && isWordChar(content.charCodeAt(content.length - 1))) content += ' ';
    content += breaks;
    if (!this.firsts.has(from)) this.firsts.set(from, content);
    if (content === '') this.out.remove(from, to);
    else this.out.update(from, to, content);
  }

  /** The index of the next character at or after `from` that is not whitespace or inside a comment. */
  skip(from: number): number {
    const s = this.source;
    let i = from;
    for (;;) {
      const ch = s.charCodeAt(i);
      if (ch === 0x2f && s.charCodeAt(i + 1) === 0x2f) {
        const eol = s.indexOf('\n', i);
        i = eol < 0 ? s.length : eol + 1;
      } else if (ch === 0x2f && s.charCodeAt(i + 1) === 0x2a) {
        const close = s.indexOf('*/', i + 2);
        i = close < 0 ? s.length : close + 2;
      } else if (ch === 0x20 || (ch >= 0x09 && ch <= 0x0d) || ch === 0xa0 || ch === 0xfeff || ch === 0x2028 || ch === 0x2029) {
        i++;
      } else {
        return i;
      }
    }
  }

  /** Where `token` next starts at or after `from`, skipping whitespace, comments and any other punctuation listed in `over`. */
  find(from: number, token: string, over = ''): number {
    for (let i = this.skip(from); i < this.source.length; i = this.skip(i + 1)) {
      if (this.source.startsWith(token, i)) return i;
      if (!over.includes(this.source[i]!)) break;
    }
    throw new Error(`[internal bug] no '${token}' after offset ${from} in '${this.source.slice(from, from + 40)}'`);
  }

  /** What the output has first at `offset`, when an edit put something there. */
  firstAt(offset: number): string | undefined {
    return this.firsts.get(offset);
  }

  /** The source text of a node. */
  text(node: Span): string {
    return this.source.slice(node.start, node.end);
  }

  private before(from: number, to: number, glue: string): void {
    if (from < to) this.replace(from, to, glue);
    else this.open(from, glue);
  }

  private between(from: number, to: number, glue: string): void {
    if (from < to) this.replace(from, to, glue);
    else if (glue !== '') this.out.appendLeft(from, glue);
  }
}

/** A character that can end an identifier or keyword: [A-Za-z0-9_$] or any non-ASCII letter. */
export function isWordChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x24 || code > 0x7f;
}

/** The line breaks in `[from, to)` of `text`, as text (`\r\n` kept whole). */
function lineBreaks(text: string, from: number, to: number): string {
  let breaks = '';
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) breaks += text.charCodeAt(i - 1) === 0x0d && i - 1 >= from ? '\r\n' : '\n';
  // A lone \r, \u2028 or \u2029 also ends a line for the tokenizer but not for source maps; rare enough in expressions to leave.
  return breaks;
}
