/** Prefix cleanup deletes a gateway's keys (its own and BullMQ's), on every primary, and nothing else. */
import { Cluster, Redis } from 'ioredis'
import t from 'tap'
import { deletePrefix } from '../src/redis-keys.ts'
import { startRedisCluster } from '../src/redis-cluster.ts'
import { startRedis } from '../src/redis-server.ts'

const mine = ['gw1:concerts', 'gw1:{c:1}:waiting', 'gw1:{c:2}:active', '{gw1-bull}:admission:meta']
const theirs = ['gw10:concerts', 'other:{c:1}:waiting', '{gw10-bull}:admission:meta', 'gw1']

t.test('on one Redis, the prefix goes and every other key stays', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.close())
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  for (const key of [...mine, ...theirs]) await redis.set(key, '1')
  t.equal(await deletePrefix(redis, 'gw1'), mine.length)
  t.same((await redis.keys('*')).sort(), [...theirs].sort())
})

t.test('on a Redis Cluster, the prefix goes from every primary', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.close())
  const redis = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })))
  t.teardown(() => redis.disconnect())
  const many = Array.from({ length: 30 }, (_, i) => `gw1:{c:${i}}:seq`)
  for (const key of [...many, ...mine, ...theirs]) await redis.set(key, '1')
  const holding = await Promise.all(redis.nodes('master').map(async (node) => (await node.keys('gw1:*')).length))
  t.ok(holding.filter((n) => n > 0).length > 1, `the prefix's keys are spread over the primaries: ${holding}`)
  t.equal(await deletePrefix(redis, 'gw1'), many.length + mine.length)
  const left = (await Promise.all(redis.nodes('master').map((node) => node.keys('*')))).flat()
  t.same(left.sort(), [...theirs].sort())
})
