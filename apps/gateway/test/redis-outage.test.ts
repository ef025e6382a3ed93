/**
 * Redis going away: every route that needs it answers 503 UPSTREAM_UNAVAILABLE within a second,
 * readiness says so, and the gateway recovers by itself when Redis is back (even empty).
 * Uses a private redis-server on a free port; the shared one is never touched.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import { type Answer, as, call, createConcert, enter, startCore, startGateway, startRedis, tokenState, waitFor } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'
import t from 'tap'

t.test('Redis down → quick 503, then recovery', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.close())
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const gw = await startGateway(gatewayEntry, {
    coreUrl: core.url,
    internalToken: core.internalToken,
    env: { REDIS_URL: redis.url, ADMIT_INTERVAL_MS: '100', REBUILD_GRACE_MS: '1000' },
  })
  t.teardown(() => gw.close())
  const concert = await createConcert(gw.url)
  const first = await enter(gw.url, concert.id, 'alice')
  t.equal(first.status, 201)

  await redis.kill()
  const timed = async (fn: () => Promise<Answer>) => {
    const started = Date.now()
    const res = await fn()
    return { ...res, ms: Date.now() - started }
  }
  for (const [name, fn] of [
    ['enter', () => enter(gw.url, concert.id, 'bob')],
    ['status', () => tokenState(gw.url, concert.id, 'alice', first.body.token)],
    ['gated route', () => call(gw.url, 'GET', `/api/concerts/${concert.id}/schedules`, { headers: as('alice', first.body.token) })],
    ['admin', () => call(gw.url, 'GET', `/api/admin/queues/${concert.id}`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } })],
  ] as const) {
    const res = await timed(fn)
    t.equal(res.status, 503, `${name}: 503`)
    t.equal(res.body.code, 'UPSTREAM_UNAVAILABLE', `${name}: code`)
    t.ok(res.ms < 1000, `${name}: answered in ${res.ms} ms`)
  }
  const ready = await timed(() => call(gw.url, 'GET', '/health/ready'))
  t.equal(ready.status, 503)
  t.ok(ready.ms < 1500, `readiness answered in ${ready.ms} ms`)
  t.equal((await call(gw.url, 'GET', '/health/live')).status, 200)
  t.equal((await call(gw.url, 'GET', '/api/users/me/balance', { headers: as('alice') })).status, 200, 'identity-only routes still work')
  const metrics = await timed(() => call(gw.url, 'GET', '/metrics'))
  t.equal(metrics.status, 200, '/metrics still answers, with the counters of this replica')
  t.notMatch(metrics.body, /^rushgate_queue_waiting\{/m, 'but without the line gauges, which nobody can read now')
  t.ok(metrics.ms < 1500, `/metrics answered in ${metrics.ms} ms`)

  // Back, and empty: the gateway reconnects, re-registers the concert and the admission schedule.
  await redis.start()
  await waitFor('readiness', async () => (await call(gw.url, 'GET', '/health/ready')).status === 200, 10_000)
  const again = await enter(gw.url, concert.id, 'carol')
  t.equal(again.status, 201, 'entering works again')
  await waitFor('carol admitted', async () => (await tokenState(gw.url, concert.id, 'carol', again.body.token)).body.status === 'ACTIVE', 10_000)
  t.pass('admission resumed after an empty Redis came back')
})
