/**
 * The system under test, as the fault suite runs it: the kit's processes on the apps' entry points,
 * with admission ticks fast enough (100 ms, 100 a tick) that a test waits little for a turn. Names
 * are unique per test file, so files run in parallel on the shared Postgres and Redis.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import {
  createScratchDatabase,
  dropScratchDatabase,
  type ServiceOptions,
  type ServiceProcess,
  type SpawnGatewayOptions,
  scratchName,
  spawnCore as spawnCoreProcess,
  spawnGateway as spawnGatewayProcess,
  spawnStack,
} from '@rushgate/testkit'

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
// A second's grace after a loss of Redis data (REBUILD_GRACE_MS), not 15: the fault tests wait for admission.
const FAST_ADMISSION = { ADMIT_INTERVAL_MS: '100', ADMIT_BATCH: '100', REBUILD_GRACE_MS: '1000' }

/** A migrated database of its own for a test file; `drop()` it in teardown. */
export async function scratchDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const url = await createScratchDatabase(coreEntry, scratchName(label))
  return { url, drop: () => dropScratchDatabase(url) }
}

export function spawnCore(databaseUrl: string, env: Record<string, string> = {}, options?: ServiceOptions): Promise<ServiceProcess> {
  return spawnCoreProcess(coreEntry, databaseUrl, env, options)
}

export function spawnGateway(g: Omit<SpawnGatewayOptions, 'internalToken'>, options?: ServiceOptions): Promise<ServiceProcess> {
  return spawnGatewayProcess(gatewayEntry, { ...g, env: { ...FAST_ADMISSION, ...g.env } }, options)
}

/**
 * A core on a scratch database and a gateway on a fresh prefix of the shared Redis, both real
 * processes; `teardown` (tap's `t.teardown`) kills them and removes the database and the keys.
 */
export async function startStack(teardown: (fn: () => Promise<void>) => void, label: string, coreEnv: Record<string, string> = {}) {
  const stack = await spawnStack({ core: coreEntry, gateway: gatewayEntry }, { databaseName: scratchName(label), coreEnv, gatewayEnv: FAST_ADMISSION })
  teardown(stack.stop)
  return { db: { url: stack.databaseUrl }, core: stack.core, gateway: stack.gateway, prefix: stack.prefix }
}
