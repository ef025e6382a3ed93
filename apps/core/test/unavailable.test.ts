import t from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createScratchDatabase, dropScratchDatabase, TcpProxy } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const token = 'unavailable-test-token'

async function coreAt(databaseUrl: string) {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, INTERNAL_TOKEN: token }))
  return app
}

async function timed(app: Awaited<ReturnType<typeof coreAt>>, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const started = performance.now()
  const res = await app.inject({
    method,
    url,
    payload: payload as object | undefined,
    headers: { 'x-internal-token': token, 'x-user-id': 'u1' },
  })
  return { status: res.statusCode, body: res.json(), ms: performance.now() - started }
}

const routes: ['GET' | 'POST', string, unknown?][] = [
  ['GET', '/api/concerts'],
  ['GET', '/api/concerts/1/schedules'],
  ['POST', '/api/concerts/1/reservations', { scheduleId: 1, seatNumber: 1 }],
  ['POST', '/api/concerts/1/payments', { reservationIds: [1] }],
  ['GET', '/api/users/me/balance'],
  ['POST', '/api/users/me/balance/charges', { amount: 5 }],
  ['GET', '/api/users/me/reservations'],
  ['GET', '/health/ready'],
]

t.test('when Postgres is unreachable (a closed port), then every route is a fast 503 UPSTREAM_UNAVAILABLE', async (t) => {
  const app = await coreAt('postgres://postgres@127.0.0.1:1/rushgate')
  t.teardown(() => app.close())
  for (const [method, url, body] of routes) {
    const res = await timed(app, method, url, body)
    t.equal(res.status, 503, `${method} ${url}`)
    t.equal(res.body.code, 'UPSTREAM_UNAVAILABLE')
    t.ok(res.ms < 2000, `answered in ${Math.round(res.ms)} ms`)
  }
  t.equal((await app.inject('/health/live')).statusCode, 200, 'live: the process itself is fine')
})

t.test('when Postgres goes away and comes back, then the core answers 503 meanwhile and recovers by itself', async (t) => {
  const databaseUrl = await createScratchDatabase(coreEntry)
  const target = new URL(databaseUrl)
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432))
  await proxy.start()
  const viaProxy = new URL(databaseUrl)
  viaProxy.hostname = '127.0.0.1'
  viaProxy.port = String(proxy.port)
  const app = await coreAt(viaProxy.toString())
  t.teardown(async () => {
    await app.close()
    await proxy.close()
    await dropScratchDatabase(databaseUrl)
  })

  t.equal((await timed(app, 'POST', '/api/users/me/balance/charges', { amount: 5 })).status, 201)

  await proxy.cut()
  for (const [method, url, body] of routes) {
    const res = await timed(app, method, url, body)
    t.equal(res.status, 503, `down: ${method} ${url}`)
    t.ok(res.ms < 2000, `answered in ${Math.round(res.ms)} ms`)
  }

  await proxy.restore()
  proxy.hang()
  const hung = await timed(app, 'GET', '/api/users/me/balance')
  t.equal(hung.status, 503, 'a Postgres that accepts but never answers is a 503 too')
  t.ok(hung.ms < 2500, `answered in ${Math.round(hung.ms)} ms`)

  await proxy.restore()
  let recovered = false
  for (let i = 0; i < 20 && !recovered; i++) {
    recovered = (await timed(app, 'GET', '/health/ready')).status === 200
    if (!recovered) await new Promise((r) => setTimeout(r, 250))
  }
  t.ok(recovered, 'ready again')
  const balance = await timed(app, 'GET', '/api/users/me/balance')
  t.same(balance.body, { userId: 'u1', balance: 5 })
  t.equal((await timed(app, 'POST', '/api/users/me/balance/charges', { amount: 5 })).body.balance, 10)
})
