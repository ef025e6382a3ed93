/**
 * Runs the gateway package's own test files against a local three-primary Redis Cluster:
 * starts the cluster, runs `pnpm --filter @rushgate/gateway test` with `REDIS_CLUSTER_NODES`
 * pointing at it, and tears the cluster down. `pnpm --filter @rushgate/system-tests test:gateway-on-cluster`
 *
 * The test kit passes REDIS_CLUSTER_NODES from the environment to the gateways it starts and uses a
 * Cluster client for the tests' own reads and key cleanup; a test that gives a gateway a Redis of its
 * own (REDIS_URL) keeps it.
 */
import { spawn } from 'node:child_process'
import { startRedisCluster } from '@rushgate/testkit'
import { REPO_ROOT } from '../support/stack.ts'

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
