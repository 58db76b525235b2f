import { tokenizer, type BlockStatement, type CallExpression, type Class, type Expression, type Function as FunctionNode, type Identifier, type NewExpression, type Node, type PrivateIdentifier, type SpreadElement } from 'acorn';
import type { Site, SiteKind } from './api.ts';
import type { Editor, Part } from './edit.ts';
import type { ScopeFacts } from './scope.ts';
import type { Positions } from './source-map.ts';

// The await half of the rewrite: the site table, async functions, `.then/.catch/.finally` and
// the Promise constructor and statics. The shapes are the ones in api.ts.

/** Identifiers the rewritten code introduces, chosen so that none is used by the module. */
export interface Names {
  readonly handle: string;
  readonly frame: string;
  readonly args: string;
}

/** The nearest enclosing function, as the code inside it sees it. */
export interface FunctionContext {
  /** What awaits here pass as their frame: the frame variable inside an async function, `null` elsewhere. */
  readonly frame: string;
  /** Returns here are rewritten: an async (non-generator) function. */
  readonly async: boolean;
  /** The name sites inside it report. */
  readonly name: string;
  /** In an async generator whose resumptions are frames: the variable holding its Generation. */
  readonly gen?: string;
}

export const TOP_LEVEL: FunctionContext = { frame: 'null', async: false, name: '(top level)' };
const CALLBACK_METHODS = new Set(['then', 'catch', 'finally']);
const PROMISE_STATICS = new Set(['all', 'allSettled', 'race', 'any', 'resolve', 'reject']);
const EXCERPT = 40;

export class AsyncRewrite {
  readonly sites: Site[] = [];
  readonly instrument: string[] = [];
  /** Names given to functions and classes by where they stand (`const f = async () => …`, `key: async () => …`, `__name(…, "f")`). */
  readonly given = new Map<Node, string>();
  /** Where a method's head starts (before `static`, `async`), by its function node. */
  private readonly methodStart = new Map<Node, number>();

  constructor(
    private readonly edit: Editor,
    private readonly names: Names,
    private readonly positions: Positions,
    private readonly facts: ScopeFacts,
  ) {}

  /**
   * An async function becomes a plain one returning `H.fn(S, async (F) => { try { … } … })`;
   * `prologue` (statements) goes first inside the try. For an expression body, the text between
   * `=>` and the body is left to the returned function, called once the body has been walked
   * (with more statements for the arrow's own block).
   */
  wrapFunction(node: FunctionNode, name: string, prologue: string): ((more: string) => void) | undefined {
    const { handle: H, frame: F, args: A } = this.names;
    const head = this.methodStart.get(node) ?? node.start;
    const site = this.functionSite(node, name, head);
    const keyword = this.asyncKeyword(head, node.params[0]?.start ?? node.body.start);
    this.edit.out.remove(keyword, keyword + 'async'.length);
    const body = node.body;
    const tail = `} catch (e) { ${H}.threw(${F}, e); throw e; } finally { ${H}.leave(${F}); }`;
    const simple = node.params.every((p) => p.type === 'Identifier' || (p.type === 'RestElement' && p.argument.type === 'Identifier'));
    if (simple) {
      if (body.type !== 'BlockStatement') {
        this.edit.close(body.end, `); ${tail} }); }`);
        return (more) => this.arrowHead(node, `{`, ` ${more}return ${H}.fn(${site}, async (${F}) => { try { ${prologue}return ${H}.ret(${F}, `);
      }
      this.wrapBody(body, ` return ${H}.fn(${site}, async (${F}) => { try {${prologue === '' ? '' : ` ${prologue}`}`, ` ${tail} });`);
      return undefined;
    }
    // Defaults and destructuring can throw; an async function turns that into a rejection. So the
    // parameters move into the inner async arrow, left where they are in the text:
    //   function f(...A) { return H.fn(S, (F) => (async (F, PARAMS) => { try { … } … })(F, ...A)); }
    const first = node.params[0]!;
    const last = node.params[node.params.length - 1]!;
    const arrow = node.type === 'ArrowFunctionExpression';
    this.edit.out.appendLeft(first.start, `...${A})${arrow ? ' =>' : ''} { return ${H}.fn(${site}, (${F}) => (async (${F}, `);
    const close = ` ${tail} })(${F}, ...${A})); }`;
    if (body.type !== 'BlockStatement') {
      this.edit.close(body.end, `);${close}`);
      return (more) => this.edit.replace(last.end, body.start, `) => { ${more}try { ${prologue}return ${H}.ret(${F}, `);
    }
    this.edit.replace(last.end, body.start + 1, `) => { try {${prologue === '' ? '' : ` ${prologue}`}`);
    this.edit.close(body.end - 1, close.slice(0, -2));
    return undefined;
  }

  /**
   * Turns an arrow's expression body into a block: `=> EXPR` becomes `=> { STATEMENTS return EXPR }`.
   * The caller puts the closing ` }` (or more) at the body's end before the body is walked.
   */
  arrowHead(node: FunctionNode, open: string, statements: string): void {
    const arrow = this.edit.find(node.params.at(-1)?.end ?? node.start, '=>', '()async,');
    // Line breaks between `=>` and the body stay before `return`: after it, they would end the statement.
    const breaks = this.edit.source.slice(arrow + 2, node.body.start).replace(/[^\n]/g, '');
    this.edit.out.update(arrow, node.body.start, `=> ${open}${breaks}${statements}`);
  }

  /**
   * An async generator's body: `const G = H.gs(S); try { BODY } catch (e) { H.gt(G, e); throw e; }
   * finally { H.gl(G); }`, `prologue` first inside the try (see api.ts).
   */
  wrapGenerator(node: FunctionNode, name: string, generation: string, prologue: string): void {
    const H = this.names.handle;
    this.wrapBody(node.body as BlockStatement, ` const ${generation} = ${H}.gs(${this.functionSite(node, name)}); try {${prologue === '' ? '' : ` ${prologue}`}`,
      ` } catch (e) { ${H}.gt(${generation}, e); throw e; } finally { ${H}.gl(${generation}); }`);
  }

  /** The site of a function's head (a method's starts before `static`, `async`). */
  private functionSite(node: FunctionNode, name: string, head = this.methodStart.get(node) ?? node.start): number {
    return this.site('fn', name, head, head, node.body.type === 'BlockStatement' ? node.body.start + 1 : node.body.end);
  }

  /** `open` first in a block body (after its directives), `close` last. */
  private wrapBody(body: BlockStatement, open: string, close: string): void {
    const { at, separator } = bodyStart(body, this.edit.source);
    this.edit.out.appendLeft(at, `${separator}${open}`);
    // An empty body has nothing between the two: the closer must then follow the opener.
    if (at === body.end - 1) this.edit.out.appendLeft(at, close);
    else this.edit.close(body.end - 1, close);
  }

  /** `X.then(a, b)` → `H.then(X, S, a, b)`; `.catch`, `.finally` alike. Returns whether it rewrote. */
  callbackCall(node: CallExpression, fnName: string): boolean {
    const callee = node.callee;
    if (callee.type !== 'MemberExpression' || callee.computed || node.optional) return false;
    if (callee.property.type !== 'Identifier' || !CALLBACK_METHODS.has(callee.property.name)) return false;
    const receiver = callee.object;
    // `super.then(…)` has no value to pass; spread arguments would lose their count.
    if (receiver.type === 'Super' || hasSpread(node.arguments)) return false;
    const kind = callee.property.name as SiteKind;
    const site = this.site(kind, fnName, callee.property.start, receiver.end, node.end);
    this.edit.template(node, [`${this.names.handle}.${kind}(`, receiver, `, ${site}`, ...argumentParts(node.arguments), ')']);
    return true;
  }

  /** `Promise.x(…)` and `new Promise(…)`, for the global `Promise`. Returns whether it rewrote. */
  promiseCall(node: CallExpression | NewExpression, fnName: string): boolean {
    const callee = node.callee;
    let kind: SiteKind;
    if (node.type === 'NewExpression') {
      // `new Promise` without an argument list is left alone: nothing to rewrite the `(` into.
      if (!isGlobal(callee, 'Promise', this.facts) || this.edit.source.charCodeAt(node.end - 1) !== 0x29) return false;
      kind = 'promise';
    } else {
      if (callee.type !== 'MemberExpression' || callee.computed || callee.optional || node.optional) return false;
      if (!isGlobal(callee.object, 'Promise', this.facts) || callee.property.type !== 'Identifier' || !PROMISE_STATICS.has(callee.property.name)) return false;
      kind = callee.property.name as SiteKind;
    }
    if (hasSpread(node.arguments)) return false;
    const site = this.site(kind, fnName, node.start, node.start, node.end);
    this.edit.template(node, [`${this.names.handle}.${kind}(${site}`, ...argumentParts(node.arguments), ')']);
    return true;
  }

  site(kind: SiteKind, name: string, at: number, from: number, to: number): number {
    const { line, column } = this.positions.original(at);
    this.sites.push([kind, name, line, column, this.excerpt(from, to)]);
    return this.sites.length - 1;
  }

  nameOf(node: FunctionNode | Class): string {
    return node.id?.name ?? this.given.get(node) ?? 'anonymous';
  }

  /** Names a method or property value (`Class.method`, `key`) and remembers where its head starts. */
  nameMember(value: Node, key: Expression | PrivateIdentifier, computed: boolean, className: string, start: number, method: boolean): void {
    const name = computed ? undefined : keyName(key);
    if (name !== undefined) this.given.set(value, className ? `${className}.${name}` : name);
    // A method's function node starts at its parameters; its `async` keyword is before the key.
    if (method) this.methodStart.set(value, start);
  }

  /** `instrument: ['pkg', …]`: how a scenario names the packages to instrument before importing them. */
  scanInstrument(key: Expression | PrivateIdentifier, computed: boolean, value: Node): void {
    if (computed || keyName(key) !== 'instrument' || value.type !== 'ArrayExpression') return;
    const elements = (value as unknown as { elements: (Node | null)[] }).elements;
    const packages: string[] = [];
    for (const e of elements) {
      if (e?.type !== 'Literal' || typeof (e as unknown as { value: unknown }).value !== 'string') return;
      packages.push((e as unknown as { value: string }).value);
    }
    this.instrument.push(...packages);
  }

  /** A short one-line excerpt of the source for traces: whitespace collapsed, cut with `…`. */
  private excerpt(from: number, to: number): string {
    const text = this.edit.source.slice(from, Math.min(to, from + EXCERPT * 4)).split(/\s+/).filter(Boolean).join(' ');
    return text.length <= EXCERPT ? text : `${text.slice(0, EXCERPT - 1)}…`;
  }

  /** Where the `async` keyword of a function head is, between the head's start and its parameters. */
  private asyncKeyword(from: number, to: number): number {
    const source = this.edit.source;
    if (source.startsWith('async', from)) return from;
    for (const token of tokenizer(source.slice(from, to), { ecmaVersion: 'latest' })) {
      if (token.type.label === 'name' && (token as { value?: unknown }).value === 'async') return from + token.start;
    }
    throw new Error(`[internal bug] no 'async' keyword found in '${source.slice(from, to)}'`);
  }
}

/** After a block body's directive prologue ('use strict' stays first to mean anything), with the `;` a directive written without one needs. */
export function bodyStart(body: { start: number; end: number; body: readonly Node[] }, source: string): { at: number; separator: string } {
  let at = body.start + 1;
  for (const statement of body.body) {
    if (!('directive' in statement) || typeof statement.directive !== 'string') break;
    at = statement.end;
  }
  return { at, separator: at > body.start + 1 && source[at - 1] !== ';' ? ';' : '' };
}

/** `, a, b` for a call's arguments (spreads included: their own visit reports them). */
export function argumentParts(args: readonly (Expression | SpreadElement)[]): Part[] {
  return args.flatMap((a) => [', ', a]);
}

export function keyName(key: Expression | PrivateIdentifier): string | undefined {
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value);
  return undefined;
}

function hasSpread(args: readonly (Expression | SpreadElement)[]): boolean {
  return args.some((a) => a.type === 'SpreadElement');
}

/** The free (global) name `name`: not bound anywhere in the module. */
function isGlobal(node: Node, name: string, facts: ScopeFacts): boolean {
  return node.type === 'Identifier' && (node as Identifier).name === name && facts.isFree(node as Identifier);
}
