/**
 * Redis going away: every route that needs it answers 503 UPSTREAM_UNAVAILABLE within a second,
 * readiness says so, and the gateway recovers by itself when Redis is back (even empty).
 * Uses a private redis-server on a free port; the shared one is never touched.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { startCore } from '@rushgate/core/test-support'
import t from 'tap'
import { startGateway } from '../test-support/start-gateway.ts'
import { type Answer, as, call, createConcert, enter, state, waitFor } from './helpers.ts'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000
    const probe = () =>
      fetch(`http://127.0.0.1:${port}`)
        .catch((err: Error & { cause?: { code?: string } }) => err.cause?.code)
        .then((outcome) => {
          // Any answer other than "refused" means the port is open (Redis speaks no HTTP).
          if (outcome !== 'ECONNREFUSED') return resolve(child)
          if (Date.now() > deadline) return reject(new Error('redis-server did not start'))
          setTimeout(probe, 50)
        })
    probe()
  })
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

t.test('Redis down → quick 503, then recovery', async (t) => {
  const port = await freePort()
  let redis = await startRedis(port)
  t.teardown(() => stop(redis))
  const core = await startCore()
  t.teardown(() => core.close())
  const gw = await startGateway({
    coreUrl: core.url,
    internalToken: core.internalToken,
    env: { REDIS_URL: `redis://127.0.0.1:${port}`, ADMIT_INTERVAL_MS: '100' },
  })
  t.teardown(() => gw.close())
  const concert = await createConcert(gw.url)
  const first = await enter(gw.url, concert.id, 'alice')
  t.equal(first.status, 201)

  await stop(redis)
  const timed = async (fn: () => Promise<Answer>) => {
    const started = Date.now()
    const res = await fn()
    return { ...res, ms: Date.now() - started }
  }
  for (const [name, fn] of [
    ['enter', () => enter(gw.url, concert.id, 'bob')],
    ['status', () => state(gw.url, concert.id, 'alice', first.body.token)],
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
  redis = await startRedis(port)
  await waitFor('readiness', async () => (await call(gw.url, 'GET', '/health/ready')).status === 200, 10_000)
  const again = await enter(gw.url, concert.id, 'carol')
  t.equal(again.status, 201, 'entering works again')
  await waitFor('carol admitted', async () => (await state(gw.url, concert.id, 'carol', again.body.token)).body.status === 'ACTIVE', 10_000)
  t.pass('admission resumed after an empty Redis came back')
})
