import type { AnyNode, Expression, Node } from 'acorn';
import { base, recursive, type RecursiveVisitors } from 'acorn-walk';
import { unparenthesized } from './scope.ts';

// Temporaries hold an operand the rewritten code uses twice (the object of a compound
// assignment, each link of an optional chain). They are `var`s of the function (or static
// block, or module) whose activation evaluates them, so that two activations — two calls of
// one async function interleaved at an await — never share one. An arrow with an expression
// body has nowhere to declare them: the prescan below tells whether it needs any, and then the
// arrow's body becomes a block. Parameters and class fields use the enclosing function's.

const FOUND = Symbol('needs a temporary');

/** Whether rewriting `body` (an arrow's expression body, not counting nested function bodies) will ask for a temporary. */
export function needsTemps(body: Expression): boolean {
  const hit = (): never => {
    throw FOUND;
  };
  type Visit = (node: AnyNode, st: null, c: (node: Node, st: null, override?: string) => void) => void;
  const walk = (type: string): Visit => (base as Record<string, Visit>)[type]!;
  const visitors: Record<string, Visit> = {
    ChainExpression: hit,
    AssignmentExpression: (node, st, c) => {
      if (node.type !== 'AssignmentExpression') return;
      const target = unparenthesized(node.left as Expression);
      if (target.type === 'MemberExpression' && (node.operator !== '=' || target.property.type === 'PrivateIdentifier')) hit();
      walk('AssignmentExpression')(node, st, c);
    },
    MemberExpression: (node, st, c) => {
      if (node.type !== 'MemberExpression') return;
      const o = unparenthesized(node.object as Expression);
      if (node.property.type === 'PrivateIdentifier' && o.type !== 'ThisExpression' && o.type !== 'Identifier') hit();
      walk('MemberExpression')(node, st, c);
    },
    Property: (node, st, c) => {
      if (node.type !== 'Property') return;
      const value = unparenthesized(node.value as Expression);
      if (node.computed && (value.type === 'ArrowFunctionExpression' || value.type === 'FunctionExpression' || value.type === 'ClassExpression')) hit();
      walk('Property')(node, st, c);
    },
    // A nested function's parameters are this owner's; its body has its own.
    Function: (node, st, c) => {
      if (node.type !== 'FunctionExpression' && node.type !== 'ArrowFunctionExpression' && node.type !== 'FunctionDeclaration') return;
      for (const p of node.params) c(p, st, 'Pattern');
    },
    StaticBlock: () => {},
  };
  try {
    recursive(body as AnyNode, null, visitors as unknown as RecursiveVisitors<null>);
    return false;
  } catch (e) {
    if (e === FOUND) return true;
    throw e;
  }
}

/** The value (or statement) may be evaluated across an await, a yield or a `for await` (not counting nested functions). */
export function suspends(node: Node): boolean {
  return containsOwn(node, (n) => n.type === 'AwaitExpression' || n.type === 'YieldExpression'
    || (n.type === 'ForOfStatement' && (n as { await?: boolean }).await === true));
}

/** Whether `node` holds a node for which `test` holds, not counting nested functions and classes. */
export function containsOwn(node: Node, test: (n: Node) => boolean): boolean {
  let found = false;
  const visit = (n: Node | null | undefined): void => {
    if (!n || found || typeof n !== 'object') return;
    if (test(n)) {
      found = true;
      return;
    }
    if (n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression' || n.type === 'FunctionDeclaration' || n.type === 'ClassExpression' || n.type === 'ClassDeclaration') return;
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach((v) => visit(v as Node));
      else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') visit(value as Node);
    }
  };
  visit(node);
  return found;
}
