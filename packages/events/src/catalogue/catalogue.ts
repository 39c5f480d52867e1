import type { z } from 'zod';
import { actionCompleted, actionFailed, actionRequested, approvalRequested } from './action.events.ts';
import { apiRequestRecorded } from './api.events.ts';
import { automationRuleRunFinished } from './automation.events.ts';
import { budgetThresholdCrossed } from './budget.events.ts';
import { cloudAccountLinked, cloudAccountUnlinked } from './cloud-account.events.ts';
import { costAggregated, costIngested } from './cost.events.ts';
import { costImportApplied, costImportRefused } from './cost-import.events.ts';
import type { EventDefinition } from './event-definition.ts';
import { recommendationCreated, recommendationResolved, recommendationUpdated } from './recommendation.events.ts';
import { reportGenerated } from './report.events.ts';
import { resourceDiscovered, resourceDrifted, resourceRemoved } from './resource.events.ts';
import { workflowExecutionCompleted, workflowExecutionFailed, workflowExecutionStarted, workflowNotificationRequested } from './workflow.events.ts';
import { cloudAccountAccessChanged, teamChanged } from './team.events.ts';
import { apiTokenCreated, apiTokenRevoked, userInvited, userJoined, userSignedIn, userSignedOut, userSignInFailed, userUpdated } from './user.events.ts';

function byType<const TDefinitions extends readonly EventDefinition<string, z.ZodType>[]>(
  ...definitions: TDefinitions
): { [D in TDefinitions[number] as D['type']]: D } {
  return Object.fromEntries(definitions.map((definition) => [definition.type, definition])) as {
    [D in TDefinitions[number] as D['type']]: D;
  };
}

/** Every event type Stratus publishes, keyed by type. The types below are inferred from it. */
export const catalogue = byType(
  cloudAccountLinked,
  cloudAccountUnlinked,
  resourceDiscovered,
  resourceRemoved,
  resourceDrifted,
  costIngested,
  costAggregated,
  costImportApplied,
  costImportRefused,
  budgetThresholdCrossed,
  reportGenerated,
  recommendationCreated,
  recommendationUpdated,
  recommendationResolved,
  actionRequested,
  actionCompleted,
  actionFailed,
  approvalRequested,
  automationRuleRunFinished,
  apiRequestRecorded,
  workflowExecutionStarted,
  workflowExecutionCompleted,
  workflowExecutionFailed,
  workflowNotificationRequested,
  userSignedIn,
  userSignInFailed,
  userSignedOut,
  userInvited,
  userJoined,
  userUpdated,
  apiTokenCreated,
  apiTokenRevoked,
  teamChanged,
  cloudAccountAccessChanged,
);

export type Catalogue = typeof catalogue;
export type EventType = keyof Catalogue;
/** The data of an event type as a consumer receives it. */
export type EventData<T extends EventType> = z.output<Catalogue[T]['schema']>;
/** The data of an event type as a producer gives it. */
export type EventDataInput<T extends EventType> = z.input<Catalogue[T]['schema']>;

export const eventTypes = Object.keys(catalogue) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalogue, type);
}

export function definitionOf<T extends EventType>(type: T): Catalogue[T] {
  return catalogue[type];
}
