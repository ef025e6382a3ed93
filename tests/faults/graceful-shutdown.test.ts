/**
 * Issue 6, case 8: on SIGTERM each service stops taking new connections, finishes the requests in
 * flight and closes its pools (it exits 0 by itself); a rolling restart of two gateways under load
 * loses no request when the client retries on "connection refused" only.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test as Tap } from 'tap'
import { as, call } from '../support/http.ts'
import { isListening, waitFor } from '../support/ports.ts'
import { rawRequest } from '../support/raw.ts'
import type { ServiceProcess } from '../support/services.ts'
import { INTERNAL_TOKEN, scratchDatabase, spawnCore, spawnGateway, uniqueName } from '../support/stack.ts'

const db = scratchDatabase('graceful')
const prefix = uniqueName('rg_graceful')
t.teardown(() => db.drop())

/** A charge whose body arrives in three slow parts; SIGTERM is sent after the head. */
async function chargeDuringTerm(t: Tap, service: ServiceProcess, headers: string, user: string): Promise<void> {
  const body = JSON.stringify({ amount: 700 })
  let refused = false
  const answer = await rawRequest(
    service.port,
    `POST /api/users/me/balance/charges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-User-Id: ${user}${headers}`,
    {
      parts: [body.slice(0, 5), body.slice(5, 10), body.slice(10)],
      gapMs: 400,
      afterHead: async () => {
        service.child.proc.kill('SIGTERM')
        await sleep(300)
        refused = !(await isListening(service.port))
      },
    },
  )
  t.equal(answer.status, 201, `the request in flight finished: ${answer.body.slice(0, 120)}`)
  t.equal(answer.json?.charged, 700)
  t.ok(refused, 'new connections were refused while it finished')
  const exit = await Promise.race([service.child.exited, sleep(15_000, 'still running')])
  t.equal(exit, 0, 'then it exited by itself with 0 (pools and connections closed)')
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
  await chargeDuringTerm(t, gateway, '', 'graceful-gateway-user')
})

t.test('when two gateways restart one after the other under load, then no request is lost', async (t) => {
  const core = await spawnCore(db.url)
  const gateways = await Promise.all([0, 1].map(() => spawnGateway({ coreUrl: core.url, prefix })))
  t.teardown(async () => {
    await Promise.all(gateways.map((g) => g.kill()))
    await core.kill()
  })
  let next = 0
  let running = true
  const failures: string[] = []
  let done = 0
  let retried = 0
  // Round robin; a refused connection (nobody listening) is the only thing the client retries.
  const send = async (user: string, i: number) => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const gateway = gateways[next++ % gateways.length]!
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
  t.same(failures, [], `${done} requests through two rolling restarts, none lost (${retried} retried after a refused connection)`)
  t.ok(done > 50, 'the load kept flowing')
})
