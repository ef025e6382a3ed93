/**
 * Starts a real core for tests: a fresh database `rg_test_<random>` on the local Postgres, migrated,
 * and the app listening on 127.0.0.1 with a random port. `close()` stops it and drops the database.
 * Used by the core's own tests and by the gateway's.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { DEFAULT_DATABASE_URL, loadConfig } from '../src/config.ts'
import { maintenanceUrl, runMigrations } from '../src/db/migrate.ts'

export { assertInvariants, type InvariantReport } from './invariants.ts'

export interface StartedCore {
  url: string
  internalToken: string
  databaseUrl: string
  app: FastifyInstance
  close(): Promise<void>
}

/** The server the test databases are created on: TEST_DATABASE_URL, else DATABASE_URL, else local. */
export function baseDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL
}

export async function createTestDatabase(): Promise<string> {
  const url = new URL(baseDatabaseUrl())
  url.pathname = `/rg_test_${randomBytes(6).toString('hex')}`
  const databaseUrl = url.toString()
  await runMigrations(databaseUrl)
  return databaseUrl
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1)
  if (!name.startsWith('rg_test_')) throw new Error(`refusing to drop ${name}: not a test database`)
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) })
  await client.connect()
  try {
    await client.query(`drop database if exists "${name}" with (force)`)
  } finally {
    await client.end()
  }
}

export async function startCore(opts: { env?: Record<string, string> } = {}): Promise<StartedCore> {
  const databaseUrl = await createTestDatabase()
  const config = loadConfig({ LOG_LEVEL: 'silent', ...opts.env, DATABASE_URL: databaseUrl, CORE_PORT: '0' })
  const app = await buildApp(config)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  let closed = false
  return {
    url: `http://127.0.0.1:${port}`,
    internalToken: config.internalToken,
    databaseUrl,
    app,
    async close() {
      if (closed) return
      closed = true
      await app.close()
      await dropTestDatabase(databaseUrl)
    },
  }
}

export interface ConcertSpec {
  title?: string
  venue?: string
  schedules?: { startsAt?: string; seats?: number; price?: number }[]
}

export interface CreatedConcertInfo {
  id: number
  title: string
  venue: string
  schedules: { id: number; startsAt: string; totalSeats: number; price: number }[]
}

/** Creates a concert through the admin route (default: one date, 10 seats at 1000 won). */
export async function createConcert(core: StartedCore, spec: ConcertSpec = {}): Promise<CreatedConcertInfo> {
  const schedules = (spec.schedules ?? [{}]).map((s, i) => ({
    startsAt: s.startsAt ?? new Date(Date.UTC(2030, 0, 1 + i, 19)).toISOString(),
    seats: s.seats ?? 10,
    price: s.price ?? 1000,
  }))
  const res = await core.app.inject({
    method: 'POST',
    url: '/api/admin/concerts',
    headers: { 'x-internal-token': core.internalToken },
    payload: { title: spec.title ?? 'Test concert', venue: spec.venue ?? 'Test hall', schedules },
  })
  if (res.statusCode !== 201) throw new Error(`creating a concert failed: ${res.statusCode} ${res.body}`)
  return res.json() as CreatedConcertInfo
}
