import { idleDatabase } from './idle-database.rule.ts';
import { idleLoadBalancer } from './idle-load-balancer.rule.ts';
import { idleVm } from './idle-vm.rule.ts';
import { offHours } from './off-hours.rule.ts';
import { oldSnapshot } from './old-snapshot.rule.ts';
import { previousGeneration } from './previous-generation.rule.ts';
import { rightsizeVm } from './rightsize-vm.rule.ts';
import type { ResourceRule } from './rule.ts';
import { stoppedVmStorage } from './stopped-vm-storage.rule.ts';
import { unattachedDisk } from './unattached-disk.rule.ts';
import { untaggedSpend, type AccountRule } from './untagged-spend.rule.ts';
import { unusedIp } from './unused-ip.rule.ts';

/** Every rule over one resource; each may add a recommendation of its type to the resource. */
export const RESOURCE_RULES: readonly ResourceRule[] = [
  idleVm,
  rightsizeVm,
  previousGeneration,
  stoppedVmStorage,
  offHours,
  unattachedDisk,
  oldSnapshot,
  unusedIp,
  idleLoadBalancer,
  idleDatabase,
];

/** Rules over a whole account's spend. */
export const ACCOUNT_RULES: readonly AccountRule[] = [untaggedSpend];

/** recommendations.recommendation_type values: persisted, filterable, never renamed. */
export const RECOMMENDATION_TYPES = [...RESOURCE_RULES, ...ACCOUNT_RULES].map((rule) => rule.type) as [string, ...string[]];

export type { AccountRule, AccountSpend } from './untagged-spend.rule.ts';
export type { Finding, ResourceCost, ResourceRule, RuleContext, RuleResource, Savings } from './rule.ts';

