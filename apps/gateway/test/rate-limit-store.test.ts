/**
 * The shared rate-limit store on its own, against the real Redis: what it writes, when, and how
 * far several replicas counting together can overshoot the limit.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { awayFromWindowEdge, testRedis } from '@rushgate/testkit'
import { withRateLimitScripts } from '../src/rate-limit/scripts.ts'
import { LOCAL_SHARE, SEND_SHARE, SHARE_AFTER, sharedRateLimitStore } from '../src/rate-limit/store.ts'

const WINDOW_MS = 60_000
const prefix = `rgtest-rl-${randomBytes(4).toString('hex')}`
const redis = withRateLimitScripts(testRedis())
const used = new Set<string>()
t.teardown(async () => {
  // By name, one at a time: on a Redis Cluster the windows' keys live on different nodes.
  for (const key of used) await redis.del(key)
  redis.disconnect()
})

/** A replica's store, as the plugin builds it. */
function replica() {
  const Store = sharedRateLimitStore({ redis, windowKey, onError: () => {} })
  return new Store({ timeWindow: WINDOW_MS })
}

type Store = ReturnType<typeof replica>

function count(store: Store, caller: string, max: number): Promise<number> {
  return new Promise((resolve, reject) =>
    store.incr(caller, (err, result) => (err || !result ? reject(err) : resolve(result.current)), WINDOW_MS, max),
  )
}

const flushed = () => new Promise((r) => setTimeout(r, 80))
function windowKey(window = Math.floor(Date.now() / WINDOW_MS)): string {
  const key = `${prefix}:rl:${window}`
  used.add(key)
  return key
}

t.test('a caller far from the limit costs Redis nothing until a SEND_SHARE-th of it is unsent; then that is sent', async (t) => {
  await awayFromWindowEdge()
  const store = replica()
  const max = 1000
  const batch = Math.ceil(max / SEND_SHARE)
  t.ok(batch > SHARE_AFTER, 'the batch is larger than what LightCounts keeps')
  for (let i = 1; i < batch; i++) t.equal(await count(store, 'poller', max), i)
  await flushed()
  t.equal(await redis.hget(windowKey(), 'poller'), null, `nothing written for a caller with fewer than ${batch} requests`)
  t.equal(await count(store, 'poller', max), batch)
  await flushed()
  t.equal(await redis.hget(windowKey(), 'poller'), String(batch), 'every request counted so far is sent at once')
})

t.test('a burst over three replicas at once: the overshoot stays within (replicas - 1) x max / LOCAL_SHARE', async (t) => {
  await awayFromWindowEdge()
  const max = 30
  const replicas = [replica(), replica(), replica()]
  // Round-robin like a load balancer, many requests in flight at once.
  const answers = await Promise.all(
    Array.from({ length: 90 }, (_, i) => count(replicas[i % replicas.length]!, 'spread', max)),
  )
  const allowed = answers.filter((current) => current <= max).length
  t.ok(allowed >= max, `at least the limit passes (${allowed})`)
  t.ok(allowed <= max + (replicas.length - 1) * Math.ceil(max / LOCAL_SHARE), `at most the bound more (${allowed})`)
  await flushed()
  // What a replica still holds is under its batch: fewer than max / SEND_SHARE requests.
  const shared = Number(await redis.hget(windowKey(), 'spread'))
  const held = replicas.length * (Math.ceil(max / SEND_SHARE) - 1)
  t.ok(shared <= 90 && shared >= 90 - held, `the shared count misses at most what the replicas hold unsent (${shared} of 90)`)
})
