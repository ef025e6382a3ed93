/**
 * Scratch databases: one per test file (or benchmark run) on the shared Postgres, migrated by the
 * core's own migrations and dropped afterwards. Only names of this form are ever dropped.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

const SCRATCH_NAME = /^(rg_test|rushgate_bench)_[a-z0-9_]+$/

/** What the kit needs of the core to make a database it can run on. */
export interface Migrations {
  migrate(databaseUrl: string): Promise<void>
}

/** The server scratch databases are made on: TEST_DATABASE_URL, else DATABASE_URL, else the local one. */
export function postgresServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
}

/** `rg_test_<label>_<random>`. */
export function scratchName(label = ''): string {
  return `rg_test_${label ? `${label.toLowerCase()}_` : ''}${randomBytes(6).toString('hex')}`
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(name: string, serverUrl = postgresServerUrl()): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Creates a database and applies the core's migrations to it; returns its URL. */
export async function createScratchDatabase(core: Migrations, name = scratchName()): Promise<string> {
  if (!SCRATCH_NAME.test(name)) throw new Error(`${name} is not a scratch database name`)
  const url = databaseUrl(name)
  await core.migrate(url)
  return url
}

export async function dropScratchDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  if (!SCRATCH_NAME.test(name)) throw new Error(`refusing to drop ${name}: not a scratch database`)
  const client = new pg.Client({ connectionString: databaseUrl('postgres', url) })
  await client.connect()
  try {
    await client.query(`drop database if exists "${name}" with (force)`)
  } finally {
    await client.end()
  }
}
