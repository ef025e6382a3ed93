/**
 * The line's history (GET /api/admin/queues/:id/history): samples written by the real admission
 * tick into Redis, the same answer from two replicas, counts that add up to the line's totals,
 * aggregation past 1,440 samples, and the route's refusals.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import {
  ADMIN_TOKEN,
  admin,
  call,
  clusterNodes,
  createConcert,
  deletePrefix,
  enter,
  queueStats,
  randomPrefix,
  setQueue,
  startCore,
  startGateway,
  testRedis,
  waitFor,
} from '@rushgate/testkit'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { gatewayEntry } from '../entry-points.ts'
import { sharedDeployment } from './helpers.ts'

const INTERVAL_MS = 100

interface Sample {
  at: string
  waiting: number
  active: number
  admitted: number
  abandoned: number
  effectiveAdmitPerTick: number
  coreP95Ms: number | null
}

const history = async (url: string, concertId: number, query = ''): Promise<Sample[]> => {
  const res = await call(url, 'GET', `/api/admin/queues/${concertId}/history${query}`, { headers: admin })
  if (res.status !== 200) throw new Error(`history answered ${res.status}: ${JSON.stringify(res.body)}`)
  return res.body as Sample[]
}

t.test('the tick records one sample per tick, the same on two replicas', async (t) => {
  const { core, prefix } = await sharedDeployment(t)
  const env = { ADMIT_INTERVAL_MS: String(INTERVAL_MS), ADMIT_BATCH: '2' }
  const opts = { coreUrl: core.url, internalToken: core.internalToken, prefix, env }
  const [a, b] = [await startGateway(gatewayEntry, opts), await startGateway(gatewayEntry, opts)]
  t.teardown(() => Promise.all([a.close(), b.close()]))

  const concert = await createConcert(a.url)
  await setQueue(a.url, concert.id, { paused: true })
  for (let i = 0; i < 10; i++) await enter(i % 2 ? a.url : b.url, concert.id, `fan-${i}`)
  // A few paused ticks with the whole line waiting.
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 3))
  await setQueue(b.url, concert.id, { paused: false })
  await waitFor('everyone admitted', async () => (await queueStats(a.url, concert.id)).body.waiting === 0)
  // A few more ticks after the last admission, so both replicas have seen it recorded.
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 4))

  const [fromA, fromB] = await Promise.all([history(a.url, concert.id), history(b.url, concert.id)])
  t.ok(fromA.length >= 5, `samples recorded (${fromA.length})`)
  // A tick may land between the two reads: compare what both have.
  const last = Math.min(Date.parse(fromA.at(-1)!.at), Date.parse(fromB.at(-1)!.at))
  const upTo = (list: Sample[]) => list.filter((s) => Date.parse(s.at) <= last)
  t.same(upTo(fromA), upTo(fromB), 'both replicas answer the same history')

  const stats = (await queueStats(a.url, concert.id)).body
  t.equal(
    fromA.reduce((n, s) => n + s.admitted, 0),
    stats.admittedTotal,
    'the admitted counts add up to the line’s total',
  )
  t.equal(stats.admittedTotal, 10)
  t.ok(
    fromA.every((s) => s.admitted <= 2),
    'no sample counts more than one tick admits',
  )
  const times = fromA.map((s) => Date.parse(s.at))
  const gaps = times.slice(1).map((at, i) => at - times[i]!)
  t.ok(
    gaps.every((g) => g > 0),
    'oldest first, no tick twice',
  )
  const span = times.at(-1)! - times[0]!
  t.ok(fromA.length <= span / INTERVAL_MS + 2, `one sample per tick, not per replica (${fromA.length} in ${span} ms)`)
  t.equal(fromA.at(-1)!.waiting, 0)
  t.equal(fromA.at(-1)!.active, 10)
  t.ok(
    fromA.some((s) => s.waiting === 10),
    'a sample before admission shows the whole line waiting',
  )

  // The refusals.
  const get = (query: string, id = concert.id, headers: Record<string, string> = admin) =>
    call(a.url, 'GET', `/api/admin/queues/${id}/history${query}`, { headers })
  for (const bad of ['?minutes=0', '?minutes=1441', '?minutes=abc', '?minutes=1.5']) {
    const res = await get(bad)
    t.equal(res.status, 400, `${bad} is refused`)
    t.equal(res.body.code, 'VALIDATION_ERROR')
    t.match(res.body.message, /minutes/, 'the message names the parameter')
  }
  t.equal((await get('?minutes=1440')).status, 200)
  t.equal((await get('', 999_999)).body.code, 'CONCERT_NOT_FOUND')
  t.equal((await get('', 0)).body.code, 'VALIDATION_ERROR')
  t.equal((await get('', concert.id, {})).status, 401)
  t.equal((await get('', concert.id, { authorization: 'Bearer nope-nope-nope-nope' })).body.code, 'UNAUTHENTICATED')
})

t.test('past 1,440 samples consecutive ticks are aggregated evenly', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const prefix = randomPrefix()
  // No admission worker: this test writes the ticks itself, with the tick's own script.
  const app = await buildApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN,
      REDIS_KEY_PREFIX: prefix,
      REDIS_CLUSTER_NODES: clusterNodes(),
      CORE_URL: core.url,
      INTERNAL_TOKEN: core.internalToken,
      GATEWAY_PORT: '0',
    }),
    { admission: false },
  )
  const redis = testRedis()
  t.teardown(async () => {
    await app.close()
    await deletePrefix(redis, prefix)
    redis.disconnect()
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const concert = await createConcert(url)
  const state = `${prefix}:{c:${concert.id}}:state`

  // 3,000 one-second ticks ending now; each admits one user and abandons one place every third tick.
  const TICKS = 3000
  const now = Date.now()
  const first = now - TICKS * 1000
  // An older sample, before the span asked: the first sample's counts start from it.
  await redis.hset(state, 'admittedTotal', 500, 'abandonedTotal', 100)
  await app.gateway.history.record(concert.id, first - 3_600_000)
  for (let i = 1; i <= TICKS; i++) {
    await redis.hincrby(state, 'admittedTotal', 1)
    if (i % 3 === 0) await redis.hincrby(state, 'abandonedTotal', 1)
    // The admission's figures as its tick left them: the effective rate and the p95 move tick by tick.
    await redis.hset(state, 'effectiveAdmitPerTick', 10 + (i % 3), 'coreP95Ms', 100 * (i % 3))
    if (i % 3 === 0) await redis.hdel(state, 'coreP95Ms')
    await app.gateway.history.record(concert.id, first + i * 1000)
  }

  const all = await history(url, concert.id, '?minutes=60')
  // 3,000 ticks in the span: groups of ceil(3000 / 1440) = 3 ticks, 1,000 samples.
  t.equal(all.length, 1000, 'at most 1,440 samples, in groups of 3 ticks')
  t.equal(all.at(-1)!.at, new Date(first + TICKS * 1000).toISOString(), 'the newest sample is the last tick')
  t.equal(all[0]!.at, new Date(first + 3000).toISOString(), 'each sample is at the last tick of its group')
  t.ok(
    all.every((s) => s.admitted === 3 && s.abandoned === 1),
    'counts summed over each group (3 admitted, 1 abandoned)',
  )
  t.equal(
    all.reduce((n, s) => n + s.admitted, 0),
    TICKS,
    'counted from the sample before the span, not from zero',
  )
  t.ok(
    all.every((s) => s.effectiveAdmitPerTick === 10 && s.coreP95Ms === 200),
    'each group gives its lowest effectiveAdmitPerTick and its highest coreP95Ms',
  )

  const recent = await history(url, concert.id, '?minutes=10')
  // The span ends when the request is answered, a moment after the last tick written.
  t.ok(recent.length > 590 && recent.length <= 600, `ten minutes of one-second ticks: one sample per tick (${recent.length})`)
  t.ok(
    recent.every((s) => s.admitted === 1),
    'one admitted per tick',
  )
  t.same(
    recent.slice(-3).map((s) => [s.effectiveAdmitPerTick, s.coreP95Ms]),
    [
      [11, 100],
      [12, 200],
      [10, null],
    ],
    'one sample a tick: its own figures, null where the tick saw no request',
  )

  // The retention: trimmed by time, and the key expires when a line is no longer sampled.
  const ttl = await redis.pttl(`${prefix}:{c:${concert.id}}:history`)
  t.ok(ttl > 24 * 3_600_000, `kept for more than a day (${Math.round(ttl / 3_600_000)} h)`)
})
