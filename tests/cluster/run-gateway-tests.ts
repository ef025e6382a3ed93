/**
 * Runs the gateway package's own test files against a local three-primary Redis Cluster:
 * starts the cluster, runs `pnpm --filter @rushgate/gateway test` with `REDIS_CLUSTER_NODES`
 * pointing at it, and tears the cluster down. `pnpm --filter @rushgate/system-tests test:gateway-on-cluster`
 *
 * The gateway's test-support must pass REDIS_CLUSTER_NODES from the environment to the gateways it
 * starts and use a Cluster client for its own reads and key cleanup; files that kill their own
 * private Redis do not apply to a cluster and should skip themselves when it is set.
 */
import { spawn } from 'node:child_process'
import { startRedisCluster } from '../support/cluster.ts'
import { REPO_ROOT } from '../support/services.ts'

const cluster = await startRedisCluster()
console.log(`Redis Cluster up: ${cluster.nodes}`)
const extra = process.argv.slice(2)
const child = spawn('pnpm', ['--filter', '@rushgate/gateway', 'test', ...extra], {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  env: { ...process.env, REDIS_CLUSTER_NODES: cluster.nodes },
})
const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)))
await cluster.close()
process.exit(code)
