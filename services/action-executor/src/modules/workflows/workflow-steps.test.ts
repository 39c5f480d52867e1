import { describe, expect, it } from 'vitest';
import { workflowDefinition } from './workflow-definition.ts';
import { compare, render, type ExecutionResults } from './workflow-steps.ts';
import { passesFilter } from './workflows.service.ts';

const results: ExecutionResults = {
  definition: workflowDefinition.parse({ steps: [{ id: 'find', type: 'select', match: 'type=vm' }] }),
  trigger: { type: 'event-based', event_type: 'budget.threshold_crossed', event_id: 'e1', data: { budget_name: 'compute', threshold: '80.00', nested: { a: 1 } } },
  current: null,
  path: ['find'],
  steps: { find: { status: 'success', started_at: '', attempt: 1, output: { count: 12, resource_ids: ['r1'] } } },
};

describe('compare', () => {
  it('compares decimal strings as numbers, other text as text', () => {
    expect(compare('80.00', '>=', 80)).toBe(true);
    expect(compare('9', '>', '10')).toBe(false);
    expect(compare('b', '>', 'a')).toBe(true);
    expect(compare('actual', '=', 'actual')).toBe(true);
    expect(compare(undefined, '=', 0)).toBe(false);
    expect(compare(12, '!=', 12)).toBe(false);
  });
});

describe('render', () => {
  it("replaces the steps' outputs and the trigger's fields; an unknown path by nothing", () => {
    expect(render('{{ steps.find.count }} VMs over {{trigger.budget_name}} ({{trigger.threshold}}%){{steps.nope.x}}', results)).toBe('12 VMs over compute (80.00%)');
    expect(render('{{trigger.nested}} {{steps.find.resource_ids}}', results)).toBe('{"a":1} ["r1"]');
  });
});

describe('passesFilter', () => {
  it('needs every field to equal its value or satisfy its comparison, dot paths included', () => {
    const data = { threshold: '80.00', threshold_type: 'actual', budget: { name: 'compute' } };
    expect(passesFilter({ threshold: { op: '>=', than: 80 }, threshold_type: 'actual', 'budget.name': 'compute' }, data)).toBe(true);
    expect(passesFilter({ threshold: { op: '>', than: 80 } }, data)).toBe(false);
    expect(passesFilter({ threshold_type: 'forecast' }, data)).toBe(false);
    expect(passesFilter({}, data)).toBe(true);
  });
});

describe('workflowDefinition', () => {
  it('names the step and field of every problem', () => {
    const parsed = workflowDefinition.safeParse({
      trigger: { type: 'scheduled', cron: '0 9 * *', timezone: 'Europe/Paris' },
      steps: [
        { id: 'wait', type: 'wait', duration: 'soon' },
        { id: 'stop', type: 'action', action_type: 'stop' },
        { id: 'wait', type: 'notify', title: 't', message: 'm' },
      ],
    });
    expect(parsed.success).toBe(false);
    const problems = parsed.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^trigger\.cron: invalid cron pattern "0 9 \* \*": 4 fields/),
      'steps.0.duration: must be an ISO 8601 duration from PT1S to P30D, e.g. PT30M',
    ]);
    const steps = workflowDefinition.safeParse({ steps: [{ id: 'stop', type: 'action', action_type: 'stop' }, { id: 'stop', type: 'wait', duration: 'PT1M' }] });
    expect(steps.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'steps.1.id: "stop" is the id of step 0 already',
      'steps.0: no select step before this action: name one in resources',
    ]);
  });
});
