/** Admin auth, rate limit, docs, health, and exactly what the proxy forwards. */
import { existsSync } from 'node:fs'
import { request } from 'node:http'
import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { admin, as, awayFromWindowEdge, call, createConcert, startGateway } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'
import { startStack } from './helpers.ts'

t.test('admin API auth', async (t) => {
  const { gw, core } = await startStack(t)
  const concert = await createConcert(gw.url)
  const path = `/api/admin/queues/${concert.id}`
  t.match(await call(gw.url, 'GET', path), { status: 401, body: { code: 'UNAUTHENTICATED' } })
  t.match(await call(gw.url, 'GET', path, { headers: { authorization: 'Bearer wrong' } }), { status: 401 })
  t.match(await call(gw.url, 'PATCH', path, { headers: as('admin'), body: { paused: true } }), { status: 401 })
  t.match(await call(gw.url, 'POST', '/api/admin/concerts', { body: { title: 'x' } }), { status: 401 }, '401 before validation')
  t.equal((await call(gw.url, 'GET', path, { headers: admin })).status, 200)
  t.match(await call(gw.url, 'GET', '/api/admin/queues/999999', { headers: admin }), { status: 404, body: { code: 'CONCERT_NOT_FOUND' } })
  t.match(await call(gw.url, 'PATCH', path, { headers: admin, body: {} }), { status: 400, body: { code: 'VALIDATION_ERROR' } })
  t.match(await call(gw.url, 'PATCH', path, { headers: admin, body: { admitPerTick: -1 } }), { status: 400 })
  const patched = await call(gw.url, 'PATCH', path, { headers: admin, body: { admitPerTick: 7, maxActive: 3, activeTtlSeconds: 30, paused: true } })
  t.match(patched, { status: 200, body: { concertId: concert.id, admitPerTick: 7, maxActive: 3, activeTtlSeconds: 30, paused: true } })
  // The admin token is never a user identity.
  t.match(await call(gw.url, 'GET', '/api/users/me/balance', { headers: admin }), { status: 401, body: { code: 'UNAUTHENTICATED' } })

  t.test('without ADMIN_TOKEN the admin API is off', async (t) => {
    const off = await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, env: { ADMIN_TOKEN: '' } })
    t.teardown(() => off.close())
    t.match(await call(off.url, 'GET', path, { headers: { authorization: 'Bearer ' } }), { status: 401 })
    t.match(await call(off.url, 'GET', path, { headers: admin }), { status: 401 })
  })

  t.test('a concert created at the core alone is still known (looked up at the core)', async (t) => {
    // Simulates a Redis that lost its data: the concert is in the core but not in the Redis set.
    await gw.redis.srem(`${gw.prefix}:concerts`, String(concert.id))
    const fresh = await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix: gw.prefix, env: { ADMIT_INTERVAL_MS: '100' } })
    t.teardown(() => fresh.close())
    const res = await call(fresh.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as('late') })
    t.equal(res.status, 201)
    t.equal(await gw.redis.sismember(`${gw.prefix}:concerts`, String(concert.id)), 1)
  })
})

t.test('rate limit: 429 RATE_LIMITED with Retry-After, per user; health, metrics and docs exempt', async (t) => {
  const { gw } = await startStack(t, { RATE_LIMIT_PER_MINUTE: '5' })
  await awayFromWindowEdge()
  for (let i = 0; i < 5; i++) {
    const ok = await call(gw.url, 'GET', '/api/users/me/balance', { headers: as('busy') })
    t.equal(ok.status, 200)
    t.equal(ok.headers.get('x-ratelimit-remaining'), null, 'no rate-limit estimate on answers that pass')
  }
  const limited = await call(gw.url, 'GET', '/api/users/me/balance', { headers: as('busy') })
  t.equal(limited.status, 429)
  t.equal(limited.body.code, 'RATE_LIMITED')
  t.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After present')
  t.equal((await call(gw.url, 'GET', '/api/users/me/balance', { headers: as('calm') })).status, 200, 'another user is not limited')
  // Without identity these count per IP, 5 a minute: 8 of each would be limited if they counted.
  for (const path of ['/health/live', '/metrics', '/docs/json']) {
    const statuses = []
    for (let i = 0; i < 8; i++) statuses.push((await call(gw.url, 'GET', path)).status)
    t.same(statuses, Array(8).fill(200), `${path} is never limited`)
  }

  t.test('two replicas count together', async (t) => {
    const { core } = await startStack(t)
    const env = { RATE_LIMIT_PER_MINUTE: '6' }
    const a = await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, env })
    t.teardown(() => a.close())
    const b = await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, env, prefix: a.prefix })
    t.teardown(() => b.close())
    const statuses: number[] = []
    await awayFromWindowEdge()
    for (let i = 0; i < 8; i++) {
      statuses.push((await call(i % 2 ? b.url : a.url, 'GET', '/api/users/me/balance', { headers: as('spread') })).status)
      // Longer than the store's flush interval: each replica has heard of the other's requests.
      await new Promise((r) => setTimeout(r, 60))
    }
    t.same(statuses, [200, 200, 200, 200, 200, 200, 429, 429], '6 per minute across both replicas')
  })
})

t.test('TRUST_PROXY: behind a load balancer the per-IP limit keys on X-Forwarded-For', async (t) => {
  const anonymous = (url: string, ip: string) => call(url, 'GET', '/api/concerts', { headers: { 'x-forwarded-for': ip } })
  // The proxy named by address, and by hop count.
  const trusted = [
    (await startStack(t, { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '127.0.0.1' })).gw,
    (await startStack(t, { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1' })).gw,
  ]
  const direct = (await startStack(t, { RATE_LIMIT_PER_MINUTE: '3' })).gw
  await awayFromWindowEdge()
  for (const gw of trusted) {
    const behind: number[] = []
    for (let i = 0; i < 4; i++) behind.push((await anonymous(gw.url, '203.0.113.7')).status)
    t.same(behind, [200, 200, 200, 429], 'one client behind the proxy is limited')
    t.equal((await anonymous(gw.url, '203.0.113.8')).status, 200, 'another client behind the same proxy is not')
  }
  // Default off: a client cannot dodge the limit by sending its own X-Forwarded-For.
  const spoofed: number[] = []
  for (let i = 0; i < 4; i++) spoofed.push((await anonymous(direct.url, `198.51.100.${i}`)).status)
  t.same(spoofed, [200, 200, 200, 429], 'X-Forwarded-For ignored when TRUST_PROXY is off')
  t.throws(() => loadConfig({ TRUST_PROXY: 'everyone' }), /TRUST_PROXY/)
  t.same(
    ['true', 'false', '2', '10.0.0.0/8, 10.1.2.3'].map((v) => loadConfig({ TRUST_PROXY: v }).trustProxy),
    [true, false, 2, '10.0.0.0/8, 10.1.2.3'],
  )
})

t.test('docs, health and metrics', async (t) => {
  const { gw } = await startStack(t)
  const doc = await call(gw.url, 'GET', '/docs/json')
  t.equal(doc.status, 200)
  for (const path of [
    '/api/queues/{concertId}/tokens',
    '/api/queues/{concertId}/tokens/current',
    '/api/concerts',
    '/api/concerts/{concertId}/schedules',
    '/api/concerts/{concertId}/schedules/{scheduleId}/seats',
    '/api/concerts/{concertId}/reservations',
    '/api/concerts/{concertId}/reservations/{reservationId}',
    '/api/concerts/{concertId}/payments',
    '/api/users/me/balance',
    '/api/users/me/balance/charges',
    '/api/users/me/reservations',
    '/api/users/me/payments',
    '/api/admin/concerts',
    '/api/admin/queues/{concertId}',
  ]) {
    t.ok(doc.body.paths[path], `documented: ${path}`)
  }
  t.equal((await call(gw.url, 'GET', '/docs')).status < 400, true)
  t.match(await call(gw.url, 'GET', '/health/live'), { status: 200, body: { status: 'ok' } })
  t.match(await call(gw.url, 'GET', '/health/ready'), { status: 200, body: { status: 'ok', checks: { redis: 'ok', core: 'ok' } } })
  const concert = await createConcert(gw.url)
  await call(gw.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as('m') })
  const metrics = await call(gw.url, 'GET', '/metrics')
  t.equal(metrics.status, 200)
  t.match(metrics.body, new RegExp(`rushgate_queue_waiting\\{concert="${concert.id}",scope="deployment"\\} 1`))
  t.match(metrics.body, /rushgate_queue_active/)
  t.match(metrics.body, /rushgate_proxied_requests_total/)
  t.match(await call(gw.url, 'GET', '/no/such/route'), { status: 404, body: { code: 'NOT_FOUND' } })
  t.match(await call(gw.url, 'POST', '/api/nothing'), { status: 404, body: { code: 'NOT_FOUND' } })
  const plain = await fetch(`${gw.url}/api/users/me/balance/charges`, {
    method: 'POST',
    headers: { 'x-user-id': 'p', 'content-type': 'text/plain' },
    body: 'amount=100',
  })
  t.equal(plain.status, 415, 'JSON bodies only')
  t.equal(((await plain.json()) as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE')
  if (existsSync(new URL('../../web/dist/index.html', import.meta.url))) {
    const page = await call(gw.url, 'GET', '/')
    t.equal(page.status, 200, 'the web page is served at /')
    t.match(page.headers.get('content-type'), /text\/html/)
  }
})

t.test('the proxy replaces internal headers, and an unreachable core is a quick 503', async (t) => {
  const seen: Record<string, unknown>[] = []
  const upstream = Fastify()
  upstream.get('/api/users/me/balance', async (request) => {
    seen.push({ ...request.headers })
    return { userId: request.headers['x-user-id'], balance: 0 }
  })
  upstream.get('/health/ready', async () => ({ status: 'ok' }))
  upstream.get('/api/users/me/payments', async (_request, reply) =>
    reply.code(503).send({ error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 }),
  )
  upstream.get('/api/users/me/reservations', async (_request, reply) =>
    reply.code(500).send({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal server error' }),
  )
  await upstream.listen({ port: 0, host: '127.0.0.1' })
  const address = upstream.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const gw = await startGateway(gatewayEntry, { coreUrl: `http://127.0.0.1:${port}`, internalToken: 'the-real-internal-token' })
  t.teardown(() => gw.close())

  const res = await call(gw.url, 'GET', '/api/users/me/balance', {
    headers: {
      ...as('alice'),
      'x-internal-token': 'client-supplied',
      'x-queue-active-until': '2099-01-01T00:00:00Z',
      'idempotency-key': 'k1',
    },
  })
  t.equal(res.status, 200)
  t.equal(seen[0]?.['x-internal-token'], 'the-real-internal-token', 'the client value never reaches the core')
  t.equal(seen[0]?.['x-user-id'], 'alice')
  t.equal(seen[0]?.['x-queue-active-until'], undefined)
  t.equal(seen[0]?.['idempotency-key'], 'k1', 'Idempotency-Key forwarded')

  // The core's hop-by-hop headers stay between gateway and core: the client's Connection: close wins.
  const connection = await new Promise<string | undefined>((resolve, reject) => {
    const req = request(`${gw.url}/api/users/me/balance`, { headers: { 'x-user-id': 'alice', connection: 'close' } }, (res) => {
      res.resume()
      resolve(res.headers.connection)
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(connection, 'close')

  // A 5xx of the core passes only as a contract error body.
  t.match(await call(gw.url, 'GET', '/api/users/me/payments', { headers: as('alice') }), {
    status: 503,
    body: { statusCode: 503, code: 'UPSTREAM_UNAVAILABLE' },
  })
  t.match(await call(gw.url, 'GET', '/api/users/me/reservations', { headers: as('alice') }), {
    status: 500,
    body: { statusCode: 500, code: 'INTERNAL_ERROR' },
  })

  await upstream.close()
  const started = Date.now()
  const down = await call(gw.url, 'GET', '/api/users/me/balance', { headers: as('alice') })
  t.equal(down.status, 503)
  t.equal(down.body.code, 'UPSTREAM_UNAVAILABLE')
  t.ok(Date.now() - started < 2000, 'answered quickly')
  t.match(await call(gw.url, 'GET', '/health/ready'), { status: 503, body: { code: 'UPSTREAM_UNAVAILABLE', checks: { core: 'down' } } })
})
