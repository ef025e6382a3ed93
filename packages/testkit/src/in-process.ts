/**
 * The core and the gateway in the test's own process, listening on 127.0.0.1 with a random port:
 * the core on a scratch database of its own, the gateway on a key prefix of its own. `close()` stops
 * each and removes its database or its keys.
 */
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { ADMIN_TOKEN, INTERNAL_TOKEN } from './credentials.ts'
import type { CoreEntry, GatewayEntry } from './entries.ts'
import { clusterNodes, deletePrefix, randomPrefix, testRedis } from './redis-keys.ts'
import { createScratchDatabase, dropScratchDatabase } from './scratch-database.ts'

export interface StartedCore {
  url: string
  internalToken: string
  databaseUrl: string
  app: FastifyInstance
  close(): Promise<void>
}

export interface StartedGateway {
  url: string
  app: FastifyInstance
  prefix: string
  /** A plain client of the gateway's Redis, for the test's own reads. */
  redis: Redis
  close(): Promise<void>
}

export interface GatewayOptions {
  coreUrl: string
  internalToken?: string
  /** Extra environment (ADMIT_INTERVAL_MS, REDIS_URL, …). */
  env?: Record<string, string>
  /** Reuse a prefix (several gateways on one line; its keys are then the caller's to delete); random when absent. */
  prefix?: string
}

/** A close that may be called twice (a test stops a service early, teardown stops it again). */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined
  return () => (closing ??= close())
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

export async function startCore(entry: CoreEntry, opts: { env?: Record<string, string> } = {}): Promise<StartedCore> {
  const databaseUrl = await createScratchDatabase(entry)
  const env = { LOG_LEVEL: 'silent', INTERNAL_TOKEN, ...opts.env, DATABASE_URL: databaseUrl, CORE_PORT: '0' }
  const app = await entry.build(env)
  const url = await listen(app)
  return {
    url,
    internalToken: env.INTERNAL_TOKEN,
    databaseUrl,
    app,
    close: once(async () => {
      await app.close()
      await dropScratchDatabase(databaseUrl)
    }),
  }
}

/**
 * The environment of a test gateway, in-process or a process: the shared Redis (or the cluster of
 * REDIS_CLUSTER_NODES) unless `env` names a Redis (REDIS_URL or REDIS_SENTINELS), a limit no test reaches by accident.
 */
export function gatewayEnvironment(opts: GatewayOptions & { prefix: string }): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: '1000000',
    JOIN_LIMIT_PER_MINUTE: '1000000',
    REDIS_CLUSTER_NODES: opts.env?.REDIS_URL || opts.env?.REDIS_SENTINELS ? '' : clusterNodes(),
    ...opts.env,
    CORE_URL: opts.coreUrl,
    INTERNAL_TOKEN: opts.internalToken ?? INTERNAL_TOKEN,
    REDIS_KEY_PREFIX: opts.prefix,
  }
}

export async function startGateway(entry: GatewayEntry, opts: GatewayOptions): Promise<StartedGateway> {
  const prefix = opts.prefix ?? randomPrefix()
  const app = await entry.build({ ...gatewayEnvironment({ ...opts, prefix }), GATEWAY_PORT: '0' })
  const url = await listen(app)
  const redis = testRedis(opts.env?.REDIS_URL)
  return {
    url,
    app,
    prefix,
    redis,
    close: once(async () => {
      await app.close()
      if (!opts.prefix) await deletePrefix(redis, prefix).catch(() => {})
      redis.disconnect()
    }),
  }
}

export interface StartedStack {
  core: StartedCore
  gateway: StartedGateway
  /** Closes the gateway, then the core. */
  close(): Promise<void>
}

/** A core and a gateway in front of it, both in this process. */
export async function startStack(
  apps: { core: CoreEntry; gateway: GatewayEntry },
  env: { core?: Record<string, string>; gateway?: Record<string, string> } = {},
): Promise<StartedStack> {
  const core = await startCore(apps.core, { env: env.core })
  try {
    const gateway = await startGateway(apps.gateway, { coreUrl: core.url, internalToken: core.internalToken, env: env.gateway })
    return {
      core,
      gateway,
      async close() {
        await gateway.close()
        await core.close()
      },
    }
  } catch (err) {
    await core.close()
    throw err
  }
}
