import { describe, expect, it } from 'vitest';
import { familyOf, rightsizeVm } from './rightsize-vm.rule.ts';
import { context, resource } from './test-support.ts';

describe('rightsize_vm', () => {
  it('picks the cheapest type of the family on which CPU p95 stays <= 40 % and memory <= 60 %', () => {
    // m5.xlarge (4 vCPU, 16 GB) at 18 % CPU and 25 % memory: m5.large (2 vCPU, 8 GB) gives 36 % and 50 %.
    const finding = rightsizeVm.evaluate(resource('vm', { utilization: { cpu_p95: 18, memory_avg: 25 } }), context());
    expect(finding).toMatchObject({ action: { type: 'scale', parameters: { size: 'm5.large' } }, savings: { monthly: 70.08, basis: 'list_price' } });
    expect(finding?.evidence).toMatchObject({ projected: { cpu_p95: 36, memory_avg: 50 } });
  });

  it('saves the same share of the effective cost (less the boot disk)', () => {
    const finding = rightsizeVm.evaluate(resource('vm', { utilization: { cpu_p95: 18, memory_avg: 25 } }), context({ monthly: 101.6 }));
    expect(finding?.savings).toEqual({ monthly: 50, currency: 'USD', basis: 'effective_cost' });
  });

  it.each([
    ['load that would not fit the smaller type (CPU)', { cpu_p95: 21, memory_avg: 25 }],
    ['load that would not fit the smaller type (memory)', { cpu_p95: 18, memory_avg: 31 }],
    ['an idle VM, which idle_vm stops', { cpu_p95: 4, memory_avg: 10 }],
  ])('leaves alone %s', (_case, utilization) => {
    expect(rightsizeVm.evaluate(resource('vm', { utilization }), context())).toBeNull();
  });

  it('never leaves the family, and has nothing below the smallest size', () => {
    const smallest = resource('vm', { metadata: { instance_type: 't3.micro', vcpus: 2, memory_gb: 1 }, utilization: { cpu_p95: 8, memory_avg: 10 } });
    expect(rightsizeVm.evaluate(smallest, context())).toBeNull();
  });

  it('knows the three providers\' families', () => {
    expect(familyOf('AWS', 'm6i.2xlarge')).toBe('m6i');
    expect(familyOf('AWS', 'db.r6g.large')).toBe('db.r6g');
    expect(familyOf('AZURE', 'Standard_D4s_v5')).toBe(familyOf('AZURE', 'Standard_D16s_v5'));
    expect(familyOf('AZURE', 'Standard_D4s_v5')).not.toBe(familyOf('AZURE', 'Standard_D4as_v5'));
    expect(familyOf('GCP', 'n2-standard-8')).toBe('n2-standard-#');
  });
});
