/**
 * A local Redis Cluster on loopback ports, created the way the docs do it (`redis-cli --cluster
 * create …`): three primaries, for proving the gateway's keys are cluster-safe (every multi-key
 * command and Lua script stays inside one hash slot); or three primaries with a replica each, quick
 * to fail over, for a test that kills a primary (kill -9) and waits for its replica to take over.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Child, run, startChild } from './child-process.ts'
import { freePort, waitFor } from './ports.ts'
import { rawCommand } from './redis-server.ts'

export interface ClusterOptions {
  /** Primaries (default 3, the fewest a cluster accepts). */
  size?: number
  /** Replicas per primary: 0 (default) or 1. */
  replicas?: 0 | 1
  /**
   * `cluster-node-timeout`: how long a node may not answer before it is failing (default 5000, or
   * 2000 with replicas so that a failover takes a few seconds).
   */
  nodeTimeoutMs?: number
}

/** One node as the cluster describes itself (CLUSTER NODES). */
export interface ClusterNode {
  port: number
  role: 'primary' | 'replica'
  /** A replica's primary. */
  primaryPort: number | null
  /** Flagged `fail` or `fail?` by the node asked. */
  failing: boolean
  /** Slot ranges, [first, last], of a primary. */
  slots: [number, number][]
}

export interface PrivateCluster {
  /** Every node's port. */
  ports: number[]
  /** `host:port,…` of every node, the gateway's `REDIS_CLUSTER_NODES`. */
  nodes: string
  /** The cluster as a live node sees it now. */
  topology(): Promise<ClusterNode[]>
  /** The hash slot of a key (CLUSTER KEYSLOT). */
  keySlot(key: string): Promise<number>
  /** The primary that serves a slot now, and its replica's port (null when it has none). */
  primaryOfSlot(slot: number): Promise<{ port: number; replicaPort: number | null }>
  /** SIGKILL the node on this port: the process vanishes mid-write, as a lost host would. */
  kill(port: number): Promise<void>
  /**
   * Resolves with the new primary's port once every live node names a primary other than `oldPort`
   * (a primary killed by `kill`) for the slots it served, that node says it is a primary, and cluster_state is ok on every
   * live node.
   */
  failedOver(oldPort: number, timeoutMs?: number): Promise<number>
  close(): Promise<void>
}

export async function startRedisCluster(options: number | ClusterOptions = {}): Promise<PrivateCluster> {
  const { size = 3, replicas = 0, nodeTimeoutMs = replicas > 0 ? 2000 : 5000 } =
    typeof options === 'number' ? { size: options } : options
  const dir = await mkdtemp(join(tmpdir(), 'rushgate-cluster-'))
  const ports: number[] = []
  const children = new Map<number, Child>()
  // The cluster bus listens on port + 10000, which must be free too.
  while (ports.length < size * (1 + replicas)) {
    const port = await freePort()
    if (port + 10000 < 65536 && !ports.includes(port)) ports.push(port)
  }
  const alive = () => ports.filter((p) => children.get(p)?.alive())
  const topology = async (): Promise<ClusterNode[]> => {
    let lastError: unknown = new Error('no live node')
    for (const port of alive()) {
      try {
        return parseNodes(await rawCommand(port, ['CLUSTER', 'NODES'], 2000))
      } catch (err) {
        lastError = err
      }
    }
    throw lastError
  }
  const primaryOfSlot = async (slot: number) => {
    const nodes = await topology()
    const primary = nodes.find((n) => n.role === 'primary' && !n.failing && n.slots.some(([a, b]) => slot >= a && slot <= b))
    if (!primary) throw new Error(`no primary serves slot ${slot}`)
    const replica = nodes.find((n) => n.role === 'replica' && n.primaryPort === primary.port && !n.failing)
    return { port: primary.port, replicaPort: replica?.port ?? null }
  }
  /** A slot that each killed primary served, to see who serves it next. */
  const slotOfKilled = new Map<number, number>()
  const clusterOk = async (port: number) => (await rawCommand(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok')

  try {
    for (const port of ports) {
      children.set(
        port,
        startChild('redis-server', [
          '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no',
          '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', String(nodeTimeoutMs), '--save', '', '--appendonly', 'no', '--dir', dir,
        ]),
      )
    }
    for (const port of ports) {
      await waitFor(`cluster node ${port}`, async () => (await rawCommand(port, ['PING'], 300)).startsWith('+PONG'), 10_000, 25)
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'])
    for (const port of ports) await waitFor(`cluster_state:ok on ${port}`, () => clusterOk(port), 15_000, 100)
    if (replicas > 0) {
      await waitFor(
        'a replica in sync with each primary',
        async () => {
          const nodes = await topology()
          const replicaPorts = nodes.filter((n) => n.role === 'replica').map((n) => n.port)
          if (replicaPorts.length < size * replicas) return false
          const infos = await Promise.all(replicaPorts.map((p) => rawCommand(p, ['INFO', 'replication'])))
          return infos.every((info) => info.includes('master_link_status:up'))
        },
        20_000,
        100,
      )
    }
  } catch (err) {
    await Promise.all([...children.values()].map((c) => c.stop('SIGKILL')))
    await rm(dir, { recursive: true, force: true })
    throw new Error(`${(err as Error).message}\n${[...children.values()].map((c) => c.output()).join('\n')}`)
  }
  return {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    topology,
    async keySlot(key) {
      const reply = await rawCommand(alive()[0]!, ['CLUSTER', 'KEYSLOT', key])
      return Number(reply.slice(1).trim())
    },
    primaryOfSlot,
    async kill(port) {
      const node = (await topology()).find((n) => n.port === port)
      if (node?.slots[0]) slotOfKilled.set(port, node.slots[0][0])
      await children.get(port)?.stop('SIGKILL')
    },
    async failedOver(oldPort, timeoutMs = 30_000) {
      const slot = slotOfKilled.get(oldPort)
      if (slot === undefined) throw new Error(`node ${oldPort} was not a primary killed by kill()`)
      let next = 0
      await waitFor(
        `a primary other than ${oldPort} for slot ${slot}, and cluster_state:ok everywhere`,
        async () => {
          const named = await Promise.all(
            alive().map(async (port) => {
              const nodes = parseNodes(await rawCommand(port, ['CLUSTER', 'NODES'], 2000))
              return nodes.find((n) => n.role === 'primary' && !n.failing && n.slots.some(([a, b]) => slot >= a && slot <= b))?.port
            }),
          )
          if (named.some((p) => p === undefined || p === oldPort || p !== named[0])) return false
          next = named[0]!
          if (!(await rawCommand(next, ['ROLE'])).includes('master')) return false
          return (await Promise.all(alive().map(clusterOk))).every(Boolean)
        },
        timeoutMs,
        50,
      )
      return next
    },
    async close() {
      await Promise.all([...children.values()].map((c) => c.stop('SIGKILL')))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** CLUSTER NODES's bulk reply: `<id> <ip:port@bus> <flags> <primary id|-> <ping> <pong> <epoch> <link> <slot>…` per line. */
function parseNodes(reply: string): ClusterNode[] {
  const lines = reply.split('\r\n').slice(1).join('\n').split('\n').filter((l) => /^[0-9a-f]{40} /.test(l))
  const rows = lines.map((line) => {
    const [id, address, flags, primaryId, , , , , ...slots] = line.trim().split(' ')
    const flagList = flags!.split(',')
    return {
      id: id!,
      port: Number(address!.split('@')[0]!.split(':').at(-1)),
      replica: flagList.includes('slave'),
      primaryId: primaryId!,
      failing: flagList.includes('fail') || flagList.includes('fail?'),
      // Ranges `a-b` or single slots; `[…]` entries are slots being migrated.
      slots: slots
        .filter((s) => !s.startsWith('['))
        .map((s): [number, number] => {
          const [a, b] = s.split('-').map(Number)
          return [a!, b ?? a!]
        }),
    }
  })
  const portOf = new Map(rows.map((r) => [r.id, r.port]))
  return rows.map((r) => ({
    port: r.port,
    role: r.replica ? 'replica' : 'primary',
    primaryPort: r.replica ? (portOf.get(r.primaryId) ?? null) : null,
    failing: r.failing,
    slots: r.slots,
  }))
}
