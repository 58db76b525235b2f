import { tokenizer, type AnyNode, type CallExpression, type Class, type Expression, type Function as FunctionNode, type NewExpression, type Node, type Pattern, type PrivateIdentifier, type Program, type SpreadElement, type Super } from 'acorn';
import { base, recursive, type RecursiveVisitors } from 'acorn-walk';
import type { MagicString } from 'magic-string';
import type { Site, SiteKind } from './api.ts';
import type { Positions } from './source-map.ts';

// The rewrite itself: one walk over the module's syntax tree that edits the text in place
// (magic-string) and lists the sites. The shapes are the ones in api.ts.
//
// How edits at one offset stay nested: the walk is pre-order (a node is edited before its
// children), openers go in with appendLeft (later = inner = further right) and closers with
// prependLeft (later = inner = further left). Replacements keep what was inserted at their ends
// (update, not overwrite). No edit inserts a line break, so every line keeps its number.

/** Identifiers the rewritten code introduces, chosen so that none is used by the module. */
export interface Names {
  readonly handle: string;
  readonly frame: string;
  readonly args: string;
}

/** The nearest enclosing function, as the code inside it sees it. */
interface FunctionContext {
  /** What awaits here pass as their frame: the frame variable inside an async function, `null` elsewhere. */
  readonly frame: string;
  /** Returns here are rewritten: an async (non-generator) function. */
  readonly async: boolean;
  /** The name sites inside it report. */
  readonly name: string;
}

/** A scope, only as far as it matters here: whether it binds `Promise` (then `Promise.all` is not the global's). */
interface Scope {
  readonly parent: Scope | null;
  /** Function scopes take `var` declarations; block scopes `let`, `const` and `class`. */
  readonly function: boolean;
  bindsPromise: boolean;
}

interface State {
  readonly fn: FunctionContext;
  readonly scope: Scope;
  /** The class whose body is being walked, for method names. */
  readonly className: string;
}

/** acorn-walk's callback, with the node-type override its type declaration leaves out. */
type Callback = (node: AnyNode, st: State, override?: string) => void;
type Visit = (node: AnyNode, st: State, c: Callback) => void;

/** acorn-walk's own walker for a node type: walks the children. */
const walk = (type: string): Visit => (base as Record<string, Visit>)[type]!;

const TOP_LEVEL: FunctionContext = { frame: 'null', async: false, name: '(top level)' };
const CALLBACK_METHODS = new Set(['then', 'catch', 'finally']);
const PROMISE_STATICS = new Set(['all', 'allSettled', 'race', 'any', 'resolve', 'reject']);
const EXCERPT = 40;

export interface Rewritten {
  readonly sites: Site[];
  /** The package names of every `instrument: ['…']` property in the module. */
  readonly instrument: string[];
}

/** Rewrites `program` (parsed from `source`) into `out`; returns the sites and the static `instrument:` scan. */
export function rewrite(program: Program, source: string, out: MagicString, names: Names, positions: Positions): Rewritten {
  const rewriter = new Rewriter(source, out, names, positions);
  const root: Scope = { parent: null, function: true, bindsPromise: false };
  recursive(program, { fn: TOP_LEVEL, scope: root, className: '' } satisfies State, rewriter.visitors());
  rewriter.rewritePromiseCalls();
  return { sites: rewriter.sites, instrument: rewriter.instrument };
}

class Rewriter {
  readonly sites: Site[] = [];
  readonly instrument: string[] = [];
  /** Names given to functions and classes by where they stand (`const f = async () => …`, `key: async () => …`). */
  private readonly given = new Map<Node, string>();
  /** Where a method's head starts (before `static`, `async`), by its function node. */
  private readonly methodStart = new Map<Node, number>();
  /** `Promise.x(…)` and `new Promise(…)`, decided once every binding of `Promise` is known. */
  private readonly promiseCalls: { node: CallExpression | NewExpression; kind: SiteKind; state: State }[] = [];

  constructor(
    private readonly source: string,
    private readonly out: MagicString,
    private readonly names: Names,
    private readonly positions: Positions,
  ) {}

  visitors(): RecursiveVisitors<State> {
    // Each visitor edits its node, then walks the children with acorn-walk's base walker.
    return {
      Function: (node, st, c) => this.function(node, st, c as Callback),
      FunctionDeclaration: (node, st, c) => {
        if (node.id) this.declare(st.scope, node.id.name);
        (c as Callback)(node, st, 'Function');
      },
      Class: (node, st, c) => {
        if (node.type === 'ClassDeclaration' && node.id) this.declare(st.scope, node.id.name);
        walk('Class')(node as AnyNode, { ...st, className: this.nameOf(node) }, c);
      },
      MethodDefinition: (node, st, c) => {
        this.nameMember(node.value, node.key, node.computed, st.className, node.start, true);
        walk('MethodDefinition')(node, st, c);
      },
      PropertyDefinition: (node, st, c) => {
        if (node.value) this.nameMember(node.value, node.key, node.computed, st.className, node.start, false);
        walk('PropertyDefinition')(node, st, c);
      },
      Property: (node, st, c) => {
        this.nameMember(node.value, node.key, node.computed, '', node.start, node.method || node.kind !== 'init');
        this.scanInstrument(node.key, node.computed, node.value);
        walk('Property')(node, st, c);
      },
      VariableDeclarator: (node, st, c) => {
        if (node.id.type === 'Identifier' && node.init) this.given.set(node.init, node.id.name);
        walk('VariableDeclarator')(node, st, c);
      },
      AssignmentExpression: (node, st, c) => {
        const left = node.left;
        if (left.type === 'Identifier') this.given.set(node.right, left.name);
        else if (left.type === 'MemberExpression' && !left.computed) this.given.set(node.right, keyName(left.property) ?? 'anonymous');
        walk('AssignmentExpression')(node, st, c);
      },
      VariableDeclaration: (node, st, c) => {
        let scope = st.scope;
        if (node.kind === 'var') while (!scope.function && scope.parent) scope = scope.parent;
        for (const d of node.declarations) for (const name of bindingNames(d.id)) this.declare(scope, name);
        walk('VariableDeclaration')(node, st, c);
      },
      ImportDeclaration: (node, st, c) => {
        let scope = st.scope;
        while (scope.parent) scope = scope.parent;
        for (const spec of node.specifiers) this.declare(scope, spec.local.name);
        walk('ImportDeclaration')(node, st, c);
      },
      BlockStatement: (node, st, c) => walk('BlockStatement')(node, this.block(st), c),
      StaticBlock: (node, st, c) => walk('StaticBlock')(node, { ...st, scope: { parent: st.scope, function: true, bindsPromise: false } }, c),
      SwitchStatement: (node, st, c) => walk('SwitchStatement')(node, this.block(st), c),
      ForStatement: (node, st, c) => walk('ForStatement')(node, this.block(st), c),
      ForInStatement: (node, st, c) => walk('ForInStatement')(node, this.block(st), c),
      CatchClause: (node, st, c) => {
        const inner = this.block(st);
        if (node.param) for (const name of bindingNames(node.param)) this.declare(inner.scope, name);
        walk('CatchClause')(node, inner, c);
      },
      ForOfStatement: (node, st, c) => {
        if (node.await) {
          const site = this.site('for-await', st.fn.name, node.start, node.start, node.right.end);
          this.wrap(node.right, `${this.names.handle}.iter(${st.fn.frame}, `, `, ${site})`);
        }
        walk('ForOfStatement')(node, this.block(st), c);
      },
      AwaitExpression: (node, st, c) => {
        const site = this.site('await', st.fn.name, node.start, node.start, node.end);
        this.wrap(node.argument, `${this.names.handle}.aw(${st.fn.frame}, `, `, ${site})`);
        (c as Callback)(node.argument, st, 'Expression');
      },
      ReturnStatement: (node, st, c) => {
        if (node.argument && st.fn.async) this.wrap(node.argument, `${this.names.handle}.ret(${this.names.frame}, `, ')');
        if (node.argument) (c as Callback)(node.argument, st, 'Expression');
      },
      CallExpression: (node, st, c) => {
        this.callbackCall(node, st);
        const callee = node.callee;
        if (callee.type === 'MemberExpression' && !callee.computed && !callee.optional && !node.optional
          && callee.object.type === 'Identifier' && callee.object.name === 'Promise'
          && callee.property.type === 'Identifier' && PROMISE_STATICS.has(callee.property.name) && !hasSpread(node.arguments)) {
          this.promiseCalls.push({ node, kind: callee.property.name as SiteKind, state: st });
        }
        walk('CallExpression')(node, st, c);
      },
      NewExpression: (node, st, c) => {
        // `new Promise` without an argument list is left alone: nothing to rewrite the `(` into.
        if (node.callee.type === 'Identifier' && node.callee.name === 'Promise' && !hasSpread(node.arguments)
          && this.source.charCodeAt(node.end - 1) === 0x29) {
          this.promiseCalls.push({ node, kind: 'promise', state: st });
        }
        walk('NewExpression')(node, st, c);
      },
    };
  }

  /** An async function becomes a plain one returning `H.fn(S, async (F) => { try { … } … })`. */
  private function(node: FunctionNode, st: State, c: Callback): void {
    const name = this.nameOf(node);
    const scope: Scope = { parent: st.scope, function: true, bindsPromise: false };
    if (node.type === 'FunctionExpression' && node.id) this.declare(scope, node.id.name);
    for (const p of node.params) for (const n of bindingNames(p)) this.declare(scope, n);
    let fn: FunctionContext = { frame: 'null', async: false, name };
    if (node.async && !node.generator) {
      this.wrapFunction(node, name);
      fn = { frame: this.names.frame, async: true, name };
    }
    // Async generators stay as they are (their awaits pass a null frame): there is no one promise to hand the runtime.
    walk('Function')(node as AnyNode, { ...st, fn, scope }, c);
  }

  private wrapFunction(node: FunctionNode, name: string): void {
    const { handle: H, frame: F, args: A } = this.names;
    const head = this.methodStart.get(node) ?? node.start;
    const site = this.site('fn', name, head, head, node.body.type === 'BlockStatement' ? node.body.start + 1 : node.body.end);
    const keyword = this.asyncKeyword(head, node.params[0]?.start ?? node.body.start);
    this.out.remove(keyword, keyword + 'async'.length);
    const body = node.body;
    const expression = body.type !== 'BlockStatement';
    const tail = `} catch (e) { ${H}.threw(${F}, e); throw e; } finally { ${H}.leave(${F}); }`;
    const simple = node.params.every((p) => p.type === 'Identifier' || (p.type === 'RestElement' && p.argument.type === 'Identifier'));
    if (simple) {
      if (expression) {
        this.wrap(body, `{ return ${H}.fn(${site}, async (${F}) => { try { return ${H}.ret(${F}, `, `); ${tail} }); }`);
        return;
      }
      // A directive prologue ('use strict') stays where it means something: first in the outer function.
      let open = body.start + 1;
      for (const statement of body.body) {
        if (!('directive' in statement) || typeof statement.directive !== 'string') break;
        open = statement.end;
      }
      const separator = open > body.start + 1 && this.source[open - 1] !== ';' ? ';' : '';
      this.out.appendLeft(open, `${separator} return ${H}.fn(${site}, async (${F}) => { try {`);
      // An empty body has nothing between the two: the closer must then follow the opener.
      if (open === body.end - 1) this.out.appendLeft(open, ` ${tail} });`);
      else this.out.prependLeft(body.end - 1, ` ${tail} });`);
      return;
    }
    // Defaults and destructuring can throw; an async function turns that into a rejection. So the
    // parameters move into the inner async arrow, left where they are in the text:
    //   function f(...A) { return H.fn(S, (F) => (async (F, PARAMS) => { try { … } … })(F, ...A)); }
    const first = node.params[0]!;
    const last = node.params[node.params.length - 1]!;
    const arrow = node.type === 'ArrowFunctionExpression';
    this.out.appendLeft(first.start, `...${A})${arrow ? ' =>' : ''} { return ${H}.fn(${site}, (${F}) => (async (${F}, `);
    const bodyOpen = expression ? body.start : body.start + 1;
    this.out.update(last.end, bodyOpen, `) => { try { ${expression ? `return ${H}.ret(${F}, ` : ''}`);
    const close = ` ${tail} })(${F}, ...${A})); }`;
    if (expression) this.out.prependLeft(body.end, `);${close}`);
    else this.out.prependLeft(body.end - 1, close.slice(0, -2));
  }

  /** `X.then(a, b)` → `H.then(X, S, a, b)`; `.catch`, `.finally` alike. */
  private callbackCall(node: CallExpression, st: State): void {
    const callee = node.callee;
    if (callee.type !== 'MemberExpression' || callee.computed || callee.optional || node.optional) return;
    if (callee.property.type !== 'Identifier' || !CALLBACK_METHODS.has(callee.property.name)) return;
    const receiver = callee.object;
    // `super.then(…)` has no value to pass; inside `a?.b.then(…)` moving the receiver into an
    // argument would lose the short-circuit; spread arguments would lose their count.
    if (receiver.type === 'Super' || inOptionalChain(receiver) || hasSpread(node.arguments)) return;
    const kind = callee.property.name as SiteKind;
    const site = this.site(kind, st.fn.name, callee.property.start, receiver.end, node.end);
    this.open(receiver.start, `${this.names.handle}.${kind}(`);
    const args = node.arguments;
    this.out.update(receiver.end, args.length > 0 ? args[0]!.start : node.end - 1, args.length > 0 ? `, ${site}, ` : `, ${site}`);
  }

  /** The deferred `Promise.x(…)` / `new Promise(…)` rewrites, for `Promise` not bound by the module. */
  rewritePromiseCalls(): void {
    for (const { node, kind, state } of this.promiseCalls) {
      let scope: Scope | null = state.scope;
      while (scope && !scope.bindsPromise) scope = scope.parent;
      if (scope) continue;
      const site = this.site(kind, state.fn.name, node.start, node.start, node.end);
      const args = node.arguments;
      const text = `${this.names.handle}.${kind}(${site}${args.length > 0 ? ', ' : ''}`;
      this.out.update(node.start, args.length > 0 ? args[0]!.start : node.end - 1, text);
    }
  }

  private wrap(node: Node, open: string, close: string): void {
    this.open(node.start, open);
    this.out.prependLeft(node.end, close);
  }

  /** Inserts an opener; after a word (`return(x)`, `await(x)` in minified code) with a space, or the two would merge. */
  private open(at: number, text: string): void {
    this.out.appendLeft(at, at > 0 && isWordChar(this.source.charCodeAt(at - 1)) ? ` ${text}` : text);
  }

  private site(kind: SiteKind, name: string, at: number, from: number, to: number): number {
    const { line, column } = this.positions.original(at);
    this.sites.push([kind, name, line, column, this.excerpt(from, to)]);
    return this.sites.length - 1;
  }

  /** A short one-line excerpt of the source for traces: whitespace collapsed, cut with `…`. */
  private excerpt(from: number, to: number): string {
    const text = this.source.slice(from, Math.min(to, from + EXCERPT * 4)).split(/\s+/).filter(Boolean).join(' ');
    return text.length <= EXCERPT ? text : `${text.slice(0, EXCERPT - 1)}…`;
  }

  /** Where the `async` keyword of a function head is, between the head's start and its parameters. */
  private asyncKeyword(from: number, to: number): number {
    if (this.source.startsWith('async', from)) return from;
    for (const token of tokenizer(this.source.slice(from, to), { ecmaVersion: 'latest' })) {
      if (token.type.label === 'name' && (token as { value?: unknown }).value === 'async') return from + token.start;
    }
    throw new Error(`[internal bug] no 'async' keyword found in '${this.source.slice(from, to)}'`);
  }

  private nameOf(node: FunctionNode | Class): string {
    return node.id?.name ?? this.given.get(node) ?? 'anonymous';
  }

  /** Names a method or property value (`Class.method`, `key`) and remembers where its head starts. */
  private nameMember(value: Node, key: Expression | PrivateIdentifier, computed: boolean, className: string, start: number, method: boolean): void {
    const name = computed ? undefined : keyName(key);
    if (name !== undefined) this.given.set(value, className ? `${className}.${name}` : name);
    // A method's function node starts at its parameters; its `async` keyword is before the key.
    if (method) this.methodStart.set(value, start);
  }

  /** `instrument: ['pkg', …]`: how a scenario names the packages to instrument before importing them. */
  private scanInstrument(key: Expression | PrivateIdentifier, computed: boolean, value: Node): void {
    if (computed || keyName(key) !== 'instrument' || value.type !== 'ArrayExpression') return;
    const elements = (value as unknown as { elements: (Node | null)[] }).elements;
    const packages: string[] = [];
    for (const e of elements) {
      if (e?.type !== 'Literal' || typeof (e as unknown as { value: unknown }).value !== 'string') return;
      packages.push((e as unknown as { value: string }).value);
    }
    this.instrument.push(...packages);
  }

  private block(st: State): State {
    return { ...st, scope: { parent: st.scope, function: false, bindsPromise: false } };
  }

  private declare(scope: Scope, name: string): void {
    if (name === 'Promise') scope.bindsPromise = true;
  }
}

/** A character that can end an identifier or keyword: [A-Za-z0-9_$] or any non-ASCII letter. */
function isWordChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x24 || code > 0x7f;
}

function keyName(key: Expression | PrivateIdentifier): string | undefined {
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value);
  return undefined;
}

function hasSpread(args: readonly (Expression | SpreadElement)[]): boolean {
  return args.some((a) => a.type === 'SpreadElement');
}

/** Whether an expression is part of an optional chain (`a?.b.c`): some link below it is optional. */
function inOptionalChain(node: Expression | Super): boolean {
  for (let n: Expression | Super = node; ;) {
    if (n.type === 'MemberExpression') {
      if (n.optional) return true;
      n = n.object;
    } else if (n.type === 'CallExpression') {
      if (n.optional) return true;
      n = n.callee;
    } else {
      return false;
    }
  }
}

/** The names a declaration's pattern binds. */
function bindingNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case 'Identifier': return [pattern.name];
    case 'ObjectPattern': return pattern.properties.flatMap((p) => bindingNames(p.type === 'RestElement' ? p.argument : p.value));
    case 'ArrayPattern': return pattern.elements.flatMap((e) => (e ? bindingNames(e) : []));
    case 'RestElement': return bindingNames(pattern.argument);
    case 'AssignmentPattern': return bindingNames(pattern.left);
    default: return [];
  }
}
