import type { Program } from 'acorn';
import { LIVE_EXPORTS } from './api.ts';
import { isRelativePath, type ScopeFacts } from './scope.ts';

// Live bindings (api.ts, H.il and H.ns): a name imported from another module of the program is
// read through that module's namespace, and a module names, in one export, the scopes of the
// exported variables its functions assign, so that a read of `count` in one module and a
// `count++` in the module that exports it are one location.

export class LiveBindings {
  /** Namespace imports added for reads of imported names (see namespaceOf), by source. */
  private readonly namespaces = new Map<string, string>();

  constructor(private readonly H: string) {}

  /** A namespace import of `source`, added to the module (`import * as HNs0 from "./x"`): its name. */
  namespaceOf(source: string): string {
    let name = this.namespaces.get(source);
    if (name === undefined) this.namespaces.set(source, (name = `${this.H}Ns${this.namespaces.size}`));
    return name;
  }

  /**
   * What the module's prologue adds: the namespace imports of namespaceOf, H.ns for each of the
   * program's own namespace imports, and `export var __heddleLive = { name: token }` for each
   * exported variable the module's functions assign (a tracked captured variable).
   */
  prologue(program: Program, facts: ScopeFacts): string {
    let imports = [...this.namespaces].map(([source, name]) => `import * as ${name} from ${JSON.stringify(source)}; `).join('');
    // The program's own namespace imports: `ns.count` reads the exporter's scope (H.ns).
    for (const s of program.body) {
      if (s.type !== 'ImportDeclaration' || typeof s.source.value !== 'string' || !isRelativePath(s.source.value)) continue;
      for (const spec of s.specifiers) if (spec.type === 'ImportNamespaceSpecifier') imports += `${this.H}.ns(${spec.local.name}); `;
    }
    const live: string[] = [];
    const add = (local: string, exported: string) => {
      const slot = facts.moduleBinding(local)?.slot;
      if (slot !== undefined) live.push(`${JSON.stringify(exported)}: ${facts.tokens.get(slot.scope)}`);
    };
    for (const s of program.body) {
      if (s.type !== 'ExportNamedDeclaration' || s.source) continue;
      if (s.declaration?.type === 'VariableDeclaration') {
        for (const d of s.declaration.declarations) if (d.id.type === 'Identifier') add(d.id.name, d.id.name);
      }
      for (const spec of s.specifiers) {
        const local = spec.local.type === 'Identifier' ? spec.local.name : String(spec.local.value);
        add(local, spec.exported.type === 'Identifier' ? spec.exported.name : String(spec.exported.value));
      }
    }
    return imports + (live.length > 0 ? `export var ${LIVE_EXPORTS} = { ${live.join(', ')} }; ` : '');
  }
}
