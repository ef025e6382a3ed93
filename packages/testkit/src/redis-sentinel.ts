/**
 * A private Redis watched by Sentinel on loopback ports: a primary, a replica of it and three
 * Sentinels (`redis-server <conf> --sentinel`, quorum 2), quick to fail over (a primary unanswering
 * for 1 s is down). A test kills the primary (kill -9) and the Sentinels promote the replica, as in
 * a deployment that lost its Redis host; the killed node may come back, as a replica of the new one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Child, startChild } from './child-process.ts'
import { freePort, waitFor } from './ports.ts'
import { type PrivateRedis, rawCommand, startRedis } from './redis-server.ts'

export interface PrivateSentinel {
  /** The primary's name at the Sentinels (`REDIS_SENTINEL_NAME`). */
  name: string
  /** `127.0.0.1:port,…` of the three Sentinels (`REDIS_SENTINELS`). */
  sentinels: string
  /** The two data nodes, the first started as the primary. */
  nodes: PrivateRedis[]
  /** The node a Sentinel names the primary now. */
  primary(): Promise<PrivateRedis>
  /** Kills (SIGKILL) the current primary and returns it; the Sentinels fail over on their own. */
  killPrimary(): Promise<PrivateRedis>
  /** Resolves once every Sentinel names a primary other than `old` and that node says it is one. */
  failedOver(old: PrivateRedis, timeoutMs?: number): Promise<PrivateRedis>
  close(): Promise<void>
}

const NAME = 'mymaster'
const DOWN_AFTER_MS = 1000

export async function startRedisSentinel(): Promise<PrivateSentinel> {
  const primary = await startRedis()
  const replica = await startRedis({ replicaOf: primary.port })
  const nodes = [primary, replica]
  const dir = await mkdtemp(join(tmpdir(), 'rushgate-sentinel-'))
  const sentinels: { port: number; child: Child }[] = []
  try {
    await waitFor('the replica in sync', async () => (await replica.command('INFO', 'replication')).includes('master_link_status:up'), 10_000, 50)
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      // Sentinel rewrites its file (the replicas and Sentinels it learns), so each has its own.
      const conf = join(dir, `sentinel-${port}.conf`)
      await writeFile(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${NAME} 10000`,
          `sentinel parallel-syncs ${NAME} 1`,
          '',
        ].join('\n'),
      )
      sentinels.push({ port, child: startChild('redis-server', [conf, '--sentinel']) })
    }
    // Each Sentinel has found the replica and the other two: a failover can be agreed.
    for (const { port } of sentinels) {
      await waitFor(
        `sentinel on ${port} sees the replica and its peers`,
        async () => {
          const info = await rawCommand(port, ['INFO', 'sentinel'], 500)
          return /slaves=1,sentinels=3/.test(info)
        },
        20_000,
        100,
      )
    }
  } catch (err) {
    await Promise.all([...sentinels.map((s) => s.child.stop('SIGKILL')), ...nodes.map((n) => n.close())])
    await rm(dir, { recursive: true, force: true })
    throw new Error(`${(err as Error).message}\n${sentinels.map((s) => s.child.output()).join('\n')}`)
  }

  const named = async (port: number): Promise<number> => {
    const reply = await rawCommand(port, ['SENTINEL', 'get-master-addr-by-name', NAME], 3000)
    // *2 $9 127.0.0.1 $5 PORT
    return Number(reply.trim().split('\r\n').at(-1))
  }
  const byPort = (port: number) => {
    const node = nodes.find((n) => n.port === port)
    if (!node) throw new Error(`no node on ${port}`)
    return node
  }
  const primaryNow = async () => byPort(await named(sentinels[0]!.port))
  return {
    name: NAME,
    sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    nodes,
    primary: primaryNow,
    async killPrimary() {
      const node = await primaryNow()
      await node.kill()
      return node
    },
    async failedOver(old, timeoutMs = 30_000) {
      let next: PrivateRedis | null = null
      await waitFor(
        'a new primary named by every Sentinel',
        async () => {
          const ports = await Promise.all(sentinels.map((s) => named(s.port)))
          if (ports.some((p) => p !== ports[0] || p === old.port)) return false
          next = byPort(ports[0]!)
          return (await next.command('ROLE')).includes('master')
        },
        timeoutMs,
        100,
      )
      return next!
    },
    async close() {
      await Promise.all(sentinels.map((s) => s.child.stop('SIGKILL')))
      await Promise.all(nodes.map((n) => n.close()))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
