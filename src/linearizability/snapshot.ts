/**
 * A canonical text for an object graph: the state key used to memoise the linearizability
 * search. Functions are left out; Maps and Sets are written in insertion order; cycles are cut.
 * heddle's primitives are plain fields underneath (a Shared's value, a Queue's items), so a
 * class built on them gets a meaningful key with no help.
 */
export function snapshot(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown): string => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'undefined': return 'u';
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'bigint': return `${v}n`;
      case 'string': return JSON.stringify(v);
      case 'boolean': return v ? 't' : 'f';
      case 'function': return '';
      case 'symbol': return v.toString();
    }
    const obj = v as object;
    if (seen.has(obj)) return '^';
    seen.add(obj);
    let out: string;
    if (Array.isArray(obj)) out = `[${obj.map(walk).join(',')}]`;
    else if (obj instanceof Map) out = `M{${[...obj].map(([k, x]) => `${walk(k)}:${walk(x)}`).join(',')}}`;
    else if (obj instanceof Set) out = `S{${[...obj].map(walk).join(',')}}`;
    else {
      const fields = Object.keys(obj).filter((k) => typeof (obj as Record<string, unknown>)[k] !== 'function');
      out = `{${fields.map((k) => `${k}:${walk((obj as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    seen.delete(obj);
    return out;
  };
  return walk(value);
}
