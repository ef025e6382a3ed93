/**
 * The core's latency summaries (src/core/latency.ts): histograms merge exactly, the p95 of a merge is
 * the p95 of everything measured (to the bucket above it, at most 5 % high), and replicas write one
 * summary per concert per window into Redis — however many requests they measured — which a tick
 * reads back merged over the last five windows.
 */
import { clusterNodes, deletePrefix, randomPrefix, testRedis } from '@rushgate/testkit'
import type { FastifyBaseLogger } from 'fastify'
import t from 'tap'
import { bucketOf, bucketUpper, CoreLatency, Histogram, WINDOWS, withLatencyScripts } from '../src/core/latency.ts'
import { createRedis, whenReady } from '../src/redis/client.ts'
import { loadConfig } from '../src/config.ts'
import { RedisKeys } from '../src/redis/keys.ts'

const silent = { warn() {}, error() {}, info() {}, debug() {} } as unknown as FastifyBaseLogger

/** The exact p95 of a list (the smallest value at or above 95 % of them). */
const trueP95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.95) - 1]!

t.test('buckets: every value falls in the bucket whose bound is at or above it, at most 5 % above', async (t) => {
  for (const ms of [0, 0.3, 1, 1.04, 2, 7.5, 99, 100, 101, 799, 800, 801, 5000, 59_999]) {
    const upper = bucketUpper(bucketOf(ms))
    t.ok(upper >= ms && upper <= Math.max(1, Math.ceil(ms * 1.05)), `${ms} ms → ≤ ${upper} ms`)
  }
})

t.test('histograms merge exactly: the p95 of two replicas’ summaries is the p95 of all their requests', async (t) => {
  const a: number[] = Array.from({ length: 500 }, (_, i) => 5 + (i % 50))
  const b: number[] = Array.from({ length: 120 }, (_, i) => 300 + i * 3)
  const ha = new Histogram()
  const hb = new Histogram()
  for (const ms of a) ha.add(ms, false)
  for (const [i, ms] of b.entries()) hb.add(ms, i < 2)
  const merged = new Histogram()
  merged.merge(ha.encode())
  merged.merge(hb.encode())
  const all = new Histogram()
  for (const ms of [...a, ...b]) all.add(ms, false)
  t.same([...merged.counts].sort(), [...all.counts].sort(), 'the same buckets as one histogram of everything')
  t.equal(merged.count, 620)
  t.equal(merged.errors, 2, 'errors add up')
  const exact = trueP95([...a, ...b])
  t.ok(merged.p95()! >= exact && merged.p95()! <= Math.ceil(exact * 1.05), `p95 ${merged.p95()} for an exact ${exact}`)
  t.ok(ha.p95()! < 100, 'one replica alone would have seen a fast core')
  t.equal(new Histogram().p95(), null, 'no request: no p95')
  const junk = new Histogram()
  junk.merge('x;1:2,abc,3:-1,4:')
  t.equal(junk.count, 2, 'an unreadable part is skipped')
})

t.test('one write per replica per concert per window, read back merged over the last five windows', async (t) => {
  const prefix = randomPrefix()
  const config = loadConfig({ LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: prefix, REDIS_CLUSTER_NODES: clusterNodes() })
  const keys = new RedisKeys(prefix)
  const redis = withLatencyScripts(createRedis(config, silent, 'http'))
  const plain = testRedis()
  t.teardown(async () => {
    await deletePrefix(plain, prefix)
    plain.disconnect()
    redis.disconnect()
  })
  t.ok(await whenReady(redis, 3000), 'Redis answers')
  const interval = 1000
  const replicas = [new CoreLatency(redis, keys, interval, silent), new CoreLatency(redis, keys, interval, silent)]
  let calls = 0
  const original = redis.rgRecordLatency.bind(redis)
  redis.rgRecordLatency = (...args) => {
    calls++
    return original(...args)
  }
  const tick = 100_000 * interval
  // Window by window, before the tick: replica 0 fast (10 ms), replica 1 slow (400 ms), a thousand requests each.
  for (let w = 1; w <= WINDOWS + 1; w++) {
    for (let i = 0; i < 1000; i++) {
      replicas[0]!.record(7, 10, false)
      replicas[1]!.record(7, w === 1 ? 2000 : 400, false)
    }
    replicas[1]!.record(8, 50, w === 3)
    for (const r of replicas) await r.flush(tick / interval - (WINDOWS + 2) + w)
  }
  t.equal(calls, 2 * (WINDOWS + 1) + (WINDOWS + 1), 'one call per replica per concert per window, not per request')
  const window = await replicas[0]!.read(7, tick)
  t.equal(window.count, 2000 * WINDOWS, 'the last five windows of both replicas, the one before them left out')
  t.equal(window.p95, bucketUpper(bucketOf(400)), 'the p95 of both together: the slow replica’s')
  t.equal(window.errors, 0)
  const other = await replicas[1]!.read(8, tick)
  t.match(other, { count: WINDOWS, errors: 1 }, 'errors counted per concert')
  t.same(await replicas[0]!.read(9, tick), { p95: null, errors: 0, count: 0 }, 'a concert without requests: no p95')
  const ttl = await plain.pttl(keys.coreLatency(7, tick / interval - 1))
  t.ok(ttl > 0 && ttl <= (WINDOWS + 2) * interval, `a window is kept a few ticks (${ttl} ms)`)
})
