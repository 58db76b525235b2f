// Helpers for the instrumentation tests: read rewritten code back as a syntax tree.
import { parse, type AnyNode, type CallExpression, type Program } from 'acorn';
import { full } from 'acorn-walk';
import { instrument, type Instrumented } from '../../src/instrument/transform.ts';

export const URL_OF = 'file:///project/src/example.js';

/** Rewrites `source` as a module at URL_OF (or as CommonJS). */
export function rewrite(source: string, format?: 'module' | 'commonjs'): Instrumented {
  return instrument(source, { url: URL_OF, format });
}

/** The rewritten code without its map comment, parsed (it must parse). */
export function tree(code: string): Program {
  const body = code.split('\n//# sourceMappingURL=')[0]!;
  return parse(body, { ecmaVersion: 'latest', sourceType: 'module', allowReturnOutsideFunction: true, allowHashBang: true });
}

/** Every node of a type, in source order. */
export function nodes<T extends AnyNode['type']>(program: Program, type: T): Extract<AnyNode, { type: T }>[] {
  const found: AnyNode[] = [];
  full(program, (node) => {
    if (node.type === type) found.push(node);
  });
  return (found as Extract<AnyNode, { type: T }>[]).sort((a, b) => a.start - b.start);
}

/** Calls of `<handle>.<method>(…)`, in source order. */
export function handleCalls(program: Program, method: string, handle = '__heddle'): CallExpression[] {
  return nodes(program, 'CallExpression').filter((c) =>
    c.callee.type === 'MemberExpression' && c.callee.object.type === 'Identifier' && c.callee.object.name === handle
    && c.callee.property.type === 'Identifier' && c.callee.property.name === method);
}

/** The source text of a node. */
export function text(code: string, node: { start: number; end: number }): string {
  return code.slice(node.start, node.end);
}
