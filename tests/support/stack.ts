/**
 * The system under test, assembled from processes: a core on a database of its own and gateways on
 * a Redis (or Redis Cluster) of the test's choosing. Names are unique per test file so files run in
 * parallel on the shared Postgres and Redis.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import pg from 'pg'
import { spawnService, type ServiceProcess, type SpawnOptions } from './services.ts'

export const INTERNAL_TOKEN = 'system-tests-internal-token-0123456789'
export const ADMIN_TOKEN = 'system-tests-admin-token-0123456789'
export const SHARED_POSTGRES = 'postgres://postgres@127.0.0.1:5432'
export const SHARED_REDIS = 'redis://127.0.0.1:6379'

/** A name nobody else uses: `<label>_<pid>_<random>`, valid as a database name and a key prefix. */
export function uniqueName(label: string): string {
  return `${label}_${process.pid}_${randomBytes(3).toString('hex')}`.toLowerCase()
}

/** A fresh database on the shared Postgres (the core creates and migrates it at start); drop it after. */
export function scratchDatabase(label: string): { url: string; drop(): Promise<void> } {
  const name = uniqueName(`rg_sys_${label}`)
  return {
    url: `${SHARED_POSTGRES}/${name}`,
    async drop() {
      const client = new pg.Client({ connectionString: `${SHARED_POSTGRES}/postgres` })
      await client.connect()
      try {
        await client.query(`drop database if exists "${name}" with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}

export function spawnCore(databaseUrl: string, env: Record<string, string> = {}, options?: SpawnOptions): Promise<ServiceProcess> {
  return spawnService('core', { DATABASE_URL: databaseUrl, INTERNAL_TOKEN, LOG_LEVEL: 'warn', ...env }, options)
}

export interface GatewayEnv {
  coreUrl: string
  /** `REDIS_URL`; or `clusterNodes` for `REDIS_CLUSTER_NODES`. */
  redisUrl?: string
  clusterNodes?: string
  prefix: string
  env?: Record<string, string>
}

export function gatewayEnv(g: GatewayEnv): Record<string, string> {
  return {
    CORE_URL: g.coreUrl,
    ...(g.clusterNodes ? { REDIS_CLUSTER_NODES: g.clusterNodes } : { REDIS_URL: g.redisUrl ?? SHARED_REDIS }),
    REDIS_KEY_PREFIX: g.prefix,
    INTERNAL_TOKEN,
    ADMIN_TOKEN,
    ADMIT_INTERVAL_MS: '100',
    ADMIT_BATCH: '100',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    ...g.env,
  }
}

export function spawnGateway(g: GatewayEnv, options?: SpawnOptions): Promise<ServiceProcess> {
  return spawnService('gateway', gatewayEnv(g), options)
}

/** Deletes every key of a gateway prefix (the line's and BullMQ's) with SCAN, never FLUSH. */
export async function dropPrefix(prefix: string, url = SHARED_REDIS): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => {})
  try {
    for (const pattern of [`${prefix}:*`, `{${prefix}-bull}:*`]) {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
        cursor = next
        if (keys.length > 0) await redis.del(...keys)
      } while (cursor !== '0')
    }
  } finally {
    redis.disconnect()
  }
}

export interface SystemStack {
  db: { url: string }
  core: ServiceProcess
  gateway: ServiceProcess
  prefix: string
}

/**
 * A core on a scratch database and a gateway on a fresh prefix of the shared Redis, both real
 * processes; `teardown` (tap's `t.teardown`) kills them and removes the database and the keys.
 */
export async function startStack(
  teardown: (fn: () => Promise<void>) => void,
  label: string,
  coreEnv: Record<string, string> = {},
): Promise<SystemStack> {
  const db = scratchDatabase(label)
  const core = await spawnCore(db.url, coreEnv)
  const prefix = uniqueName(`rg_${label.replace(/_/g, '')}`)
  const gateway = await spawnGateway({ coreUrl: core.url, prefix })
  teardown(async () => {
    await gateway.kill()
    await core.kill()
    await db.drop()
    await dropPrefix(prefix)
  })
  return { db, core, gateway, prefix }
}
