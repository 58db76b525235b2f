import type { AnyNode, Expression, Node, Pattern } from 'acorn';
import { forwarder } from './patterns.ts';
import type { Callback, Rewriter, State } from './rewrite.ts';
import { unparenthesized } from './scope.ts';
import { containsOwn, suspends } from './temps.ts';

// Loop heads (api.ts, "Tracking"):
//   for (x of xs) / for (k in o)   → the iterated value is read whole: H.rall(xs), H.rall(o)
//   for (k in o) whose body suspends → for (k of H.ki(o)): each next() reads the set of keys
//   for (const { a } of xs)        → its elements through a generator of views (patterns.ts)
//   for (o.k of xs)                → the target is a forwarder (patterns.ts)
//   for (x of xs), x captured      → `H.vw(S, i);` first in the body, on every iteration
//   for (let i = 0; …; i++), i captured → a token per iteration: `for (let S = H.scope(), i = 0; …; S = H.scope(), i++)`
//     (the update runs in the new iteration's copy of the bindings, so each closure keeps its own)
//   for (let x of xs), x captured  → `const S = H.scope();` first in the body
//   yield* x;  (a statement of an async generator whose resumptions are frames)
//                                  → for await (const D of H.live(H.rall(H.iter(G, x, S)))) H.gr(G, yield H.gy(G, await H.aw(H.gf(G), D, S)))

export function forStatement(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'ForStatement') return;
  const token = rw.facts.tokens.get(node);
  const init = node.init;
  if (token && init?.type === 'VariableDeclaration') {
    // First, so that an initializer that writes a captured binding finds it.
    rw.edit.open(init.declarations[0]!.start, `${token} = ${rw.H}.scope(), `);
    if (node.update) rw.edit.open(node.update.start, `${token} = ${rw.H}.scope(), `);
    else {
      const first = rw.edit.find(init.end, ';');
      const second = rw.edit.find(node.test ? node.test.end : first + 1, ';');
      rw.edit.out.appendLeft(second + 1, ` ${token} = ${rw.H}.scope()`);
    }
  }
  if (init && init.type !== 'VariableDeclaration') rw.unused.add(unparenthesized(init));
  if (node.update) rw.unused.add(unparenthesized(node.update));
  if (init) c(init, st, 'ForInit');
  if (node.test) c(node.test, st, 'Expression');
  if (node.update) c(node.update, st, 'Expression');
  c(node.body, st, 'Statement');
}

export function forInOf(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'ForInStatement' && node.type !== 'ForOfStatement') return;
  const H = rw.H;
  const left = node.left;
  const target = left.type === 'VariableDeclaration' ? left.declarations[0]!.id : unparenthesized(left as Expression) as Pattern;
  const isAwait = node.type === 'ForOfStatement' && node.await;
  if (isAwait) {
    const site = rw.async.site('for-await', st.fn.name, node.start, node.start, node.right.end);
    rw.edit.wrap(node.right, `${H}.iter(${st.fn.gen ?? st.fn.frame}, `, `, ${site})`);
  }
  // for-in iterates keys (strings): a pattern there destructures a string, not the object.
  const elements = node.type === 'ForOfStatement' && !isAwait ? rw.views.elements(target) : undefined;
  // A body that suspends (await, yield), or a for-await (it awaits each element), lets other tasks
  // run between two next() calls of the iterator: each then reads what it takes in its own step (H.live).
  const live = node.type === 'ForOfStatement' && (isAwait || suspends(node.body));
  if (node.type === 'ForInStatement' && suspends(node.body)) {
    // A key deleted before its turn is skipped, which the later turns decide: a for-of over the
    // keys (H.ki), whose every next() reads the set of keys in the step it runs in.
    const keyword = rw.edit.find(left.end, 'in', ')');
    rw.edit.replace(keyword, keyword + 2, 'of');
    rw.edit.wrap(node.right, `${H}.ki(`, ')');
  } else {
    const [open, close] = live ? [`${H}.live(${H}.rall(`, '))'] : [elements === undefined ? `${H}.rall(` : '', elements === undefined ? ')' : ''];
    rw.edit.wrap(node.right, `${elements === undefined ? '' : `${elements}(`}${open}`, `${close}${elements === undefined ? '' : ')'}`);
  }

  // Statements every iteration starts with: the head's token, then the head's tracked writes.
  const token = rw.facts.tokens.get(node);
  const slots = rw.facts.writes.get(node);
  const first = (token ? `const ${token} = ${H}.scope(); ` : '') + (slots ? `${rw.vw(slots)}; ` : '');
  if (first !== '') {
    if (node.body.type === 'BlockStatement') rw.edit.open(node.body.start + 1, ` ${first}`);
    else rw.edit.wrap(node.body, `{ ${first}`, ' }');
  }

  c(node.right, st, 'Expression');
  if (left.type === 'VariableDeclaration') c(left.declarations[0]!.id, st, 'Pattern');
  else if (target.type === 'MemberExpression') forwarder(rw, left, target, st, c);
  else c(left, st, 'Pattern');
  c(node.body, st, 'Statement');
}

/**
 * Whether every `yield*` of a function body (not of functions inside it) is a statement of its
 * own, its result unused. Such an async generator has resumptions heddle follows: each `yield* x;`
 * becomes a for-await over x that yields every value (delegate). What differs from the language's
 * delegation: next(v) and throw(e) on the outer generator reach the loop, not x (a throw at the
 * yield ends the loop, which returns x as a for-await does); values x yields are awaited once more.
 */
export function followsDelegates(body: Node): boolean {
  const standalone = new Set<Node>();
  containsOwn(body, (n) => {
    if (n.type === 'ExpressionStatement') {
      const e = unparenthesized((n as unknown as { expression: Expression }).expression);
      if (e.type === 'YieldExpression' && e.delegate) standalone.add(e);
    }
    return false;
  });
  return !containsOwn(body, (n) => n.type === 'YieldExpression' && (n as unknown as { delegate: boolean }).delegate && !standalone.has(n));
}

/** `yield* x;` in an async generator whose resumptions are frames: a for-await yielding each value of x (see followsDelegates). */
export function delegate(rw: Rewriter, node: AnyNode, st: State, c: Callback): void {
  if (node.type !== 'YieldExpression' || st.fn.gen === undefined || node.argument == null) return;
  const H = rw.H;
  const g = st.fn.gen;
  const value = `${H}Dv`;
  const each = rw.async.site('for-await', st.fn.name, node.start, node.start, node.end);
  const site = rw.async.site('await', st.fn.name, node.start, node.start, node.end);
  rw.edit.template(node, [`for await (const ${value} of ${H}.live(${H}.rall(${H}.iter(${g}, `, node.argument,
    `, ${each})))) ${H}.gr(${g}, yield ${H}.gy(${g}, await ${H}.aw(${st.fn.frame}, ${value}, ${site})))`]);
  c(node.argument, st, 'Expression');
}
