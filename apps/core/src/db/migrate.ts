/**
 * Creates the database when it is missing, then applies pending drizzle-kit migrations under a
 * Postgres advisory lock, so that several replicas starting at once apply each migration once.
 */
import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { CONNECT_TIMEOUT_MS } from './client.ts'

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))
/** Arbitrary constant key of the session-level advisory lock taken while migrating. */
const MIGRATION_LOCK_KEY = 7_041_903_117

type Log = (msg: string) => void

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** The same server, database `postgres`: where CREATE/DROP DATABASE are run from. */
export function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl)
  url.pathname = '/postgres'
  return url.toString()
}

export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''))
}

/** CREATE DATABASE if missing. Lack of rights (a managed database) is not an error: it must exist then. */
export async function ensureDatabase(databaseUrl: string, log: Log = () => {}): Promise<void> {
  const name = databaseName(databaseUrl)
  if (!name || name === 'postgres') return
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl), connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  try {
    await client.connect()
  } catch (err) {
    log(`could not reach the maintenance database to create ${name}: ${(err as Error).message}`)
    return
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) {
      await client.query(`create database ${quoteIdent(name)}`)
      log(`created database ${name}`)
    }
  } catch (err) {
    const code = (err as { code?: string }).code
    // 42P04: another replica created it first; 42501: no right to create databases.
    if (code !== '42P04') log(`could not create database ${name}: ${(err as Error).message}`)
  } finally {
    await client.end().catch(() => {})
  }
}

export async function runMigrations(databaseUrl: string, log: Log = () => {}): Promise<void> {
  await ensureDatabase(databaseUrl, log)
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  await client.connect()
  try {
    // Session lock: held across drizzle's own migration transaction, released in finally.
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER })
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  } finally {
    await client.end().catch(() => {})
  }
}
