import type { AnyNode, CallExpression, Expression, Identifier, MemberExpression, PrivateIdentifier, Super } from 'acorn';
import { argumentParts, keyName } from './async.ts';
import type { Part } from './edit.ts';
import { assignmentPattern } from './patterns.ts';
import type { Callback, Rewriter, State } from './rewrite.ts';
import { isRelativeImport, isStaticFunction, unparenthesized } from './scope.ts';
import { suspends } from './temps.ts';

// Memory effects of member accesses, calls, assignments and updates (api.ts, "Tracking"):
//   o.k, o[k]            → H.r(o, "k"), H.r(o, k)            (not a callee, target or operand of delete)
//   o.k = v              → H.w(o, "k", v)
//   o.k += v             → H.w(T1 = o, "k", H.r(T1, "k") + (v))
//   o[k] ||= v           → (H.r(T1 = o, T2 = (k)) || H.w(T1, T2, v))          (&&=, ??= alike)
//   o.k++, --o[k]        → H.upd(o, "k", 1, false), H.upd(o, k, -1, true)
//   delete o.k, k in o   → H.del(o, "k"), H.has(k, o)
//   o.#x, o.#x = v       → (H.pr(o, "#x"), o.#x), (H.pw(o, "#x"), o.#x = v)    (o: `this` or a name; else a temporary)
//   o.k(a), f(a)         → H.mc(o, "k", a), H.fc(f, a)      (f not statically a function of this module)
//   {…}, […], new Map()  → H.o({…}), H.o([…]), H.o(new Map())   (made by the running step)
//   x (captured, reassigned) → (H.vr(S, i), x);  x = e → (x = e, H.vw(S, i), x);  x++ → (H.vw(S, i), x++)
// `super.x` stays as it is. Operands are evaluated once each, in the language's order.

type Member = MemberExpression & { object: Expression };

/** Builtin constructors whose `new` always makes a new object. */
const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array']);

/** `o.k` read. */
export function member(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'MemberExpression') return;
  if (isSuper(node)) return walkKey(node, st, c);
  if (node.property.type === 'PrivateIdentifier') {
    rw.edit.template(node, privateAccess(rw, node as Member, st, (o) => [`${o}.#${(node.property as PrivateIdentifier).name})`], 'pr'));
  } else {
    rw.edit.template(node, [`${rw.H}.r(`, node.object, ...keyParts(node)]);
  }
  walkMember(node, st, c);
}

export function assignment(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'AssignmentExpression') return;
  const target = unparenthesized(node.left as Expression);
  const op = node.operator;
  if (target.type === 'Identifier') {
    if (op === '=' || op === '||=' || op === '&&=' || op === '??=') rw.nameBy(node.right, JSON.stringify(target.name));
    rw.async.given.set(node.right, target.name);
    const slots = rw.facts.writes.get(node);
    // Reported after the write, which may come after an await in `e`.
    if (slots) rw.edit.wrap(node, '(', `, ${rw.vw(slots)}, ${target.name})`);
    c(node.right, st, 'Expression');
    return;
  }
  if (target.type !== 'MemberExpression') return assignmentPattern(rw, node, st, c);
  if (!target.computed) rw.async.given.set(node.right, keyName(target.property) ?? 'anonymous');
  if (isSuper(target) || (rw.script && isCommonJsExport(rw, target))) {
    // cjs-module-lexer finds a CommonJS module's exports by these assignments' text, and the
    // names of `module.exports = { a, b: c }` by its names: those stay names (their reads unreported).
    const value = unparenthesized(node.right);
    if (value.type === 'ObjectExpression') {
      rw.asWritten.add(value);
      for (const p of value.properties) if (p.type === 'Property' && p.value.type === 'Identifier') rw.unreported.add(p.value);
    }
    walkKey(target, st, c);
    c(node.right, st, 'Expression');
    return;
  }
  const H = rw.H;
  if (target.property.type === 'PrivateIdentifier') {
    const name = target.property.name;
    if (!suspends(node.right)) {
      rw.edit.template(node, privateAccess(rw, target as Member, st, (o) => [`${o}.#${name} ${op} `, node.right, ')'], 'pw'));
    } else {
      // Reported after the write, which comes after an await in the value.
      const result = rw.temp(st);
      const o = rw.temp(st);
      rw.edit.template(node, [`(${result} = ((${o} = `, target.object, `).#${name} ${op} `, node.right, `), ${H}.pw(${o}, "#${name}"), ${result})`]);
    }
    c(target.object, st, 'Expression');
    c(node.right, st, 'Expression');
    return;
  }
  if (op === '=') {
    rw.edit.template(node, [`${H}.w(`, target.object, ...keyParts(target, ', '), node.right, ')']);
  } else {
    const o = rw.temp(st);
    const k = target.computed ? rw.temp(st) : JSON.stringify(keyName(target.property));
    const key: Part[] = target.computed ? [`, ${k} = (`, target.property, ')'] : [`, ${k}`];
    const logical = op === '||=' || op === '&&=' || op === '??=';
    rw.edit.template(node, logical
      ? [`(${H}.r(${o} = `, target.object, ...key, `) ${op.slice(0, -1)} ${H}.w(${o}, ${k}, `, node.right, '))']
      : [`${H}.w(${o} = `, target.object, ...key, `, ${H}.r(${o}, ${k}) ${op.slice(0, -1)} (`, node.right, '))']);
  }
  walkMember(target, st, c);
  c(node.right, st, 'Expression');
}

export function update(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'UpdateExpression') return;
  const target = unparenthesized(node.argument);
  const op = node.operator;
  if (target.type === 'Identifier') {
    const slots = rw.facts.writes.get(node);
    if (slots) rw.edit.wrap(node, `(${rw.vw(slots)}, `, ')');
    return;
  }
  if (target.type !== 'MemberExpression' || isSuper(target)) return c(node.argument, st, 'Expression');
  if (target.property.type === 'PrivateIdentifier') {
    const name = target.property.name;
    rw.edit.template(node, privateAccess(rw, target as Member, st, (o) => [node.prefix ? `${op}${o}.#${name})` : `${o}.#${name}${op})`], 'pw'));
    return c(target.object, st, 'Expression');
  }
  rw.edit.template(node, [`${rw.H}.upd(`, target.object, ...keyParts(target, `, ${op === '++' ? 1 : -1}, ${node.prefix})`)]);
  walkMember(target, st, c);
}

export function unary(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'UnaryExpression') return;
  const target = unparenthesized(node.argument);

  if (node.operator === 'delete') {
    // `delete x` of a name must stay one: `delete (H.vr(…), x)` deletes nothing and says true.
    if (target.type === 'Identifier') return;
    if (target.type === 'MemberExpression' && !isSuper(target) && target.property.type !== 'PrivateIdentifier') {
      rw.edit.template(node, [`${rw.H}.del(`, target.object, ...keyParts(target)]);
      return walkMember(target, st, c);
    }
    // `delete a?.b` keeps its own short-circuit, unreported.
    if (target.type === 'ChainExpression') return walkChainNatively(target.expression, st, c);
  }
  c(node.argument, st, 'Expression');
}

export function binary(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'BinaryExpression') return;
  if (node.operator === 'in' && node.left.type !== 'PrivateIdentifier') {
    rw.edit.template(node, [`${rw.H}.has(`, node.left, ', ', node.right, ')']);
  }
  // `'tags: ' + tags` turns tags into a string (an array: joined, read), as `${tags}` does (H.ts).
  // Only beside a string the code spells out: arithmetic `+` stays a plain operator.
  if (node.operator === '+' && node.left.type !== 'PrivateIdentifier') {
    if (spelledString(node.left) && !isConstant(node.right)) rw.edit.wrap(node.right, `${rw.H}.ts(`, ')');
    if (spelledString(node.right) && !isConstant(node.left)) rw.edit.wrap(node.left, `${rw.H}.ts(`, ')');
  }
  if (node.left.type !== 'PrivateIdentifier') c(node.left, st, 'Expression');
  c(node.right, st, 'Expression');
}

export function call(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'CallExpression') return;
  const callee = unparenthesized(node.callee as Expression);
  if (callee.type === 'Identifier' && callee.name === '__name' && node.arguments.length === 2) {
    const [fn, name] = node.arguments;
    if (name!.type === 'Literal' && typeof name!.value === 'string') rw.async.given.set(unparenthesized(fn as Expression), name!.value);
  }
  const walkArgs = () => node.arguments.forEach((a) => c(a, st, 'Expression'));
  if (rw.async.callbackCall(node, st.fn.name) || rw.async.promiseCall(node, st.fn.name)) {
    c((callee as MemberExpression).object, st, 'Expression');
    return walkArgs();
  }
  if (node.callee.type === 'Super') return walkArgs();
  if (callee.type === 'MemberExpression') {
    if (isSuper(callee)) {
      walkKey(callee, st, c);
      return walkArgs();
    }
    if (rw.script && isCommonJsExportCall(rw, node, callee)) {
      // Also read by cjs-module-lexer: `Object.defineProperty(exports, "x", { get: … })` keeps its exact shape.
      if (!isObjectDefineProperty(callee)) walkArgs();
      return;
    }
    if (callee.property.type === 'PrivateIdentifier') {
      const name = callee.property.name;
      rw.edit.template(node, privateAccess(rw, callee as Member, st, (o) => [`${o}.#${name}(`, ...argumentParts(node.arguments).slice(1), '))'], 'pr'));
      c(callee.object, st, 'Expression');
      return walkArgs();
    }
    rw.edit.template(node, [`${rw.H}.mc(`, callee.object, ...keyParts(callee, ''), ...argumentParts(node.arguments), ')']);
    walkMember(callee, st, c);
    return walkArgs();
  }
  if (callee.type === 'ChainExpression') {
    // `(a?.b)()` calls with `this` = a: kept as it is (unreported) rather than lose `this`.
    walkChainNatively(callee.expression, st, c);
    return walkArgs();
  }
  // A direct eval runs code the transform never saw (H.ev: a step with unseen effects); it must stay `eval(…)`.
  if (callee.type === 'Identifier' && callee.name === 'eval' && rw.facts.isFree(callee) && node.arguments[0] !== undefined &&
    node.arguments[0].type !== 'SpreadElement') rw.edit.wrap(node.arguments[0], `${rw.H}.ev(`, ')');
  if (!isStaticCallee(rw, callee, st)) rw.edit.template(node, [`${rw.H}.fc(`, node.callee, ...argumentParts(node.arguments), ')']);
  c(node.callee, st, 'Expression');
  walkArgs();
}

export function newExpression(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'NewExpression') return;
  if (rw.async.promiseCall(node, st.fn.name)) return node.arguments.forEach((a) => c(a, st, 'Expression'));
  // `new H.r(o, "C")(…)` would call what H.r returns: the callee needs its parentheses.
  const callee = node.callee;
  if (callee.type === 'MemberExpression' && !isSuper(callee) && callee.property.type !== 'PrivateIdentifier') rw.edit.wrap(callee, '(', ')');
  // `new Map()` and the like make a new object (MemoryLog.made); another constructor may return any object.
  if (callee.type === 'Identifier' && COLLECTIONS.has(callee.name) && rw.facts.isFree(callee)) {
    rw.made(node, st);
    // `new Map(m)`, `new Set(xs)`: the constructor reads what it copies, as a spread would.
    const source = node.arguments[0];
    if (source !== undefined && source.type !== 'SpreadElement') rw.edit.wrap(source, `${rw.H}.rall(`, ')');
  }
  // `new Date()` reads the clock: the real one unless the environment replaced Date (H.clk).
  if (callee.type === 'Identifier' && callee.name === 'Date' && rw.facts.isFree(callee) && node.arguments.length === 0) {
    rw.edit.wrap(node, `${rw.H}.clk(`, ')');
    return c(callee, st, 'Expression');
  }
  // `new Proxy(target, handler)`: the proxy stands for its target (MemoryLog.aliased).
  if (callee.type === 'Identifier' && callee.name === 'Proxy' && rw.facts.isFree(callee) && node.arguments.length === 2
    && node.arguments.every((a) => a.type !== 'SpreadElement')) {
    rw.edit.template(node, [`${rw.H}.px(`, node.arguments[0]!, ', ', node.arguments[1]!, ')']);
    return node.arguments.forEach((a) => c(a, st, 'Expression'));
  }
  c(callee, st, 'Expression');
  node.arguments.forEach((a) => c(a, st, 'Expression'));
}

/** `${x}` turns x into a string (H.ts): of an array, a join of its elements (nested arrays too). */
export function templateLiteral(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'TemplateLiteral') return;
  for (const e of node.expressions) {
    if (!isConstant(e)) rw.edit.wrap(e, `${rw.H}.ts(`, ')');
    c(e, st, 'Expression');
  }
}

/** A tag is called with its object as `this`: a member tag stays as it is. */
export function tagged(_rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'TaggedTemplateExpression') return;
  const tag = unparenthesized(node.tag);
  if (tag.type === 'MemberExpression') walkMember(tag, st, c);
  else c(node.tag, st, 'Expression');
  c(node.quasi, st, 'Expression');
}

export function identifier(rw: Rewriter, node: AnyNode, _st: State): void {
  if (node.type !== 'Identifier') return;
  const slot = rw.facts.reads.get(node);
  if (slot && !rw.unreported.has(node)) return rw.edit.wrap(node, `(${rw.vr(slot)}, `, ')');
  // A name imported from another module of the program is a live binding: that module may assign
  // it (`export let count`), in a step of another task (H.il, with the exporter's liveExports).
  const b = rw.facts.binding(node);
  if (b?.kind === 'import' && b.importName !== '*' && isRelativeImport(b) && !rw.unreported.has(node)) {
    rw.edit.wrap(node, `(${rw.H}.il(${rw.live.namespaceOf(b.importSource!)}, ${JSON.stringify(b.importName)}), `, ')');
  }
}

/** `, "k"` or `, k` (in parentheses when it is a sequence), then `tail`. */
export function keyParts(node: MemberExpression, tail = ')'): Part[] {
  if (!node.computed) return [`, ${JSON.stringify(keyName(node.property as Expression))}${tail}`];
  const key = node.property as Expression;
  return key.type === 'SequenceExpression' ? [', (', key, `)${tail}`] : [', ', key, tail];
}

/**
 * `(H.pr(o, "#x"), REST)`: the report, then the native access `REST(o)` on the same object —
 * `this` or a name written twice, anything else through a temporary.
 */
function privateAccess(rw: Rewriter, node: Member, st: State, rest: (object: string) => Part[], report: 'pr' | 'pw'): Part[] {
  const name = (node.property as PrivateIdentifier).name;
  const o = unparenthesized(node.object);
  if (o.type === 'ThisExpression' || o.type === 'Identifier') {
    return [`(${rw.H}.${report}(`, node.object, `, "#${name}"), `, ...rest(rw.edit.text(o))];
  }
  const t = rw.temp(st);
  return [`(${rw.H}.${report}(${t} = `, node.object, `, "#${name}"), `, ...rest(t)];
}

function walkMember(node: MemberExpression, st: State, c: Callback): void {
  c(node.object, st, 'Expression');
  walkKey(node, st, c);
}

function walkKey(node: MemberExpression, st: State, c: Callback): void {
  if (node.computed) c(node.property, st, 'Expression');
}

/** The sub-expressions of an optional chain left as it is. */
export function walkChainNatively(node: Expression | Super, st: State, c: Callback): void {
  if (node.type === 'MemberExpression') {
    if (node.object.type !== 'Super') walkChainNatively(node.object, st, c);
    return walkKey(node, st, c);
  }
  if (node.type === 'CallExpression') {
    if (node.callee.type !== 'Super') walkChainNatively(node.callee, st, c);
    return node.arguments.forEach((a) => c(a, st, 'Expression'));
  }
  c(node, st, 'Expression');
}

function isSuper(node: MemberExpression): boolean {
  return node.object.type === 'Super';
}

/** A callee this module defines (a declared function, a const bound to a function, a relative import), or a call that must stay one. */
function isStaticCallee(rw: Rewriter, callee: Expression, st: State): boolean {
  if (callee.type === 'FunctionExpression' || callee.type === 'ArrowFunctionExpression') return true;
  if (callee.type !== 'Identifier') return false;
  // A called name inside `with` may be a property of its object, called with it as `this`.
  if (st.inWith) return true;
  // `eval(…)` must stay a direct eval; `require(…)` a require (bundlers and cjs-module-lexer read it).
  if (callee.name === 'eval' || callee.name === 'require') return true;
  return isStaticFunction(rw.facts.binding(callee));
}

/** `exports.x`, `module.exports`, `module.exports.x` (CommonJS's own, not a local of that name). */
function isCommonJsExport(rw: Rewriter, target: MemberExpression): boolean {
  const o = unparenthesized(target.object as Expression);
  if (isFree(rw, o, 'exports')) return true;
  if (isFree(rw, o, 'module')) return !target.computed && keyName(target.property as Expression) === 'exports';
  return o.type === 'MemberExpression' && isCommonJsExport(rw, o);
}

/** `Object.defineProperty(exports, …)`, `__exportStar(…, exports)`, `tslib.__exportStar(…)` and the like. */
function isCommonJsExportCall(rw: Rewriter, node: CallExpression, callee: MemberExpression): boolean {
  if (isObjectDefineProperty(callee)) {
    const target = node.arguments[0];
    return target !== undefined && target.type !== 'SpreadElement' && (isFree(rw, unparenthesized(target), 'exports') || (target.type === 'MemberExpression' && isCommonJsExport(rw, target)));
  }
  const name = callee.computed ? undefined : keyName(callee.property as Expression);
  return name !== undefined && /^__export/.test(name);
}

function isObjectDefineProperty(callee: MemberExpression): boolean {
  return callee.object.type === 'Identifier' && callee.object.name === 'Object' && !callee.computed && keyName(callee.property as Expression) === 'defineProperty';
}

function isFree(rw: Rewriter, node: Expression, name: string): boolean {
  return node.type === 'Identifier' && node.name === name && rw.facts.isFree(node as Identifier);
}

/** A string literal, a template, or a `+` with one of them: its value is a string. */
function spelledString(node: AnyNode): boolean {
  if (node.type === 'Literal') return typeof node.value === 'string';
  if (node.type === 'TemplateLiteral') return true;
  return node.type === 'BinaryExpression' && node.operator === '+' && (spelledString(node.left) || spelledString(node.right));
}

/** A literal or a template: nothing to turn into a string. */
function isConstant(node: AnyNode): boolean {
  return node.type === 'Literal' || node.type === 'TemplateLiteral';
}
