/**
 * Test files share one Redis (or one Redis Cluster) by giving every gateway a key prefix of its own,
 * and clean up by deleting that prefix: SCAN + UNLINK on every primary, never FLUSH.
 */
import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'

export const SHARED_REDIS = 'redis://127.0.0.1:6379'

/** A name nobody else uses, `<label>_<pid>_<random>`: valid as a key prefix and as a database name. */
export function randomPrefix(label = 'rgt'): string {
  return `${label}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase()
}

/**
 * `REDIS_CLUSTER_NODES` of this process. When it is set (the system tests' cluster run sets it for the
 * gateway suite), gateways and test clients use that cluster unless a test gives its own REDIS_URL.
 */
export function clusterNodes(): string {
  return process.env.REDIS_CLUSTER_NODES ?? ''
}

/**
 * A client of `url`, or else of the Redis the tests' gateways use: the cluster, or the shared local one.
 * A Cluster client answers the single-slot commands tests send like a plain one, hence the cast.
 */
export function testRedis(url?: string): Redis {
  const nodes = url ? '' : clusterNodes()
  const client = nodes
    ? (new Cluster(
        nodes.split(',').map((n) => {
          const [host, port] = n.split(':')
          return { host: host!, port: Number(port) }
        }),
      ) as unknown as Redis)
    : new Redis(url ?? SHARED_REDIS, { maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  return client
}

/**
 * Deletes every key of a gateway prefix (the line's `<prefix>:…` and BullMQ's `{<prefix>-bull}:…`) on
 * every primary; `redis` is a client, or a URL to open one for this. Returns how many keys went.
 */
export async function deletePrefix(redis: Redis | Cluster | string, prefix: string): Promise<number> {
  const client = typeof redis === 'string' ? testRedis(redis) : redis
  let deleted = 0
  try {
    const nodes = client instanceof Cluster ? client.nodes('master') : [client]
    for (const node of nodes) {
      for (const pattern of [`${prefix}:*`, `{${prefix}-bull}:*`]) {
        let cursor = '0'
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
          cursor = next
          // One key per command (pipelined): on a cluster node, keys of different concerts sit in different slots.
          const results = await node.pipeline(keys.map((key) => ['unlink', key])).exec()
          for (const [err, n] of results ?? []) if (!err) deleted += Number(n)
        } while (cursor !== '0')
      }
    }
  } finally {
    if (typeof redis === 'string') client.disconnect()
  }
  return deleted
}
