import type { AnyNode, BlockStatement, Class, Expression, Function as FunctionNode, Node, Pattern, Program, Statement, StaticBlock } from 'acorn';
import { base, recursive, type RecursiveVisitors } from 'acorn-walk';
import type { MagicString } from 'magic-string';
import type { Site } from './api.ts';
import { AsyncRewrite, bodyStart, keyName, TOP_LEVEL, type FunctionContext, type Names } from './async.ts';
import { chain } from './chain.ts';
import { Editor } from './edit.ts';
import { delegate, followsDelegates, forStatement, forInOf } from './loops.ts';
import { declarator, pattern, Views } from './patterns.ts';
import { LiveBindings } from './live.ts';
import { analyzeScopes, unparenthesized, type ScopeFacts, type Slot } from './scope.ts';
import type { Positions } from './source-map.ts';
import { containsOwn, needsTemps } from './temps.ts';
import { assignment, binary, call, identifier, member, newExpression, tagged, templateLiteral, unary, update } from './track.ts';

// The rewrite: one pre-order walk over the module's syntax tree that edits the text in place
// (edit.ts says how edits nest) and lists the sites. Two halves, both shaped by api.ts: the
// await instrumentation (async.ts) and the tracking of memory effects (track.ts for members,
// calls and assignments, chain.ts for optional chains, patterns.ts for destructuring, loops.ts
// for loop heads; scope.ts finds the captured, reassigned variables beforehand). This file
// walks, marks the functions, classes and objects instrumented code creates (f, fs, cls, obj),
// and places scope tokens and temporaries.

export type { Names };

/**
 * Where temporaries are declared: a function body, static block, the module, or an expression
 * arrow turned into a block. Parameters and class fields use the enclosing one's. A closed
 * owner (an arrow the prescan found needs none) passes requests to its parent.
 */
export interface Owner {
  readonly temps: string[];
  readonly parent: Owner | null;
  readonly closed: boolean;
}

export interface State {
  readonly fn: FunctionContext;
  /** The class whose body is being walked, for method names. */
  readonly className: string;
  readonly owner: Owner;
  /** Inside a `with` body: a called name may be a property of its object, called with it as `this`. */
  readonly inWith: boolean;
}

/** acorn-walk's callback, with the node-type override its type declaration leaves out. */
export type Callback = (node: AnyNode | Node, st: State, override?: string) => void;
type Visit = (node: AnyNode, st: State, c: Callback) => void;

/** acorn-walk's own walker for a node type: walks the children. */
const walk = (type: string): Visit => (base as Record<string, Visit>)[type]!;

export interface Rewritten {
  readonly sites: Site[];
  /** The package names of every `instrument: ['…']` property in the module. */
  readonly instrument: string[];
  /** Statements for the preamble: the module's temporaries, scope token, function marks and view classes. */
  readonly prologue: string;
}

/** Rewrites `program` (parsed from `source`) into `out`; returns the sites, the static `instrument:` scan and the preamble's statements. */
export function rewrite(program: Program, source: string, out: MagicString, names: Names, positions: Positions, script: boolean): Rewritten {
  const facts = analyzeScopes(program, `${names.handle}Scope`);
  const rw = new Rewriter(new Editor(source, out), names, positions, facts, script);
  const owner: Owner = { temps: [], parent: null, closed: false };
  recursive(program as AnyNode, { fn: TOP_LEVEL, className: '', owner, inWith: false } satisfies State, rw.visitors());
  rw.separateStatements();
  const temps = owner.temps.length > 0 ? `var ${owner.temps.join(', ')}; ` : '';
  const prologue = temps + rw.scopeStart(program, program.body, true) + rw.views.definitions() + (script ? '' : rw.live.prologue(program, rw.facts));
  return { sites: rw.async.sites, instrument: rw.async.instrument, prologue };
}

export class Rewriter {
  readonly async: AsyncRewrite;
  readonly views: Views;
  /** The handle, as the rewritten code names it. */
  readonly H: string;
  /** Function nodes that are methods, getters or setters (marked by their class or object, not by f). */
  readonly methods = new Set<Node>();
  /** Anonymous functions and classes the language names by where they stand → that name, as an expression. */
  readonly namedBy = new Map<Node, string>();
  /** Assignments whose value is not used (statements, for-loop init and update). */
  readonly unused = new Set<Node>();
  /** Anonymous functions and classes left unmarked, to keep the name a computed class field gives them. */
  readonly unmarked = new Set<Node>();
  /** Reads of captured variables left as plain names (where a module lexer reads them). */
  readonly unreported = new Set<Node>();
  /** Object literals left as they are written (where a module lexer reads their names). */
  readonly asWritten = new Set<Node>();
  /** Live bindings: what this module imports and exports (live.ts). */
  readonly live: LiveBindings;
  private temps = 0;
  /** Expression statements after a statement that ends without `;` (ended by a line break). */
  private readonly afterNoSemicolon: Node[] = [];

  constructor(
    readonly edit: Editor,
    readonly names: Names,
    positions: Positions,
    readonly facts: ScopeFacts,
    /** Parsed as a script (CommonJS): its export assignments stay as cjs-module-lexer reads them. */
    readonly script: boolean,
  ) {
    this.async = new AsyncRewrite(edit, names, positions, facts);
    this.views = new Views(names.handle);
    this.H = names.handle;
    this.live = new LiveBindings(names.handle);
  }

  /** A fresh temporary, declared by the nearest open owner. */
  temp(st: State): string {
    let owner = st.owner;
    while (owner.closed && owner.parent) owner = owner.parent;
    const name = `${this.H}T${this.temps++}`;
    owner.temps.push(name);
    return name;
  }

  vr(slot: Slot): string {
    return `${this.H}.vr(${this.facts.tokens.get(slot.scope)}, ${slot.index})`;
  }

  vw(slots: readonly Slot[]): string {
    return slots.map((s) => `${this.H}.vw(${this.facts.tokens.get(s.scope)}, ${s.index})`).join(', ');
  }

  /** `H.f(fn)` or `H.cls(class …)`; `H.f({ "name": fn }["name"])` where the language names it by its place. */
  mark(node: Node, method: 'f' | 'cls'): void {
    const name = this.namedBy.get(node);
    if (name === undefined) this.edit.wrap(node, `${this.H}.${method}(`, ')');
    else this.edit.wrap(node, `${this.H}.${method}({ [${name}]: `, ` }[${name}])`);
  }

  /**
   * `H.o(e)`: `e` makes a new object (MemoryLog.made). Not in a module's top level, which runs
   * as the module loads, outside any execution (there the object gets a name at its first use).
   */
  made(node: Node, st: State): void {
    if (st.fn !== TOP_LEVEL) this.edit.wrap(node, `${this.H}.o(`, ')');
  }

  /** Records the name an anonymous function or class gets from where it stands. */
  nameBy(value: Node | null | undefined, name: string): void {
    if (!value) return;
    const v = unparenthesized(value as Expression);
    const anonymous = (v.type === 'FunctionExpression' || v.type === 'ClassExpression') ? v.id === null : v.type === 'ArrowFunctionExpression';
    if (anonymous) this.namedBy.set(v, name);
  }

  /** The statements a scope starts with: its token, then the marks of its function declarations. */
  scopeStart(scope: Node, statements: readonly (Statement | { type: string })[], module = false): string {
    const token = this.facts.tokens.get(scope);
    const fns = statements.flatMap((s) => {
      const d = s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration' ? (s as { declaration?: Node | null }).declaration : s;
      return d?.type === 'FunctionDeclaration' && (d as FunctionNode).id ? [(d as FunctionNode).id!.name] : [];
    });
    return (token ? `const ${token} = ${this.H}.scope(${module ? '1' : ''}); ` : '') + (fns.length > 0 ? `${this.H}.fs(${fns.join(', ')}); ` : '');
  }

  /** Walks a statement list. */
  statements(list: readonly Node[], st: State, c: Callback): void {
    list.forEach((s, i) => {
      if (i > 0 && s.type === 'ExpressionStatement' && this.edit.source.charCodeAt(list[i - 1]!.end - 1) !== 0x3b) this.afterNoSemicolon.push(s);
      c(s, st, 'Statement');
    });
  }

  /**
   * `a()` then, on the next line, `x = 1` with x captured: rewritten `(x = 1, H.vw(…), x)` would
   * continue the line before as a call. A statement the rewrite makes start with `(`, `[` or a
   * template there gets the `;` the line break stood for.
   */
  separateStatements(): void {
    for (const s of this.afterNoSemicolon) {
      const first = this.edit.firstAt(s.start);
      if (first !== undefined && /^[([`+\-/]/.test(first)) this.edit.out.prependLeft(s.start, ';');
    }
  }

  visitors(): RecursiveVisitors<State> {
    const v = (f: Visit) => f as never;
    return {
      Function: v((node, st, c) => this.function(node as FunctionNode, st, c)),
      FunctionDeclaration: v((node, st, c) => c(node, st, 'Function')),
      Class: v((node, st, c) => this.klass(node as Class, st, c)),
      StaticBlock: v((node, st, c) => this.staticBlock(node as StaticBlock, st, c)),
      MethodDefinition: v((node, st, c) => {
        if (node.type !== 'MethodDefinition') return;
        this.methods.add(node.value);
        this.async.nameMember(node.value, node.key, node.computed, st.className, node.start, true);
        walk('MethodDefinition')(node, st, c);
      }),
      PropertyDefinition: v((node, st, c) => {
        if (node.type !== 'PropertyDefinition') return;
        if (node.value) this.async.nameMember(node.value, node.key, node.computed, st.className, node.start, false);
        const name = node.computed ? undefined : keyName(node.key);
        if (name !== undefined) this.nameBy(node.value, JSON.stringify(name));
        // `[k] = () => {}` is named by a key computed once, when the class is defined: nowhere to
        // keep it for the initializer, so that function stays unmarked (its calls are unknown code).
        else if (node.value && isAnonymousFunction(node.value)) this.unmarked.add(unparenthesized(node.value as Expression));
        if (node.static) return walk('PropertyDefinition')(node, st, c);
        // An instance field's value is computed as each instance is made: like a constructor's body, not the class's place.
        if (node.computed) c(node.key, st, 'Expression');
        if (node.value) c(node.value, { ...st, fn: { frame: 'null', async: false, name: st.className } }, 'Expression');
      }),
      ObjectExpression: v((node, st, c) => {
        if (node.type !== 'ObjectExpression') return;
        // Made here, by the running step (MemoryLog.made); one with methods also marks them.
        if (node.properties.some((p) => p.type === 'Property' && (p.method || p.kind !== 'init'))) this.edit.wrap(node, `${this.H}.obj(`, ')');
        else if (!this.asWritten.has(node)) this.made(node, st);
        walk('ObjectExpression')(node, st, c);
      }),
      ArrayExpression: v((node, st, c) => {
        this.made(node, st);
        walk('ArrayExpression')(node, st, c);
      }),
      Property: v((node, st, c) => this.property(node, st, c)),
      Program: v((node, st, c) => this.statements((node as Program).body, st, c)),
      BlockStatement: v((node, st, c) => {
        const block = node as BlockStatement;
        this.edit.open(block.start + 1, this.scopeStart(block, block.body));
        this.statements(block.body, st, c);
      }),
      SwitchCase: v((node, st, c) => {
        if (node.type !== 'SwitchCase') return;
        if (node.test) c(node.test, st, 'Expression');
        this.statements(node.consequent, st, c);
      }),
      SwitchStatement: v((node, st, c) => {
        const token = this.facts.tokens.get(node);
        // No statement can precede the first case: the token goes in a block around the switch.
        if (token) this.edit.wrap(node, `{ const ${token} = ${this.H}.scope(); `, ' }');
        walk('SwitchStatement')(node, st, c);
      }),
      CatchClause: v((node, st, c) => {
        if (node.type !== 'CatchClause') return;
        this.edit.open(node.body.start + 1, this.scopeStart(node, node.body.body));
        if (node.param) c(node.param, st, 'Pattern');
        this.statements(node.body.body, st, c);
      }),
      ForStatement: v((node, st, c) => forStatement(this, node, st, c)),
      ForInStatement: v((node, st, c) => forInOf(this, node, st, c)),
      ForOfStatement: v((node, st, c) => forInOf(this, node, st, c)),
      WithStatement: v((node, st, c) => {
        if (node.type !== 'WithStatement') return;
        c(node.object, st, 'Expression');
        c(node.body, { ...st, inWith: true }, 'Statement');
      }),
      ExpressionStatement: v((node, st, c) => {
        if (node.type === 'ExpressionStatement') this.unused.add(unparenthesized(node.expression));
        walk('ExpressionStatement')(node, st, c);
      }),
      ExportDefaultDeclaration: v((node, st, c) => {
        if (node.type === 'ExportDefaultDeclaration') this.nameBy(node.declaration, '"default"');
        walk('ExportDefaultDeclaration')(node, st, c);
      }),
      VariableDeclarator: v((node, st, c) => declarator(this, node, st, c)),
      Pattern: v((node, st, c) => pattern(this, node as Pattern, st, c)),
      AssignmentExpression: v((node, st, c) => assignment(this, node, st, c)),
      UpdateExpression: v((node, st, c) => update(this, node, st, c)),
      UnaryExpression: v((node, st, c) => unary(this, node, st, c)),
      BinaryExpression: v((node, st, c) => binary(this, node, st, c)),
      MemberExpression: v((node, st, c) => member(this, node, st, c)),
      ChainExpression: v((node, st, c) => chain(this, node, st, c)),
      CallExpression: v((node, st, c) => call(this, node, st, c)),
      NewExpression: v((node, st, c) => newExpression(this, node, st, c)),
      TaggedTemplateExpression: v((node, st, c) => tagged(this, node, st, c)),
      SpreadElement: v((node, st, c) => {
        if (node.type !== 'SpreadElement') return;
        this.edit.wrap(node.argument, `${this.H}.rall(`, ')');
        c(node.argument, st, 'Expression');
      }),
      Identifier: v((node, st) => identifier(this, node, st)),
      TemplateLiteral: v((node, st, c) => templateLiteral(this, node, st, c)),
      ForInit: v((node, st, c) => {
        if (node.type === 'VariableDeclaration') c(node, st);
        else c(node, st, 'Expression');
      }),
      AwaitExpression: v((node, st, c) => {
        if (node.type !== 'AwaitExpression') return;
        const site = this.async.site('await', st.fn.name, node.start, node.start, node.end);
        this.edit.wrap(node.argument, `${this.H}.aw(${st.fn.frame}, `, `, ${site})`);
        c(node.argument, st, 'Expression');
      }),
      ReturnStatement: v((node, st, c) => {
        if (node.type !== 'ReturnStatement' || !node.argument) return;
        if (st.fn.async) this.edit.wrap(node.argument, `${this.H}.ret(${this.names.frame}, `, ')');
        // An async generator's return awaits its value.
        if (st.fn.gen !== undefined) this.edit.wrap(node.argument, `${this.H}.gv(${st.fn.gen}, await ${this.H}.aw(${st.fn.frame}, `, `, ${this.async.site('await', st.fn.name, node.start, node.start, node.end)}))`);
        c(node.argument, st, 'Expression');
      }),
      // In an async generator whose resumptions are frames: a yield awaits its value, ends the
      // resumption, and the body goes on in a new one.
      YieldExpression: v((node, st, c) => {
        if (node.type !== 'YieldExpression') return;
        const g = st.fn.gen;
        if (g !== undefined && node.delegate) return delegate(this, node, st, c);
        if (g !== undefined) {
          const H = this.H;
          const site = this.async.site('await', st.fn.name, node.start, node.start, node.end);
          this.edit.wrap(node, `${H}.gr(${g}, `, ')');
          const [open, close] = [`${H}.gy(${g}, await ${H}.aw(${st.fn.frame}, `, `, ${site}))`];
          if (node.argument) this.edit.wrap(node.argument, open, close);
          else this.edit.close(node.start + 'yield'.length, ` ${open}undefined${close}`);
        }
        if (node.argument) c(node.argument, st, 'Expression');
      }),
    };
  }

  private function(node: FunctionNode, st: State, c: Callback): void {
    const name = this.async.nameOf(node);
    if (!this.methods.has(node) && !this.unmarked.has(node) && node.type !== 'FunctionDeclaration') this.mark(node, 'f');
    const body = node.body;
    const block = body.type === 'BlockStatement';
    let prologue = this.scopeStart(node, block ? body.body : []) + this.parameterReads(node);
    let fn: FunctionContext = { frame: 'null', async: false, name };
    let late: ((more: string) => void) | undefined;
    let closed = false;
    if (node.async && !node.generator) {
      late = this.async.wrapFunction(node, name, block ? prologue : '');
      if (!block) {
        const head = late!;
        const statements = prologue;
        late = (temps) => head(temps + statements);
      }
      prologue = '';
      fn = { frame: this.names.frame, async: true, name };
    } else if (node.async && node.generator && block && followsDelegates(body)) {
      const generation = `${this.H}Gen`;
      this.async.wrapGenerator(node, name, generation, prologue);
      prologue = '';
      fn = { frame: `${this.H}.gf(${generation})`, async: false, name, gen: generation };
    } else if (block) {
      const { at, separator } = bodyStart(body, this.edit.source);
      if (prologue !== '') this.edit.out.appendLeft(at, `${separator} ${prologue}`);
    } else if (prologue !== '' || needsTemps(body as Expression)) {
      // An expression body that needs statements (a token, temporaries) becomes a block.
      this.edit.close(body.end, ' }');
      const statements = prologue;
      late = (temps) => this.async.arrowHead(node, '{', ` ${temps}${statements}return `);
    } else {
      closed = true;
    }
    const params = { ...st, fn };
    for (const p of node.params) c(p, params, 'Pattern');
    const owner: Owner = { temps: [], parent: st.owner, closed };
    const inner: State = { ...st, fn, owner };
    if (block) this.statements(body.body, inner, c);
    else c(body, inner, 'Expression');
    const temps = owner.temps.length > 0 ? `var ${owner.temps.join(', ')}; ` : '';
    if (late) late(temps);
    // A var is hoisted: declared last, it is in scope everywhere in the body (for an async
    // function, in the outer plain function, one per call).
    else if (temps !== '') this.edit.out.appendLeft(body.end - 1, `;${temps}`);
  }

  /**
   * A destructured parameter reads its argument's properties before the body runs: reported as a
   * whole read of `arguments[i]` at the start of the body (same step). Arrows have no `arguments`
   * and a generator's body starts later: their destructured parameters are not reported.
   */
  private parameterReads(node: FunctionNode): string {
    if (node.type === 'ArrowFunctionExpression' || node.generator) return '';
    return node.params.flatMap((p, i) => {
      const target = p.type === 'AssignmentPattern' ? p.left : p;
      return target.type === 'ObjectPattern' || target.type === 'ArrayPattern' ? [`${this.H}.rall(arguments[${i}]); `] : [];
    }).join('');
  }

  private klass(node: Class, st: State, c: Callback): void {
    // An instance of a base class is a new object, made by the step that runs `new`: it gets a
    // birth before any field or constructor touches it (a private field initialised first, so
    // invisible to the code). A derived class's `this` is whatever its base returned: named by an
    // instrumented base, else at its first use.
    if (node.superClass === null || node.superClass === undefined) this.edit.open(node.body.start + 1, ` #heddleBirth = void ${this.H}.o(this);`);
    if (node.type === 'ClassDeclaration') {
      if (node.id) this.edit.close(node.end, ` ${this.H}.cls(${node.id.name});`);
    } else if (!this.unmarked.has(node)) {
      this.mark(node, 'cls');
    }
    walk('Class')(node as AnyNode, { ...st, className: this.async.nameOf(node) }, c);
  }

  private staticBlock(node: StaticBlock, st: State, c: Callback): void {
    const open = this.edit.find(node.start + 'static'.length, '{');
    this.edit.open(open + 1, ` ${this.scopeStart(node, node.body)}`);
    const owner: Owner = { temps: [], parent: st.owner, closed: false };
    this.statements(node.body, { ...st, fn: { frame: 'null', async: false, name: st.className }, owner }, c);
    if (owner.temps.length > 0) this.edit.out.appendLeft(node.end - 1, `;var ${owner.temps.join(', ')};`);
  }

  private property(node: AnyNode, st: State, c: Callback): void {
    if (node.type !== 'Property') return;
    const method = node.method || node.kind !== 'init';
    this.async.nameMember(node.value, node.key, node.computed, '', node.start, method);
    this.async.scanInstrument(node.key, node.computed, node.value);
    if (method) {
      this.methods.add(node.value);
    } else if (!node.computed) {
      const name = keyName(node.key);
      // `__proto__: value` sets the prototype: it names nothing.
      if (name !== undefined && name !== '__proto__') this.nameBy(node.value, JSON.stringify(name));
    } else if (isAnonymousFunction(node.value)) {
      // `{ [k]: () => {} }` is named by the key's value: computed once, into a temporary.
      const key = this.temp(st);
      this.edit.wrap(node.key, `${key} = (`, ')');
      this.nameBy(node.value, key);
    }
    const value = unparenthesized(node.value as Expression);
    if (node.shorthand && value.type === 'Identifier' && this.facts.reads.has(value) && !this.unreported.has(value)) this.edit.open(node.start, `${value.name}: `);
    if (node.computed) c(node.key, st, 'Expression');
    c(node.value, st, 'Expression');
  }
}

function isAnonymousFunction(node: Node): boolean {
  const v = unparenthesized(node as Expression);
  return v.type === 'ArrowFunctionExpression' || ((v.type === 'FunctionExpression' || v.type === 'ClassExpression') && v.id === null);
}
