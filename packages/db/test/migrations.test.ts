import { Migrator, sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  CORE_TABLES,
  DATABASE_ROLES,
  SERVICE_GROUP_ROLE,
  SERVICE_ROLES,
  createDb,
  migrateDownAll,
  migrateToLatest,
  pendingMigrations,
  runMigrations,
} from '../src/index.ts';
import { migrations } from '../src/migrations/index.ts';
import { createEmptyDatabase, useEmptyDatabase } from './empty-database.ts';

const MIGRATOR_TABLES = ['kysely_migration', 'kysely_migration_lock'];

/** Tables and partitioned tables of the public schema, partitions left out. */
async function tables(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ relname: string }>`
    select c.relname from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
       and c.relname <> all(${MIGRATOR_TABLES})
     order by 1
  `.execute(db);
  return rows.map((row) => row.relname);
}

/** Everything a migration could leave behind in public, apart from the migrator's own tables. */
async function leftovers(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select 'relation ' || relname as name from pg_class
     where relnamespace = 'public'::regnamespace and relname not like 'kysely_migration%'
    union all
    select 'type ' || typname from pg_type
     where typnamespace = 'public'::regnamespace and typname not like '%kysely_migration%'
    union all
    select 'function ' || proname from pg_proc where pronamespace = 'public'::regnamespace
  `.execute(db);
  return rows.map((row) => row.name).sort();
}

describe('migrations on an empty database', () => {
  const empty = useEmptyDatabase();

  it('Foundation creates exactly the tables of CoreTables', async () => {
    const { db } = empty;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error } = await migrator.migrateTo('1763856000000-Foundation');
    expect(error).toBeUndefined();
    expect(await tables(db)).toEqual([...CORE_TABLES].sort());
  });

  it('creates the service roles, each a NOLOGIN member of stratus_service', async () => {
    const { db } = empty;
    // The console's role comes with its own migration (ConsoleSignIn), checked in access.test.ts.
    const foundationRoles = DATABASE_ROLES.filter((role) => role !== SERVICE_ROLES.console);
    const { rows } = await sql<{ rolname: string; rolcanlogin: boolean; member: boolean }>`
      select rolname, rolcanlogin, pg_has_role(rolname, ${SERVICE_GROUP_ROLE}, 'member') as member
        from pg_roles where rolname = any(${foundationRoles})
       order by rolname
    `.execute(db);
    expect(rows.map((row) => row.rolname)).toEqual([...foundationRoles].sort());
    expect(rows.every((row) => !row.rolcanlogin && row.member)).toBe(true);
    expect(Object.keys(SERVICE_ROLES)).toEqual(['ingestion', 'cost', 'recommendation', 'action-executor', 'audit', 'console']);
  });

  it('migrates to latest, down to nothing, and up again', async () => {
    const { db } = empty;
    await migrateToLatest(db);
    const latest = await tables(db);
    expect(latest).toEqual(expect.arrayContaining([...CORE_TABLES]));

    const reverted = await migrateDownAll(db);
    expect(reverted).toEqual(Object.keys(migrations).reverse());
    expect(await leftovers(db)).toEqual([]);

    expect(await migrateToLatest(db)).toEqual(Object.keys(migrations));
    expect(await tables(db)).toEqual(latest);
    expect(await migrateToLatest(db)).toEqual([]);
  });
});

describe('migration failures and the runner', () => {
  it('pendingMigrations lists what an empty, a partly and a fully migrated database lacks', async () => {
    const database = await createEmptyDatabase();
    const db = createDb({ url: database.url, max: 1 });
    try {
      const names = Object.keys(migrations);
      expect(await pendingMigrations(db)).toEqual(names);
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      await migrator.migrateTo(names[0]!);
      expect(await pendingMigrations(db)).toEqual(names.slice(1));
      await migrateToLatest(db);
      expect(await pendingMigrations(db)).toEqual([]);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });

  it('names the migration that failed', async () => {
    const database = await createEmptyDatabase();
    const db = createDb({ url: database.url, max: 1 });
    try {
      await sql`create table organizations (id int)`.execute(db);
      await expect(migrateToLatest(db)).rejects.toThrow(
        /migrating up failed at 1763856000000-Foundation: relation "organizations" already exists/,
      );
    } finally {
      await db.destroy();
      await database.drop();
    }
  });

  it('runMigrations logs each step it applies', async () => {
    const database = await createEmptyDatabase();
    try {
      const lines: { fields: Record<string, unknown>; message: string }[] = [];
      const log = { info: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) };
      expect(await runMigrations(database.url, log)).toEqual(Object.keys(migrations));
      expect(lines).toEqual([
        ...Object.keys(migrations).map((migration) => ({ fields: { migration }, message: 'migration applied' })),
        { fields: { applied: Object.keys(migrations).length }, message: 'database migrated' },
      ]);
      expect(await runMigrations(database.url, log)).toEqual([]);
      expect(lines.at(-1)).toEqual({ fields: { applied: 0 }, message: 'database already up to date' });
    } finally {
      await database.drop();
    }
  });
});

describe('1763856000010-SealedSigningSecrets', () => {
  // The table as each migration leaves it, not as the schema types say it ends up.
  const empty = useEmptyDatabase<any>();

  it('replaces the clear signing secrets (no key to seal them with) by a column that takes only an envelope', async () => {
    const { db } = empty;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('1763856000009-NotificationDeliveries')).error).toBeUndefined();
    const organization = await db.insertInto('organizations').values({ name: 'Hooks' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('webhook_signing_secrets').values({ organization_id: organization.id, secret: 'whsec_clear' }).execute();

    expect(await migrateToLatest(db)).toContain('1763856000010-SealedSigningSecrets');

    expect(await db.selectFrom('webhook_signing_secrets').selectAll().execute()).toEqual([]);
    const clear = db.insertInto('webhook_signing_secrets').values({ organization_id: organization.id, secret: JSON.stringify('whsec_clear'), key_id: 'k1' });
    await expect(clear.execute()).rejects.toThrow(/webhook_signing_secrets_secret_is_envelope/);
  });
});
