import { Migrator, NO_MIGRATIONS, type Kysely, type MigrationResult } from 'kysely';
import { migrations } from './migrations/index.ts';
import { createDb } from './create-db.ts';

function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Kysely reports a failure as a result set plus an error; one Error names the migration. */
function applied(direction: string, error: unknown, results: MigrationResult[] | undefined): string[] {
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? '(before any migration ran)';
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migrating ${direction} failed at ${failed}: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Applies every pending migration (in one transaction); returns the names applied. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  return applied('up', error, results);
}

/**
 * Names of the migrations this code knows that the database has not applied, oldest first; all of
 * them on an empty database. Services refuse to start while any is pending.
 */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const known = await migrator(db).getMigrations();
  return known.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

/** Reverts the latest applied migration; returns its name (none when nothing was applied). */
export async function migrateDown(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateDown();
  return applied('down', error, results);
}

/** Reverts every migration, for tests and local resets; returns the names reverted, latest first. */
export async function migrateDownAll(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateTo(NO_MIGRATIONS);
  return applied('down', error, results);
}

export interface MigrationLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

const consoleLogger: MigrationLogger = {
  info: (fields, message) => console.log(JSON.stringify({ ...fields, msg: message })),
};

/**
 * For the CLI and services' start-up: migrates the database at `url` as the connecting user
 * (who becomes the owner of what is created) and logs each step applied.
 */
export async function runMigrations(url: string, log: MigrationLogger = consoleLogger): Promise<string[]> {
  const db = createDb({ url, max: 1, applicationName: 'stratus-migrate' });
  try {
    const names = await migrateToLatest(db);
    for (const migration of names) log.info({ migration }, 'migration applied');
    log.info({ applied: names.length }, names.length === 0 ? 'database already up to date' : 'database migrated');
    return names;
  } finally {
    await db.destroy();
  }
}
