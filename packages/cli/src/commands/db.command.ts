import type { Command } from 'commander';
import pg from 'pg';
import { cliConfig } from '../cli-config.ts';

/** CREATE DATABASE cannot take a parameter; the name is quoted as an identifier instead. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function dbCommand(program: Command): void {
  const db = program.command('db').description('manage the database itself');

  db.command('create')
    .description('create the database named in DATABASE_URL when it does not exist (then run `stratus migrate`)')
    .action(async () => {
      const url = new URL(cliConfig().DATABASE_URL);
      const name = decodeURIComponent(url.pathname.slice(1));
      // The target does not exist yet, so connect to the server's maintenance database.
      url.pathname = '/postgres';
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (rowCount) {
          console.log(`database ${name} already exists`);
          return;
        }
        await client.query(`create database ${quoteIdentifier(name)}`);
        console.log(`database ${name} created`);
      } finally {
        await client.end();
      }
    });
}
