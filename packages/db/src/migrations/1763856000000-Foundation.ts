import type { Kysely } from 'kysely';
import { grantAccess } from './foundation/access.ts';
import * as actionExecutor from './foundation/action-executor.ts';
import * as audit from './foundation/audit.ts';
import * as costs from './foundation/costs.ts';
import * as identity from './foundation/identity.ts';
import * as inventory from './foundation/inventory.ts';
import * as recommendations from './foundation/recommendations.ts';
import {
  createEnums,
  createFunctions,
  createRoles,
  dropEnums,
  dropFunctions,
} from './foundation/roles-and-functions.ts';

/**
 * The unified schema of both seeds (000: user-scoped Supabase schema, 002: organisation/team
 * schema): every tenant-owned table belongs to an organisation (row-level security on
 * stratus.organization_id) and keeps the acting user where seed 000 kept it. Creates the service
 * roles when missing and grants each service write access to the tables it owns only.
 * The parts in ./foundation/ belong to this migration alone and never change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await createRoles(db);
  await createFunctions(db);
  await createEnums(db);
  await identity.up(db);
  await inventory.up(db);
  await costs.up(db);
  await recommendations.up(db);
  await actionExecutor.up(db);
  await audit.up(db);
  await grantAccess(db);
}

/** Drops everything up() created except the roles, which are cluster-wide. */
export async function down(db: Kysely<any>): Promise<void> {
  await audit.down(db);
  await actionExecutor.down(db);
  await recommendations.down(db);
  await costs.down(db);
  await inventory.down(db);
  await identity.down(db);
  await dropEnums(db);
  await dropFunctions(db);
}
