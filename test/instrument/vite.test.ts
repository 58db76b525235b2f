// Under vitest, heddle's plugin instruments this repo's code as the loader does under the CLI.
import { describe, expect, it } from 'vitest';
import { heddleInstrument } from '../../src/vitest.ts';

describe('the vitest plugin', () => {
  it('instrumented this test file: its async functions are plain functions returning H.fn(…)', async () => {
    const f = async () => 'value';
    expect(f.constructor.name).toBe('Function');
    expect(await f()).toBe('value');
  });

  it('transforms what the policy selects, with the combined map, and nothing else', () => {
    const plugin = heddleInstrument({ instrument: ['opted'] });
    const transform = plugin.transform as (this: unknown, code: string, id: string) => { code: string; map: unknown } | null;
    const context = { getCombinedSourcemap: () => ({ version: 3, sources: ['x.ts'], names: [], mappings: 'AAAA' }) };
    const code = 'export async function f() { await g(); }';
    const own = transform.call(context, code, '/project/src/x.ts');
    expect(own?.code).toContain('__heddle.aw(__heddleFrame, __heddle.fc(g), 1)');
    expect(own?.code).not.toContain('sourceMappingURL');
    expect(own?.map).toMatchObject({ sources: ['x.ts'] });
    expect(transform.call(context, code, '/project/node_modules/opted/index.js?v=1')).not.toBeNull();
    expect(transform.call(context, code, '/project/node_modules/other/index.js')).toBeNull();
    expect(transform.call(context, code, '/project/src/x.css')).toBeNull();
    expect(transform.call(context, code, '\0virtual:x.js')).toBeNull();
  });

  it('installs the runtime in every test worker and inlines the opted-in packages', () => {
    const config = (heddleInstrument({ instrument: ['opted'] }).config as () => { test: { setupFiles: string[]; server: { deps: { inline: string[] } } } })();
    expect(config.test.setupFiles[0]).toMatch(/src\/instrument\/runtime\.ts$/);
    expect(config.test.server.deps.inline).toEqual(['opted/']);
  });
});
