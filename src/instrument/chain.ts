import type { AnyNode, CallExpression, Expression, MemberExpression, Super } from 'acorn';
import { argumentParts } from './async.ts';
import type { Part } from './edit.ts';
import type { Callback, Rewriter, State } from './rewrite.ts';
import { isStaticFunction, unparenthesized } from './scope.ts';
import { keyParts, walkChainNatively } from './track.ts';

// Optional chains keep their short-circuit: each `?.` link tests the value so far, kept in a
// temporary, and the rest of the chain is the conditional's other branch:
//   a?.b.c       → ((T1 = a) == null ? void 0 : H.r(H.r(T1, "b"), "c"))
//   a?.b?.()     → ((T1 = a) == null ? void 0 : (T2 = H.r(R = T1, "b")) == null ? void 0 : H.mc(T2, "call", R))
//   o.m?.(x)     → ((T1 = H.r(R = o, "m")) == null ? void 0 : H.mc(T1, "call", R, x))
// The links between two `?.` are rewritten as anywhere else (H.r, H.mc, H.fc). An optional call
// of a method calls the method it tested through Function#call, with its object as `this`
// (exact unless the function has its own `call`). A chain with an optional call of `super.m`
// stays as it is, unreported.

type Link = MemberExpression | CallExpression;

/** The object and key of the member an optional call calls, kept by the segment before it. */
interface Receiver {
  readonly object: string;
}

export function chain(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'ChainExpression') return;
  const links: Link[] = [];
  let base: Expression | Super = node.expression;
  for (;;) {
    if (base.type === 'MemberExpression' && base.object.type !== 'Super') {
      links.push(base);
      base = base.object;
    } else if (base.type === 'CallExpression' && base.callee.type !== 'Super') {
      links.push(base);
      base = base.callee;
    } else {
      break;
    }
  }
  links.reverse();
  const head = base as Expression;
  // `super.m?.()` would need `this` for the call; `super.m()` as the first link is a plain super call.
  if (links[0]?.type === 'CallExpression' && links[0].optional && head.type === 'MemberExpression') return walkChainNatively(node.expression, st, c);

  // Segments: the links between one `?.` and the next.
  const segments: Link[][] = [[]];
  for (const link of links) {
    if (link.optional) segments.push([]);
    segments.at(-1)!.push(link);
  }
  let receiver: Receiver | undefined;
  let value: Part[] = [head];
  const parts: Part[] = ['('];
  segments.forEach((segment, s) => {
    if (s > 0) {
      const t = rw.temp(st);
      parts.push(`(${t} = `, ...value, ') == null ? void 0 : ');
      value = [t];
    }
    const incoming = receiver;
    receiver = undefined;
    for (let i = 0; i < segment.length; i++) {
      const link = segment[i]!;
      if (link.type === 'CallExpression') {
        value = callLink(rw, link, value, i === 0 ? incoming : undefined, head, s);
        continue;
      }
      const call = segment[i + 1];
      if (call?.type === 'CallExpression' && !call.optional) {
        // A method call within the segment: `o.m(…)` → H.mc, `o.#m(…)` → the report and the native call.
        value = methodCall(rw, link, call, value, st);
        i++;
        continue;
      }
      // The last member before an optional call: its object (and key) are kept for that call.
      const next = segments[s + 1]?.[0];
      const captured = i === segment.length - 1 && next?.type === 'CallExpression';
      const read = memberLink(rw, link, value, captured, st);
      value = read.parts;
      receiver = read.receiver;
    }
  });
  parts.push(...value, ')');
  rw.edit.template(node, parts);
  c(head, st, 'Expression');
  for (const link of links) {
    if (link.type === 'MemberExpression') {
      if (link.computed) c(link.property, st, 'Expression');
    } else {
      link.arguments.forEach((a) => c(a, st, 'Expression'));
    }
  }
}

function methodCall(rw: Rewriter, link: MemberExpression, call: CallExpression, value: Part[], st: State): Part[] {
  const H = rw.H;
  const args = argumentParts(call.arguments);
  if (link.property.type !== 'PrivateIdentifier') return [`${H}.mc(`, ...value, ...keyParts(link, ''), ...args, ')'];
  const o = rw.temp(st);
  const name = `#${link.property.name}`;
  return [`(${H}.pr(${o} = `, ...value, `, "${name}"), ${o}.${name}(`, ...args.slice(1), '))'];
}

/** A member link on `value`: H.r, or for a private name the report and the native access. */
function memberLink(rw: Rewriter, link: MemberExpression, value: Part[], capture: boolean, st: State): { parts: Part[]; receiver?: Receiver } {
  const H = rw.H;
  if (link.property.type === 'PrivateIdentifier') {
    const o = rw.temp(st);
    const name = `#${link.property.name}`;
    return { parts: [`(${H}.pr(${o} = `, ...value, `, "${name}"), ${o}.${name})`], receiver: capture ? { object: o } : undefined };
  }
  if (!capture) return { parts: [`${H}.r(`, ...value, ...keyParts(link)] };
  const o = rw.temp(st);
  return { parts: [`${H}.r(${o} = `, ...value, ...keyParts(link)], receiver: { object: o } };
}

/** A call link on `value` (the callee's value): of a method kept by the previous segment, or of a function. */
function callLink(rw: Rewriter, link: CallExpression, value: Part[], receiver: Receiver | undefined, head: Expression, segment: number): Part[] {
  const H = rw.H;
  const args = argumentParts(link.arguments);
  // The method read once (to test it) is called with the receiver through Function#call (which the runtime sees through).
  if (receiver) return [`${H}.mc(`, ...value, `, "call", ${receiver.object}`, ...args, ')'];
  // The chain's head called directly (`f()?.x`): a function of this module, or `super.m()`, is called as it is.
  if (segment === 0 && value.length === 1 && value[0] === head && isNative(rw, head)) return [head, '(', ...args.slice(1), ')'];
  return [`${H}.fc(`, ...value, ...args, ')'];
}

function isNative(rw: Rewriter, head: Expression): boolean {
  const callee = unparenthesized(head);
  if (callee.type === 'MemberExpression') return callee.object.type === 'Super';
  if (callee.type === 'FunctionExpression' || callee.type === 'ArrowFunctionExpression') return true;
  return callee.type === 'Identifier' && (callee.name === 'require' || isStaticFunction(rw.facts.binding(callee)));
}
