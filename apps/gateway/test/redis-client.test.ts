/**
 * The HTTP-path Redis connection coalesces writes: the commands sent in one turn of the event loop
 * leave in one socket write, and each still gets its own answer. Real Redis (or the local Redis
 * Cluster when REDIS_CLUSTER_NODES is set, where every node connection must do the same); the keys
 * are this file's own and share one hash tag, so on a cluster they live on one node.
 */
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { Cluster, type Redis } from 'ioredis'
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { createRedis, type RedisClient, whenReady } from '../src/redis/client.ts'

const prefix = `rgtest-client-${randomBytes(4).toString('hex')}:{client}`
// REDIS_URL or REDIS_CLUSTER_NODES from the environment, as the gateway reads them.
const config = loadConfig(process.env)
const log = Fastify({ logger: { level: 'silent' } }).log

/** The open connections that carry the commands: the one, or each node of a cluster connected so far. */
const connections = (redis: RedisClient): Redis[] =>
  (redis instanceof Cluster ? redis.nodes('all') : [redis]).filter((connection) => connection.stream)

/** Counts the socket writes of every connection from now on: Writable calls _write for one chunk, _writev for several. */
function countWrites(redis: RedisClient): () => number {
  let writes = 0
  for (const connection of connections(redis)) {
    const socket = connection.stream as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method]!.bind(socket)
      socket[method] = (...args: unknown[]) => {
        writes++
        original(...args)
      }
    }
  }
  return () => writes
}

t.test('commands of one turn leave in one write and each gets its own answer', async (t) => {
  const redis = createRedis(config, log, 'http')
  const keys = Array.from({ length: 200 }, (_, i) => `${prefix}:${i}`)
  t.teardown(async () => {
    await redis.del(...keys)
    redis.disconnect()
  })
  t.ok(await whenReady(redis, 3000), 'connected')
  // Also connects the node that serves the keys, on a cluster.
  await Promise.all(keys.map((key, i) => redis.set(key, String(i))))

  let writes = countWrites(redis)
  const values = await Promise.all(keys.map((key) => redis.get(key)))
  t.same(values, keys.map((_, i) => String(i)), 'every GET answered with its own key')
  t.equal(writes(), 1, '200 commands, one socket write')

  // Commands of separate turns still go out (a turn without commands leaves nothing corked).
  writes = countWrites(redis)
  for (const [i, key] of keys.slice(0, 3).entries()) t.equal(await redis.get(key), String(i))
  t.equal(writes(), 3, 'one write per turn')
})
