/** The core and the gateway as processes, with the environment the kit gives every test stack. */
import { INTERNAL_TOKEN } from './credentials.ts'
import type { CoreEntry, GatewayEntry } from './entries.ts'
import { type GatewayOptions, gatewayEnvironment } from './in-process.ts'
import { deletePrefix, randomPrefix, testRedis } from './redis-keys.ts'
import { createScratchDatabase, dropScratchDatabase } from './scratch-database.ts'
import { type ServiceOptions, type ServiceProcess, spawnService } from './service-process.ts'

export function spawnCore(
  entry: CoreEntry,
  databaseUrl: string,
  env: Record<string, string> = {},
  options?: ServiceOptions,
): Promise<ServiceProcess> {
  const full = { INTERNAL_TOKEN, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env, DATABASE_URL: databaseUrl }
  return spawnService('core', entry.serverFile, 'CORE_PORT', full, options)
}

export interface SpawnGatewayOptions extends GatewayOptions {
  prefix: string
  /** `REDIS_URL`; or `clusterNodes` for `REDIS_CLUSTER_NODES`. */
  redisUrl?: string
  clusterNodes?: string
}

export function spawnGateway(entry: GatewayEntry, opts: SpawnGatewayOptions, options?: ServiceOptions): Promise<ServiceProcess> {
  const redis: Record<string, string> = opts.clusterNodes
    ? { REDIS_CLUSTER_NODES: opts.clusterNodes }
    : opts.redisUrl
      ? { REDIS_URL: opts.redisUrl }
      : {}
  const env = gatewayEnvironment({ ...opts, env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...redis, ...opts.env } })
  return spawnService('gateway', entry.serverFile, 'GATEWAY_PORT', env, options)
}

export interface SpawnedStack {
  databaseUrl: string
  core: ServiceProcess
  gateway: ServiceProcess
  prefix: string
  /** Stops both processes (SIGTERM, so profiles get written) and removes the database and the keys. */
  stop(): Promise<void>
}

export interface SpawnStackOptions {
  /** The scratch database's name (default `rg_test_<label>_<random>`). */
  databaseName?: string
  /** The gateway's key prefix (default random). */
  prefix?: string
  redisUrl?: string
  coreEnv?: Record<string, string>
  gatewayEnv?: Record<string, string>
  internalToken?: string
  /** How both services are run (profiles, CPUs, NODE_ENV, …). */
  service?: ServiceOptions
  /** Kill (default) or terminate on stop. */
  stopSignal?: 'SIGKILL' | 'SIGTERM'
  /** Where the gateway reaches the core, given the core's URL (a proxy in between, say); the core itself by default. */
  coreUrlForGateway?: (coreUrl: string) => Promise<string>
}

/** A core on a scratch database and a gateway on a fresh prefix of the shared Redis, both real processes. */
export async function spawnStack(apps: { core: CoreEntry; gateway: GatewayEntry }, opts: SpawnStackOptions = {}): Promise<SpawnedStack> {
  const databaseUrl = await createScratchDatabase(apps.core, opts.databaseName)
  const prefix = opts.prefix ?? randomPrefix()
  const internalToken = opts.internalToken ?? INTERNAL_TOKEN
  const started: ServiceProcess[] = []
  const stop = async () => {
    await Promise.allSettled(started.map((s) => (opts.stopSignal === 'SIGTERM' ? s.terminate() : s.kill())))
    await dropScratchDatabase(databaseUrl)
    const redis = testRedis(opts.redisUrl)
    try {
      await deletePrefix(redis, prefix)
    } finally {
      redis.disconnect()
    }
  }
  try {
    const core = await spawnCore(apps.core, databaseUrl, { INTERNAL_TOKEN: internalToken, ...opts.coreEnv }, opts.service)
    started.push(core)
    const coreUrl = opts.coreUrlForGateway ? await opts.coreUrlForGateway(core.url) : core.url
    const gateway = await spawnGateway(
      apps.gateway,
      { coreUrl, internalToken, prefix, redisUrl: opts.redisUrl, env: opts.gatewayEnv },
      opts.service,
    )
    started.push(gateway)
    return { databaseUrl, core, gateway, prefix, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
