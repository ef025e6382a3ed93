import t from 'tap'
import { assertInvariants, call, createConcert, expireHold, query, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number, headers?: Record<string, string>) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber }, headers })

t.test('when 200 users hold one seat at once, then exactly one gets it', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 5 }] })
  const scheduleId = concert.schedules[0]!.id
  const answers = await Promise.all(
    Array.from({ length: 200 }, (_, i) => hold(`rush-${i}`, concert.id, scheduleId, 3)),
  )
  const created = answers.filter((a) => a.status === 201)
  const refused = answers.filter((a) => a.status === 409 && a.body.code === 'SEAT_UNAVAILABLE')
  t.equal(created.length, 1, 'one 201')
  t.equal(refused.length, 199, '199 × 409 SEAT_UNAVAILABLE')
  const rows = await query(core.databaseUrl, `select user_id, status from reservations where schedule_id = $1`, [scheduleId])
  t.equal(rows.length, 1, 'one reservation row')
  const seats = await call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`)
  t.equal(seats.body.find((s: { seatNumber: number }) => s.seatNumber === 3).status, 'HELD')
})

t.test('when the caller holds a seat again, then it is 409 SEAT_UNAVAILABLE', async (t) => {
  const concert = await createConcert(core)
  const scheduleId = concert.schedules[0]!.id
  t.equal((await hold('again', concert.id, scheduleId, 1)).status, 201)
  const second = await hold('again', concert.id, scheduleId, 1)
  t.equal(second.status, 409)
  t.equal(second.body.code, 'SEAT_UNAVAILABLE')
})

t.test('when a hold runs out, then the seat is AVAILABLE at once, paying it is HOLD_EXPIRED, and another user can hold it', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 2, price: 500 }] })
  const scheduleId = concert.schedules[0]!.id
  const first = await hold('early', concert.id, scheduleId, 1)
  t.equal(first.status, 201)
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'early', body: { amount: 1000 } })
  await expireHold(core.databaseUrl, first.body.id)

  const seats = await call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`)
  t.equal(seats.body[0].status, 'AVAILABLE', 'expired by timestamp, no sweeper')
  const schedules = await call(core, 'GET', `/api/concerts/${concert.id}/schedules`)
  t.equal(schedules.body[0].availableSeats, 2)
  const mine = await call(core, 'GET', '/api/users/me/reservations', { user: 'early' })
  t.equal(mine.body[0].status, 'EXPIRED')

  const payment = await call(core, 'POST', `/api/concerts/${concert.id}/payments`, {
    user: 'early',
    body: { reservationIds: [first.body.id] },
  })
  t.equal(payment.status, 409)
  t.equal(payment.body.code, 'HOLD_EXPIRED')

  const second = await hold('late', concert.id, scheduleId, 1)
  t.equal(second.status, 201, 'someone else holds it')
  const stored = await query(core.databaseUrl, 'select id, status from reservations where schedule_id = $1 order by id', [scheduleId])
  t.same(stored.map((r) => r.status), ['EXPIRED', 'HELD'], 'the superseded hold is recorded EXPIRED')
  const balance = await call(core, 'GET', '/api/users/me/balance', { user: 'early' })
  t.equal(balance.body.balance, 1000, 'no money taken')
})

t.test('when a hold is made with HOLD_TTL_SECONDS=1, then after a second it is free again', async (t) => {
  const quick = await startCore(coreEntry, { env: { HOLD_TTL_SECONDS: '1' } })
  t.teardown(() => quick.close())
  const concert = await createConcert(quick, { schedules: [{ seats: 1 }] })
  const scheduleId = concert.schedules[0]!.id
  const first = await call(quick, 'POST', `/api/concerts/${concert.id}/reservations`, {
    user: 'a',
    body: { scheduleId, seatNumber: 1 },
  })
  t.equal(first.status, 201)
  await new Promise((r) => setTimeout(r, 1200))
  const second = await call(quick, 'POST', `/api/concerts/${concert.id}/reservations`, {
    user: 'b',
    body: { scheduleId, seatNumber: 1 },
  })
  t.equal(second.status, 201)
  await assertInvariants(quick.databaseUrl)
})

t.test('when the gateway sends x-queue-active-until, then the hold ends no later than that', async (t) => {
  const concert = await createConcert(core)
  const scheduleId = concert.schedules[0]!.id
  const until = new Date(Date.now() + 60_000).toISOString()
  const res = await hold('queued', concert.id, scheduleId, 2, { 'x-queue-active-until': until })
  t.equal(res.status, 201)
  t.equal(res.body.expiresAt, until)
  const later = new Date(Date.now() + 3_600_000).toISOString()
  const res2 = await hold('queued', concert.id, scheduleId, 3, { 'x-queue-active-until': later })
  const ttl = new Date(res2.body.expiresAt).getTime() - Date.now()
  t.ok(ttl > 290_000 && ttl <= 300_000, 'HOLD_TTL_SECONDS wins when it ends first')
  const bad = await hold('queued', concert.id, scheduleId, 4, { 'x-queue-active-until': 'soon' })
  t.equal(bad.status, 400)
  t.match(bad.body.message, /x-queue-active-until/)
  const past = await hold('queued', concert.id, scheduleId, 4, { 'x-queue-active-until': new Date(Date.now() - 1000).toISOString() })
  t.equal(past.status, 410, 'a token that ran out on the way takes no seat')
  t.equal(past.body.code, 'QUEUE_TOKEN_EXPIRED')
})

t.test('when a user holds past MAX_HOLDS_PER_USER, even all at once, then the rest are HOLD_LIMIT_REACHED', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 20 }] })
  const scheduleId = concert.schedules[0]!.id
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => hold('greedy', concert.id, scheduleId, i + 1)))
  t.equal(answers.filter((a) => a.status === 201).length, 4)
  t.equal(answers.filter((a) => a.status === 409 && a.body.code === 'HOLD_LIMIT_REACHED').length, 6)
  // A released hold no longer counts.
  const held = answers.find((a) => a.status === 201)!
  const del = await call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${held.body.id}`, { user: 'greedy' })
  t.equal(del.status, 204)
  t.equal((await hold('greedy', concert.id, scheduleId, 20)).status, 201)
})

t.test('release: own hold 204 and idempotent; someone else’s 404; paid 409; the seat is free again', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 3, price: 100 }] })
  const scheduleId = concert.schedules[0]!.id
  const mine = await hold('owner', concert.id, scheduleId, 1)
  const path = `/api/concerts/${concert.id}/reservations/${mine.body.id}`
  t.equal((await call(core, 'DELETE', path, { user: 'stranger' })).body.code, 'RESERVATION_NOT_FOUND')
  t.equal((await call(core, 'DELETE', path, { user: 'owner' })).status, 204)
  t.equal((await call(core, 'DELETE', path, { user: 'owner' })).status, 204, 'again: still 204')
  const seats = await call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`)
  t.equal(seats.body[0].status, 'AVAILABLE')
  const list = await call(core, 'GET', '/api/users/me/reservations', { user: 'owner' })
  t.equal(list.body[0].status, 'CANCELLED')
  const other = await call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/999999`, { user: 'owner' })
  t.equal(other.status, 404)
  t.equal(other.body.code, 'RESERVATION_NOT_FOUND')

  const bought = await hold('owner', concert.id, scheduleId, 2)
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'owner', body: { amount: 100 } })
  const paid = await call(core, 'POST', `/api/concerts/${concert.id}/payments`, {
    user: 'owner',
    body: { reservationIds: [bought.body.id] },
  })
  t.equal(paid.status, 201)
  const del = await call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${bought.body.id}`, { user: 'owner' })
  t.equal(del.status, 409)
  t.equal(del.body.code, 'RESERVATION_PAID')
})

t.test('unknown schedule, seat and concert are 404 with their codes', async (t) => {
  const concert = await createConcert(core)
  const other = await createConcert(core)
  const scheduleId = concert.schedules[0]!.id
  t.equal((await hold('u', concert.id, other.schedules[0]!.id, 1)).body.code, 'SCHEDULE_NOT_FOUND')
  t.equal((await hold('u', concert.id, scheduleId, 11)).body.code, 'SEAT_NOT_FOUND')
  t.equal((await hold('u', 999_999, scheduleId, 1)).body.code, 'CONCERT_NOT_FOUND')
})
