/**
 * A local three-primary Redis Cluster on loopback ports, created the way the docs do it
 * (`redis-cli --cluster create … --cluster-replicas 0`), for proving the gateway's keys are
 * cluster-safe: every multi-key command and Lua script must stay inside one hash slot.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Child, run, startChild } from './child-process.ts'
import { freePort, waitFor } from './ports.ts'
import { rawCommand } from './redis-server.ts'

export interface PrivateCluster {
  ports: number[]
  /** `host:port,host:port,host:port`, the gateway's `REDIS_CLUSTER_NODES`. */
  nodes: string
  close(): Promise<void>
}

export async function startRedisCluster(size = 3): Promise<PrivateCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'rushgate-cluster-'))
  const ports: number[] = []
  const children: Child[] = []
  // The cluster bus listens on port + 10000, which must be free too.
  while (ports.length < size) {
    const port = await freePort()
    if (port + 10000 < 65536 && !ports.includes(port)) ports.push(port)
  }
  try {
    for (const port of ports) {
      children.push(
        startChild('redis-server', [
          '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no',
          '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', dir,
        ]),
      )
    }
    for (const port of ports) {
      await waitFor(`cluster node ${port}`, async () => (await rawCommand(port, ['PING'], 300)).startsWith('+PONG'), 10_000, 25)
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
    for (const port of ports) {
      await waitFor(`cluster_state:ok on ${port}`, async () => (await rawCommand(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'), 15_000, 100)
    }
  } catch (err) {
    await Promise.all(children.map((c) => c.stop('SIGKILL')))
    await rm(dir, { recursive: true, force: true })
    throw new Error(`${(err as Error).message}\n${children.map((c) => c.output()).join('\n')}`)
  }
  return {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    async close() {
      await Promise.all(children.map((c) => c.stop('SIGKILL')))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
