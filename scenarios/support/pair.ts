import { scenario, type Expectation, type Scenario, type ScenarioOptions } from 'heddle';

/**
 * One harness, two models: `<name>` runs it on the buggy model and expects the failure kind the
 * bug shows; `<name>.fixed` runs the same harness on the fixed model and expects a pass.
 */
export function pair<M>(name: string, models: { buggy: () => M; fixed: () => M }, harness: (model: M) => Promise<void>,
  expect: Expectation, options: Omit<ScenarioOptions, 'expect'> = {}): [Scenario, Scenario] {
  return [
    scenario(name, () => harness(models.buggy()), { ...options, expect }),
    scenario(`${name}.fixed`, () => harness(models.fixed()), { ...options, expect: 'pass' }),
  ];
}
