/**
 * The core is SIGKILLed while holds and payments are in flight, then restarted.
 * Meanwhile the gateway answers 503 quickly; afterwards each hold and payment is complete or absent.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { activeToken, type Answer, as, call, charge, checkBooks, createConcert, hold, pay, waitFor } from '@rushgate/testkit'
import { startStack } from '../support/stack.ts'

const FAST_MS = 1500
const USERS = 8
const PRICE = 500

const failed = (err: unknown) => ({ status: -1, text: String(err), body: undefined, ms: 0, headers: {} }) as Answer

t.test('when the core is killed mid-payment, then the gateway says 503 and nothing is half done', async (t) => {
  const { db, core, gateway } = await startStack((fn) => t.teardown(fn), 'core_crash', { HOLD_TTL_SECONDS: '600' })
  const concert = await createConcert(gateway.url, USERS * 3, PRICE)
  const scheduleId = concert.scheduleIds[0]!
  const users = Array.from({ length: USERS }, (_, i) => ({ id: `crash-user-${i}`, token: '', held: 0 }))
  for (const [i, user] of users.entries()) {
    await charge(gateway.url, user.id, 10 * PRICE)
    user.token = await activeToken(gateway.url, concert.id, user.id)
    const res = await hold(gateway.url, concert.id, user.id, user.token, scheduleId, 3 * i + 1)
    t.equal(res.status, 201, `${user.id} holds a first seat`)
    user.held = res.body.id
  }

  const bystander = { id: 'crash-bystander', token: await activeToken(gateway.url, concert.id, 'crash-bystander') }

  // Each user holds a second seat and pays for both, staggered; the kill lands among them.
  const journeys = users.map(async (user, i) => {
    await sleep(i * 15)
    const second = await hold(gateway.url, concert.id, user.id, user.token, scheduleId, 3 * i + 2).catch(failed)
    const ids = second.status === 201 ? [user.held, second.body.id] : [user.held]
    const payment = await pay(gateway.url, concert.id, user.id, user.token, ids, `crash-${i}`).catch(failed)
    return { second, payment }
  })
  await sleep(40)
  await core.kill()
  const outcomes = await Promise.all(journeys)
  for (const { second, payment } of outcomes) {
    for (const answer of [second, payment]) {
      t.ok([200, 201, 503].includes(answer.status), `in flight: ${answer.status} ${answer.text.slice(0, 80)}`)
      if (answer.status === 503) t.equal(answer.body?.code, 'UPSTREAM_UNAVAILABLE')
    }
  }

  const user = bystander
  const during = await Promise.all([
    call(gateway.url, 'GET', '/api/concerts', { headers: as(user.id) }),
    call(gateway.url, 'GET', `/api/concerts/${concert.id}/schedules`, { headers: as(user.id, user.token) }),
    call(gateway.url, 'GET', '/api/users/me/balance', { headers: as(user.id) }),
    call(gateway.url, 'GET', '/health/ready'),
  ])
  for (const answer of during) {
    t.equal(answer.status, 503, `503 while the core is down: ${answer.text.slice(0, 100)}`)
    t.equal(answer.body?.code, 'UPSTREAM_UNAVAILABLE')
    t.ok(answer.ms < FAST_MS, `answered in ${Math.round(answer.ms)} ms`)
  }
  t.comment(`slowest 503 while the core was down: ${Math.round(Math.max(...during.map((a) => a.ms)))} ms`)
  t.ok(gateway.child.alive(), 'the gateway did not crash')

  await core.restart()
  await waitFor('the gateway to be ready again', async () => (await call(gateway.url, 'GET', '/health/ready')).status === 200, 10_000)

  const books = await checkBooks(db.url)
  t.same(books.problems, [], 'every hold and payment is complete or absent')
  t.equal(books.soldSeats, books.paidReservations, 'sold seats = paid reservations')
  for (const [i, u] of users.entries()) {
    const { second, payment } = outcomes[i]!
    const mine = (await call(gateway.url, 'GET', '/api/users/me/reservations', { headers: as(u.id) })).body as { id: number; status: string }[]
    if (second.status === 201) t.ok(mine.some((r) => r.id === second.body.id), `${u.id}'s acknowledged hold exists`)
    if (payment.status === 201) {
      const paid = (await call(gateway.url, 'GET', '/api/users/me/payments', { headers: as(u.id) })).body as { id: number }[]
      t.same(paid.map((p) => p.id), [payment.body.id], `${u.id}'s acknowledged payment exists once`)
    }
    // A hold that was never acknowledged may exist (it committed) or not; either way it is whole,
    // which checkBooks verified. The held seat is never both free and reserved:
    t.ok(mine.filter((r) => r.status === 'HELD' || r.status === 'PAID').length <= 2, `${u.id} has at most the two seats`)
  }
})
