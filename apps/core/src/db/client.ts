/**
 * The pg pool and the Drizzle handle on it. Timeouts are short on purpose: when Postgres is down or
 * stuck, a request fails within a second or two (503 UPSTREAM_UNAVAILABLE) instead of hanging, and
 * the pool reconnects by itself once Postgres is back.
 */
import { drizzle, type NodePgDatabase, type NodePgTransaction } from 'drizzle-orm/node-postgres'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import pg from 'pg'
import * as schema from './schema.ts'

/** Waiting for a connection (new, or free in the pool) longer than this fails the request. */
export const CONNECT_TIMEOUT_MS = 1500
/** Server-side cap on one statement, lock waits included. */
export const STATEMENT_TIMEOUT_MS = 2000
/** Client-side backstop for a server that accepted the query and went silent. */
export const QUERY_TIMEOUT_MS = 3000
/** Creating a concert writes up to 100,000 places a date (a few seconds on a loaded machine): its own pool and time. */
export const BULK_STATEMENT_TIMEOUT_MS = 30_000
const BULK_POOL_MAX = 2
/**
 * The line's own connection: the admission tick's inventory read (and the line's settings) must not
 * wait behind a rush of holds and payments for one of the main pool's connections, or a sellout is
 * noticed seconds late and adaptive admission reads a stale count.
 */
const LINE_POOL_MAX = 1

// int8 (bigint, count(*), sum()) arrives as a string by default. Every int8 here is money or a count
// far below 2^53, so it is read as a number. https://node-postgres.com/features/types
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

export type Db = NodePgDatabase<typeof schema>
export type Tx = NodePgTransaction<typeof schema, ExtractTablesWithRelations<typeof schema>>
/** Anything queries can run on: the database or an open transaction. */
export type Executor = Db | Tx

export interface Database {
  pool: pg.Pool
  db: Db
  /** For the few large writes (creating a concert): a small pool whose statements may take BULK_STATEMENT_TIMEOUT_MS. */
  bulkPool: pg.Pool
  bulk: Db
  /** For the gateways' internal reads and writes of the line (inventory, settings): a pool of its own. */
  linePool: pg.Pool
  line: Db
}

export function createPool(databaseUrl: string, max: number, onError?: (err: Error) => void, statementTimeoutMs = STATEMENT_TIMEOUT_MS): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + (QUERY_TIMEOUT_MS - STATEMENT_TIMEOUT_MS),
    idleTimeoutMillis: 30_000,
    application_name: 'rushgate-core',
  })
  // An idle client losing its connection (Postgres restarted) must not crash the process.
  pool.on('error', (err) => onError?.(err))
  // A checked-out client whose connection dies between queries emits 'error' on the client, where
  // the pool has no listener: without this one, a Postgres crash mid-transaction kills the process.
  pool.on('connect', (client) => {
    client.on('error', (err) => onError?.(err))
  })
  return pool
}

export function createDatabase(databaseUrl: string, max: number, onError?: (err: Error) => void): Database {
  const pool = createPool(databaseUrl, max, onError)
  const bulkPool = createPool(databaseUrl, BULK_POOL_MAX, onError, BULK_STATEMENT_TIMEOUT_MS)
  const linePool = createPool(databaseUrl, LINE_POOL_MAX, onError)
  return {
    pool,
    db: drizzle({ client: pool, schema, casing: 'snake_case' }),
    bulkPool,
    bulk: drizzle({ client: bulkPool, schema, casing: 'snake_case' }),
    linePool,
    line: drizzle({ client: linePool, schema, casing: 'snake_case' }),
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '57014', // query_canceled: statement_timeout
  '53300', // too_many_connections
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
])

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
  'Connection closed',
]

/** True for errors that mean "Postgres is unreachable or too slow", answered with a 503. */
export function isDbUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as { code?: unknown; message?: unknown; errors?: unknown[]; cause?: unknown }
    if (typeof x.code === 'string' && UNAVAILABLE_CODES.has(x.code)) return true
    if (typeof x.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => (x.message as string).includes(m))) return true
    // AggregateError from a dual-stack connect attempt.
    if (Array.isArray(x.errors) && x.errors.some((inner) => isDbUnavailable(inner))) return true
    e = x.cause
  }
  return false
}
