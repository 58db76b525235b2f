import type { AnyNode, AssignmentExpression, Expression, Function as FunctionNode, Identifier, Node, Pattern, Program, VariableDeclarator } from 'acorn';
import { base, recursive, type RecursiveVisitors } from 'acorn-walk';

// Scope analysis over acorn's syntax tree, for the tracking half of the rewrite (api.ts,
// "Tracking"): which variables are captured by a closure and assigned after their declaration
// (those get a scope token and vr/vw reports), which calls have a callee statically known to be
// a function of this module (those are not wrapped), and which names are free (globals such as
// `Promise`, `require`, `eval`, CommonJS's `exports`).
//
// Written here rather than taken from a library: the rewrite needs exactly four facts per
// binding (kind, initializer, writes, whether a closure reads it) over acorn's own nodes, in the
// same pass style as the rewrite; eslint-scope would bring three packages for a model (ESLint's
// scope manager) that is larger than this file and slower to build for every module we load.
//
// Simplifications, all on the conservative side or documented: a function's parameters and its
// body's top-level declarations are one scope (they are in the language only when parameters
// have defaults, and then shadowing across them is rare); a catch clause and its body are one
// scope; function declarations in blocks are block-scoped (strict semantics, also for sloppy
// code); `with` and direct `eval` are not modelled (the rewrite treats calls inside `with` apart).

export type BindingKind = 'var' | 'let' | 'const' | 'param' | 'function' | 'class' | 'import' | 'catch' | 'inner' | 'arguments';

/** A scope's token slot for one tracked variable: which scope node, which index. */
export interface Slot {
  readonly scope: Node;
  readonly index: number;
}

export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  readonly scope: Scope;
  /** The initializer of its declarator (const/let/var declared once with one). */
  init: Expression | null;
  /** The import's specifier, for import bindings. */
  importSource: string | undefined;
  /** Of an import: the name it imports ('default', or '*' for a namespace). */
  importName: string | undefined;
  /** `var` declarators with an initializer that assign it (the first is its declaration). */
  inits: number;
  initInLoop: boolean;
  /** Assignments, updates, destructuring and for-in/of targets. */
  writes: number;
  captured: boolean;
  readonly references: Reference[];
  slot: Slot | undefined;
}

interface Scope {
  readonly node: Node;
  readonly parent: Scope | null;
  /** Takes `var` declarations: a function, the program, a static block. */
  readonly function: boolean;
  /** The function-like whose activation the scope belongs to (function, program, static block, class field). */
  readonly context: Node;
  readonly names: Map<string, Binding>;
}

interface Reference {
  readonly id: Identifier;
  readonly scope: Scope;
  readonly context: Node;
  /** The node that writes it (assignment, update, for-in/of, var declarator), or null for a read. */
  readonly write: Node | null;
  /**
   * The functions (and catch clauses) in whose parameters this reference stands, at any depth:
   * their body's token is not in scope there (nor yet made).
   */
  readonly params: readonly Node[];
}

interface State {
  readonly scope: Scope;
  readonly context: Node;
  /** What an identifier in pattern position is: a declaration of that kind, or an assignment target. */
  readonly declare: BindingKind | null;
  /** The writing node, for assignment targets. */
  readonly write: Node | null;
  /** Inside a loop of the current function (a var initializer there runs more than once). */
  readonly loop: boolean;
  readonly params: readonly Node[];
}

export interface ScopeFacts {
  /** Tracked reads: the identifier's slot. */
  readonly reads: ReadonlyMap<Identifier, Slot>;
  /** Tracked writes: assignment, update, for-in/of statement or var declarator → the slots it writes. */
  readonly writes: ReadonlyMap<Node, readonly Slot[]>;
  /** Scope nodes that declare tracked variables → their token's name and how many. */
  readonly tokens: ReadonlyMap<Node, string>;
  /** What an identifier reference resolves to; undefined for a free name (a global). */
  binding(id: Identifier): Binding | undefined;
  /** Whether a reference is a free name. */
  isFree(id: Identifier): boolean;
  /** The binding a name has at the module's top level. */
  moduleBinding(name: string): Binding | undefined;
}

/** Analyses `program`; tokens are named `${tokenPrefix}0`, `${tokenPrefix}1`, … */
export function analyzeScopes(program: Program, tokenPrefix: string): ScopeFacts {
  const analysis = new Analysis();
  const root: Scope = { node: program, parent: null, function: true, context: program, names: new Map() };
  recursive(program as AnyNode, { scope: root, context: program, declare: null, write: null, loop: false, params: [] } satisfies State, analysis.visitors());
  return analysis.resolve(tokenPrefix, root);
}

const TRACKED_KINDS = new Set<BindingKind>(['var', 'let', 'param', 'function', 'class', 'catch']);

type Callback = (node: AnyNode, st: State, override?: string) => void;
type Visit = (node: AnyNode, st: State, c: Callback) => void;
const walk = (type: string): Visit => (base as Record<string, Visit>)[type]!;

class Analysis {
  private readonly references: Reference[] = [];
  private readonly bindings = new Map<Identifier, Binding>();
  private readonly free = new Set<Identifier>();

  visitors(): RecursiveVisitors<State> {
    const loop = (type: string): Visit => (node, st, c) => walk(type)(node, { ...st, loop: true }, c);
    return {
      Function: (node, st, c) => this.function(node, st, c as Callback),
      FunctionDeclaration: (node, st, c) => {
        if (node.id) this.declare(st.scope, node.id.name, 'function');
        (c as Callback)(node, st, 'Function');
      },
      Class: (node, st, c) => {
        if (node.type === 'ClassDeclaration' && node.id) this.declare(st.scope, node.id.name, 'class');
        const scope = this.scope(node, st, false);
        if (node.id) this.declare(scope, node.id.name, 'inner');
        const inner = { ...st, scope };
        if (node.superClass) (c as Callback)(node.superClass, inner, 'Expression');
        for (const member of node.body.body) {
          if (member.type === 'StaticBlock') {
            const block = { node: member, parent: scope, function: true, context: member, names: new Map() };
            for (const s of member.body) (c as Callback)(s, { ...inner, scope: block, context: member, loop: false }, 'Statement');
            continue;
          }
          if (member.computed) (c as Callback)(member.key, inner, 'Expression');
          if (member.type === 'MethodDefinition') (c as Callback)(member.value, inner, 'Expression');
          else if (member.value) {
            // A field initializer runs in a function of its own (the constructor's), with `this` the instance.
            const field = { node: member, parent: scope, function: true, context: member, names: new Map() };
            (c as Callback)(member.value, { ...inner, scope: field, context: member, loop: false }, 'Expression');
          }
        }
      },
      BlockStatement: (node, st, c) => walk('BlockStatement')(node, { ...st, scope: this.scope(node, st, false) }, c),
      SwitchStatement: (node, st, c) => walk('SwitchStatement')(node, { ...st, scope: this.scope(node, st, false) }, c),
      ForStatement: (node, st, c) => {
        const head = { ...st, scope: this.scope(node, st, false) };
        if (node.init) (c as Callback)(node.init, head, 'ForInit');
        const inLoop = { ...head, loop: true };
        if (node.test) (c as Callback)(node.test, inLoop, 'Expression');
        if (node.update) (c as Callback)(node.update, inLoop, 'Expression');
        (c as Callback)(node.body, inLoop, 'Statement');
      },
      ForInStatement: (node, st, c) => this.forIn(node, st, c as Callback),
      ForOfStatement: (node, st, c) => this.forIn(node, st, c as Callback),
      WhileStatement: loop('WhileStatement'),
      DoWhileStatement: loop('DoWhileStatement'),
      CatchClause: (node, st, c) => {
        const scope = this.scope(node, st, false);
        if (node.param) (c as Callback)(node.param, { ...st, scope, declare: 'catch', params: [...st.params, node] }, 'Pattern');
        for (const s of node.body.body) (c as Callback)(s, { ...st, scope }, 'Statement');
      },
      VariableDeclaration: (node, st, c) => {
        for (const d of node.declarations) this.declarator(d, declarationKind(node.kind), st, c as Callback);
      },
      ImportDeclaration: (node, st) => {
        for (const spec of node.specifiers) {
          const binding = this.declare(st.scope, spec.local.name, 'import');
          binding.importSource = typeof node.source.value === 'string' ? node.source.value : undefined;
          binding.importName = spec.type === 'ImportNamespaceSpecifier' ? '*' : spec.type === 'ImportDefaultSpecifier' ? 'default'
            : spec.imported.type === 'Identifier' ? spec.imported.name : String(spec.imported.value);
        }
      },
      // `export { a as b }` reads nothing at run time: its specifiers are not references.
      ExportNamedDeclaration: (node, st, c) => {
        if (node.declaration) (c as Callback)(node.declaration, st, 'Statement');
      },
      // acorn-walk's name for an identifier in pattern position (its types leave it out).
      ...({
        VariablePattern: (id: Identifier, st: State) => {
          if (st.declare) this.declare(this.declarationScope(st, st.declare), id.name, st.declare);
          else this.reference(id, st, st.write);
        },
      } as unknown as RecursiveVisitors<State>),
      Identifier: (node, st) => this.reference(node, st, null),
      AssignmentExpression: (node, st, c) => this.assignment(node, st, c as Callback),
      UpdateExpression: (node, st, c) => {
        const target = unparenthesized(node.argument);
        if (target.type === 'Identifier') this.reference(target, st, node);
        else (c as Callback)(node.argument, st, 'Expression');
      },
    };
  }

  private function(node: FunctionNode, st: State, c: Callback): void {
    let outer = st.scope;
    if (node.type === 'FunctionExpression' && node.id) {
      outer = this.scope(node.id, st, false);
      this.declare(outer, node.id.name, 'inner');
    }
    const scope: Scope = { node, parent: outer, function: true, context: node, names: new Map() };
    if (node.type !== 'ArrowFunctionExpression') this.declare(scope, 'arguments', 'arguments');
    const inner: State = { scope, context: node, declare: null, write: null, loop: false, params: st.params };
    for (const p of node.params) c(p, { ...inner, declare: 'param', params: [...st.params, node] }, 'Pattern');
    if (node.body.type === 'BlockStatement') for (const s of node.body.body) c(s, inner, 'Statement');
    else c(node.body, inner, 'Expression');
  }

  private forIn(node: Extract<AnyNode, { type: 'ForInStatement' | 'ForOfStatement' }>, st: State, c: Callback): void {
    const head = { ...st, scope: this.scope(node, st, false) };
    c(node.right, st, 'Expression');
    const left = node.left;
    if (left.type === 'VariableDeclaration') {
      const kind = declarationKind(left.kind);
      for (const d of left.declarations) {
        // A `var` head is assigned on every iteration; a let/const head is a fresh binding each time.
        c(d.id, { ...head, declare: kind, loop: true }, 'Pattern');
        if (kind === 'var') c(d.id, { ...head, declare: null, write: node, loop: true }, 'Pattern');
      }
    } else {
      c(left, { ...head, declare: null, write: node, loop: true }, 'Pattern');
    }
    c(node.body, { ...head, loop: true }, 'Statement');
  }

  private declarator(d: VariableDeclarator, kind: 'var' | 'let' | 'const', st: State, c: Callback): void {
    c(d.id, { ...st, declare: kind }, 'Pattern');
    if (d.id.type === 'Identifier' && d.init) {
      const binding = this.declarationScope(st, kind).names.get(d.id.name)!;
      if (kind !== 'var') binding.init = d.init;
      else if (binding.kind === 'var') {
        binding.init = binding.inits === 0 ? d.init : null;
        binding.inits++;
        if (st.loop) binding.initInLoop = true;
      } else {
        binding.writes++; // `var a = …` over a parameter or function of the same name
      }
    }
    // Every var initializer writes its names (reported when they are tracked).
    if (kind === 'var' && d.init) c(d.id, { ...st, declare: null, write: d }, 'Pattern');
    if (d.init) c(d.init, st, 'Expression');
  }

  private assignment(node: AssignmentExpression, st: State, c: Callback): void {
    const target = unparenthesized(node.left as Expression);
    if (target.type === 'Identifier') this.reference(target, st, node);
    else if (target.type === 'MemberExpression') c(node.left, st, 'Expression');
    else c(node.left, { ...st, declare: null, write: node }, 'Pattern');
    c(node.right, st, 'Expression');
  }

  private scope(node: Node, st: State, fn: boolean): Scope {
    return { node, parent: st.scope, function: fn, context: st.context, names: new Map() };
  }

  private declarationScope(st: State, kind: BindingKind): Scope {
    let scope = st.scope;
    if (kind === 'var') while (!scope.function && scope.parent) scope = scope.parent;
    return scope;
  }

  private declare(scope: Scope, name: string, kind: BindingKind): Binding {
    const existing = scope.names.get(name);
    if (existing) {
      // A redeclaration (var over a parameter, two function declarations): it assigns.
      if (existing.kind !== kind || kind === 'function') existing.writes++;
      return existing;
    }
    const binding: Binding = {
      name, kind, scope, init: null, importSource: undefined, importName: undefined, inits: 0, initInLoop: false, writes: 0, captured: false, references: [], slot: undefined,
    };
    scope.names.set(name, binding);
    return binding;
  }

  private reference(id: Identifier, st: State, write: Node | null): void {
    this.references.push({ id, scope: st.scope, context: st.context, write, params: st.params });
  }

  resolve(tokenPrefix: string, root: Scope): ScopeFacts {
    const tracked: Binding[] = [];
    for (const ref of this.references) {
      let scope: Scope | null = ref.scope;
      let binding: Binding | undefined;
      while (scope && !(binding = scope.names.get(ref.id.name))) scope = scope.parent;
      if (!binding) {
        this.free.add(ref.id);
        continue;
      }
      this.bindings.set(ref.id, binding);
      binding.references.push(ref);
      if (ref.write && !(ref.write.type === 'VariableDeclarator')) binding.writes++;
      if (ref.context !== binding.scope.context) binding.captured = true;
    }
    const tokens = new Map<Node, string>();
    const counts = new Map<Node, number>();
    for (const ref of this.references) {
      const binding = this.bindings.get(ref.id);
      if (!binding || binding.slot || !isTracked(binding)) continue;
      const node = binding.scope.node;
      if (!tokens.has(node)) tokens.set(node, `${tokenPrefix}${tokens.size}`);
      const index = counts.get(node) ?? 0;
      counts.set(node, index + 1);
      binding.slot = { scope: node, index };
      tracked.push(binding);
    }
    const reads = new Map<Identifier, Slot>();
    const writes = new Map<Node, Slot[]>();
    for (const binding of tracked) {
      for (const ref of binding.references) {
        // In its function's parameters (a default value, a closure made there), where the body's token is not in scope: unreported.
        if (ref.params.includes(binding.scope.node)) continue;
        if (ref.write) {
          const list = writes.get(ref.write) ?? [];
          if (!list.includes(binding.slot!)) list.push(binding.slot!);
          writes.set(ref.write, list);
        } else {
          reads.set(ref.id, binding.slot!);
        }
      }
    }
    return {
      reads, writes, tokens,
      binding: (id) => this.bindings.get(id),
      isFree: (id) => this.free.has(id),
      moduleBinding: (name) => root.names.get(name),
    };
  }
}

/** `using` and `await using` bind like const. */
function declarationKind(kind: 'var' | 'let' | 'const' | 'using' | 'await using'): 'var' | 'let' | 'const' {
  return kind === 'var' || kind === 'let' ? kind : 'const';
}

/** Captured by a closure and assigned after its declaration. */
function isTracked(b: Binding): boolean {
  if (!b.captured || !TRACKED_KINDS.has(b.kind)) return false;
  return b.writes > 0 || b.inits > 1 || b.initInLoop;
}

/** The expression inside any parentheses. */
export function unparenthesized<T extends Expression | Pattern>(node: T): T {
  let n: Expression | Pattern = node;
  while (n.type === 'ParenthesizedExpression') n = n.expression;
  return n as T;
}

/** A call of this identifier calls a function of this module (or one imported from a relative path). */
export function isStaticFunction(b: Binding | undefined): boolean {
  if (!b || b.writes > 0) return false;
  if (b.kind === 'function') return true;
  if (b.kind === 'import') return isRelativeImport(b);
  if (b.kind !== 'const' && b.kind !== 'let' && b.kind !== 'var') return false;
  if (b.inits > 1 || b.initInLoop || b.init === null) return false;
  return isFunctionValue(b.init);
}

/** A function or arrow expression, possibly named by tsx's keepNames helper: `__name(() => …, "x")`. */
export function isFunctionValue(node: Expression): boolean {
  const e = unparenthesized(node);
  if (e.type === 'FunctionExpression' || e.type === 'ArrowFunctionExpression') return true;
  return e.type === 'CallExpression' && e.callee.type === 'Identifier' && e.callee.name === '__name'
    && e.arguments.length === 2 && e.arguments[0]!.type !== 'SpreadElement' && isFunctionValue(e.arguments[0] as Expression);
}


/** An import from another module of the program (a relative path). */
export function isRelativeImport(b: Binding): boolean {
  return b.importSource !== undefined && isRelativePath(b.importSource);
}

/** A module specifier that names another module of the program: `./x`, `../x`, `.`, `..`. */
export function isRelativePath(source: string): boolean {
  return /^\.\.?(\/|$)/.test(source);
}
