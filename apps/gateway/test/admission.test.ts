/** The admission script on its own, and identity in JWT mode. */
import { createHmac } from 'node:crypto'
import t from 'tap'
import { call, createConcert, startGateway } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'
import { admitByScript, enterByScript, startStack } from './helpers.ts'

t.test('a tick is processed once, however many times its job runs', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '100', ADMIT_BATCH: '2' })
  // A line the real ticks never visit (not in the concert set): only this test's calls admit.
  const { redis, keys, config } = gw.app.gateway
  const k = keys.concert(424242)
  for (const u of ['a', 'b', 'c', 'd', 'e', 'f']) {
    await enterByScript(redis, keys, 424242, u, Date.now(), config)
  }
  t.teardown(() => redis.del(k.prequeue, k.waiting, k.active, k.activeSeq, k.seq, k.settings, k.state, k.seen, k.ended, k.draw))
  const admit = (tick: number) =>
    admitByScript(redis, keys, 424242, Date.now(), tick, {
      admitPerTick: config.admitBatch,
      activeTtlSeconds: config.activeTtlSeconds,
      ghostAfterSeconds: config.ghostAfterSeconds,
    })
  const tick = Date.now()
  t.same(await admit(tick), [2, 0, 0], 'admitPerTick admitted')
  t.same(await admit(tick), [-1, 0, 0], 'the same tick again admits nobody')
  t.same(await admit(tick - 100), [-1, 0, 0], 'an older tick admits nobody')
  t.same(await admit(tick + 100), [2, 0, 0], 'the next tick admits')
  t.equal(Number(await redis.hget(k.state, 'admittedTotal')), 4)
  t.same(await redis.zrange(k.active, '0', '-1'), ['a', 'b', 'c', 'd'], 'head of the line first')
  t.same(await redis.hgetall(k.activeSeq), { a: '1', b: '2', c: '3', d: '4' }, 'each active user keeps the s of its turn')
  await redis.hset(k.settings, 'paused', '1')
  t.same(await admit(tick + 200), [0, 0, 0], 'paused: nobody')
  await redis.hset(k.settings, { paused: '0', activeTtlSeconds: '1' })
  await redis.zadd(k.active, String(Date.now() - 1), 'a')
  t.same(await admit(tick + 300), [2, 1, 0], 'expired actives dropped with their turns')
  t.equal(await redis.hget(k.activeSeq, 'a'), null)
  t.same(await redis.hgetall(k.activeSeq), { b: '2', c: '3', d: '4', e: '5', f: '6' })
})

t.test('JWT mode: user from sub, X-User-Id ignored', async (t) => {
  const { core, gw } = await startStack(t)
  const concert = await createConcert(gw.url)
  const secret = 'jwt-secret-for-tests-0123456789abcdef'
  const jwt = await startGateway(gatewayEntry, {
    coreUrl: core.url,
    internalToken: core.internalToken,
    prefix: gw.prefix,
    env: { AUTH_MODE: 'jwt', JWT_SECRET: secret },
  })
  t.teardown(() => jwt.close())
  const sign = (payload: object, key = secret) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 600, ...payload })}`
    return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`
  }
  const ok = await call(jwt.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: { authorization: `Bearer ${sign({ sub: 'jwt-user' })}` } })
  t.equal(ok.status, 201)
  const balance = await call(jwt.url, 'GET', '/api/users/me/balance', { headers: { authorization: `Bearer ${sign({ sub: 'jwt-user' })}` } })
  t.equal(balance.body.userId, 'jwt-user')
  t.match(await call(jwt.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: { 'x-user-id': 'header-user' } }), { status: 401, body: { code: 'UNAUTHENTICATED' } })
  t.match(
    await call(jwt.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: { authorization: `Bearer ${sign({ sub: 'x' }, 'wrong')}` } }),
    { status: 401, body: { code: 'UNAUTHENTICATED' } },
  )
})
