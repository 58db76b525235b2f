import type { AnyNode, Expression, MemberExpression, Node, Pattern } from 'acorn';
import { keyName } from './async.ts';
import type { Callback, Rewriter, State } from './rewrite.ts';
import { unparenthesized } from './scope.ts';
import { suspends } from './temps.ts';

// Destructuring (api.ts, "Tracking"). The properties a pattern reads are reported exactly, in
// the language's order, by destructuring a view of the value instead of the value itself:
//   const { a, b: { c } = {} } = o   →   const { a, b: { c } = {} } = new V1(o)
// where V1 (in the preamble) has a getter per key: `get ["a"]() { return H.r(this.#o, "a"); }`,
// and `b`'s returns a view of o.b unless it is undefined (then the pattern's default applies, as
// before). Defaults, nesting, evaluation order and errors stay the language's own; only what is
// read goes through H.r. A pattern with a rest element or a computed key reads the value with
// H.rall (a view cannot list the rest, nor know a computed key beforehand); an array pattern
// reads it with H.rall, and its elements through a generator that views the ones destructured
// further. A view is a fresh object: where an assignment's value is used (`x = ({ a } = o)`),
// the value is passed through H.rall instead.
//
// A member target is written through a forwarder whose setter calls H.w, evaluated where the
// target is (`[o.a] = xs` → `[{ o: o, set v(x) { H.w(this.o, "a", x); } }.v] = xs`).

export class Views {
  private readonly defs: string[] = [];
  private readonly bySignature = new Map<string, string>();

  constructor(private readonly H: string) {}

  /** The preamble's definitions of the views used. */
  definitions(): string {
    return this.defs.join('');
  }

  /** `PREFIX` such that the pattern destructures `PREFIX(value)` in place of value; undefined when the value itself will do. */
  view(pattern: Pattern): string | undefined {
    const H = this.H;
    switch (pattern.type) {
      case 'AssignmentPattern': return this.view(pattern.left);
      case 'ObjectPattern': {
        if (pattern.properties.length === 0) return undefined;
        const keys = new Set<string>();
        const getters: string[] = [];
        for (const p of pattern.properties) {
          const key = p.type === 'Property' && !p.computed ? keyName(p.key) : undefined;
          if (p.type !== 'Property' || key === undefined || keys.has(key)) return `${H}.rall`;
          keys.add(key);
          const k = JSON.stringify(key);
          const inner = this.view(p.value);
          getters.push(inner === undefined
            ? `get [${k}]() { return ${H}.r(this.#o, ${k}); }`
            : `get [${k}]() { const v = ${H}.r(this.#o, ${k}); return v === undefined ? v : ${inner}(v); }`);
        }
        return `new ${this.define('V', (name) => `class ${name} { #o; constructor(o) { this.#o = o; } ${getters.join(' ')} } `)}`;
      }
      case 'ArrayPattern': {
        const cases: string[] = [];
        pattern.elements.forEach((e, i) => {
          const inner = e && e.type !== 'RestElement' ? this.view(e) : undefined;
          if (inner !== undefined) cases.push(`case ${i}: yield e === undefined ? e : ${inner}(e); break;`);
        });
        if (cases.length === 0) return `${H}.rall`;
        return this.define('A', (name) => `function* ${name}(xs) { let i = 0; for (const e of ${H}.rall(xs)) { switch (i++) { ${cases.join(' ')} default: yield e; } } } `);
      }
      default: return undefined;
    }
  }

  /** For a for-of head: `PREFIX(xs)` yields each element viewed for `pattern`; undefined when plain iteration will do. */
  elements(pattern: Pattern): string | undefined {
    const inner = this.view(pattern);
    if (inner === undefined) return undefined;
    return this.define('E', (name) => `function* ${name}(xs) { for (const e of ${this.H}.rall(xs)) yield e === undefined ? e : ${inner}(e); } `);
  }

  private define(kind: string, text: (name: string) => string): string {
    const signature = `${kind}\0${text('')}`;
    let name = this.bySignature.get(signature);
    if (name === undefined) {
      name = `${this.H}${kind}${this.bySignature.size}`;
      this.bySignature.set(signature, name);
      this.defs.push(text(name));
    }
    return name;
  }
}

/** `const P = init`: names, tracked `var` writes, views. */
export function declarator(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'VariableDeclarator') return;
  const init = node.init;
  if (init) {
    if (node.id.type === 'Identifier') {
      rw.async.given.set(init, node.id.name);
      rw.nameBy(init, JSON.stringify(node.id.name));
    }
    const slots = rw.facts.writes.get(node);
    if (slots) {
      if (!suspends(init)) rw.edit.wrap(init, `(${rw.vw(slots)}, `, ')');
      else {
        const t = rw.temp(st);
        rw.edit.wrap(init, `(${t} = `, `, ${rw.vw(slots)}, ${t})`);
      }
    }
    const view = node.id.type === 'Identifier' ? undefined : rw.views.view(node.id);
    if (view) rw.edit.wrap(init, `${view}(`, ')');
  }
  c(node.id, st, 'Pattern');
  if (init) c(init, st, 'Expression');
}

/** `P = value` with a destructuring pattern P. */
export function assignmentPattern(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'AssignmentExpression') return;
  const left = node.left as Pattern;
  const unused = rw.unused.has(node);
  const slots = rw.facts.writes.get(node);
  if (slots) {
    if (!suspends(node)) rw.edit.wrap(node, `(${rw.vw(slots)}, `, ')');
    else if (unused) rw.edit.wrap(node, '(', `, ${rw.vw(slots)})`);
    else {
      const t = rw.temp(st);
      rw.edit.wrap(node, `(${t} = (`, `), ${rw.vw(slots)}, ${t})`);
    }
  }
  const view = unused ? rw.views.view(left) : `${rw.H}.rall`;
  if (view) rw.edit.wrap(node.right, `${view}(`, ')');
  c(left, st, 'Pattern');
  c(node.right, st, 'Expression');
}

/** A pattern's own parts: computed keys and defaults are expressions; member targets are written through forwarders. */
export function pattern(rw: Rewriter, node: Pattern, st: State, c: Callback): void {
  switch (node.type) {
    case 'ObjectPattern':
      for (const p of node.properties) {
        if (p.type === 'RestElement') pattern(rw, p.argument, st, c);
        else {
          if (p.computed) c(p.key, st, 'Expression');
          pattern(rw, p.value, st, c);
        }
      }
      return;
    case 'ArrayPattern':
      for (const e of node.elements) if (e) pattern(rw, e, st, c);
      return;
    case 'RestElement':
      return pattern(rw, node.argument, st, c);
    case 'AssignmentPattern':
      if (node.left.type === 'Identifier') rw.nameBy(node.right, JSON.stringify(node.left.name));
      pattern(rw, node.left, st, c);
      return c(node.right, st, 'Expression');
    case 'MemberExpression':
      return forwarder(rw, node, node, st, c);
    default: {
      // A parenthesized target: `[(o.a)] = xs`.
      const inner = unparenthesized(node as unknown as Expression);
      if (inner.type === 'MemberExpression') forwarder(rw, node, inner, st, c);
    }
  }
}

/** A member target: `{ o: OBJ, set v(x) { H.w(this.o, "k", x); } }.v`, evaluated where the target is. */
export function forwarder(rw: Rewriter, span: Node, target: MemberExpression, st: State, c: Callback): void {
  if (target.object.type === 'Super') {
    if (target.computed) c(target.property, st, 'Expression');
    return;
  }
  const H = rw.H;
  const property = target.property;
  if (property.type === 'PrivateIdentifier') {
    const name = `#${property.name}`;
    rw.edit.template(span, ['{ o: ', target.object, `, set v(x) { ${H}.pw(this.o, "${name}"); this.o.${name} = x; } }.v`]);
  } else if (target.computed) {
    const key = property as Expression;
    const parens = key.type === 'SequenceExpression';
    rw.edit.template(span, ['{ o: ', target.object, parens ? ', k: (' : ', k: ', key, `${parens ? ')' : ''}, set v(x) { ${H}.w(this.o, this.k, x); } }.v`]);
  } else {
    rw.edit.template(span, ['{ o: ', target.object, `, set v(x) { ${H}.w(this.o, ${JSON.stringify(keyName(property))}, x); } }.v`]);
  }
  c(target.object, st, 'Expression');
  if (target.computed) c(property, st, 'Expression');
}
