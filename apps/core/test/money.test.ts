import t from 'tap'
import { assertInvariants, call, createConcert, expireHold, query, snapshot, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const charge = (user: string, amount: number, headers?: Record<string, string>) =>
  call(core, 'POST', '/api/users/me/balance/charges', { user, body: { amount }, headers })
const balanceOf = async (user: string) => (await call(core, 'GET', '/api/users/me/balance', { user })).body.balance
const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber } })
const pay = (user: string, concertId: number, reservationIds: number[], headers?: Record<string, string>) =>
  call(core, 'POST', `/api/concerts/${concertId}/payments`, { user, body: { reservationIds }, headers })

t.test('a user first seen has a balance of 0', async (t) => {
  const res = await call(core, 'GET', '/api/users/me/balance', { user: 'newcomer' })
  t.same(res.body, { userId: 'newcomer', balance: 0 })
})

t.test('when 100 charges of 1 won arrive at once, then the balance is exactly 100 higher', async (t) => {
  await charge('coins', 7)
  const answers = await Promise.all(Array.from({ length: 100 }, () => charge('coins', 1)))
  t.ok(answers.every((a) => a.status === 201), 'all 201')
  t.equal(await balanceOf('coins'), 107)
  const balances = answers.map((a) => a.body.balance).sort((a, b) => a - b)
  t.same(balances, Array.from({ length: 100 }, (_, i) => 8 + i), 'each saw a distinct balance')
})

t.test('when charges race payments, then no update is lost', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 4, price: 1000 }] })
  const scheduleId = concert.schedules[0]!.id
  await charge('racer', 4000)
  const holds = await Promise.all([1, 2, 3, 4].map((n) => hold('racer', concert.id, scheduleId, n)))
  const work = [
    ...Array.from({ length: 60 }, () => charge('racer', 10)),
    ...holds.map((h) => pay('racer', concert.id, [h.body.id])),
  ]
  const answers = await Promise.all(work)
  t.ok(answers.every((a) => a.status === 201), 'every charge and payment succeeded')
  t.equal(await balanceOf('racer'), 4000 + 600 - 4000)
  const ledger = await query(core.databaseUrl, `select count(*)::int as n from ledger where user_id = 'racer'`)
  t.equal(ledger[0].n, 1 + 60 + 4)
})

t.test('a payment: 201 with what is left; seats SOLD; reservations PAID; paying again returns the first payment', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 3, price: 2500 }] })
  const scheduleId = concert.schedules[0]!.id
  await charge('buyer', 10_000)
  const a = await hold('buyer', concert.id, scheduleId, 1)
  const b = await hold('buyer', concert.id, scheduleId, 2)
  const first = await pay('buyer', concert.id, [b.body.id, a.body.id])
  t.equal(first.status, 201)
  t.same(first.body.reservationIds, [a.body.id, b.body.id])
  t.equal(first.body.amount, 5000)
  t.equal(first.body.balance, 5000)
  t.match(first.body.paidAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const again = await pay('buyer', concert.id, [a.body.id, b.body.id])
  t.equal(again.status, 200)
  t.same(again.body, first.body, 'the first payment, no money taken')
  t.equal(await balanceOf('buyer'), 5000)

  const partial = await pay('buyer', concert.id, [a.body.id])
  t.equal(partial.status, 409, 'a subset of a payment is not the same payment')
  t.equal(partial.body.code, 'RESERVATION_PAID')
  const c = await hold('buyer', concert.id, scheduleId, 3)
  const mixed = await pay('buyer', concert.id, [a.body.id, c.body.id])
  t.equal(mixed.body.code, 'RESERVATION_PAID')

  const seats = await call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`)
  t.same(seats.body.map((s: { status: string }) => s.status), ['SOLD', 'SOLD', 'HELD'])
  const schedules = await call(core, 'GET', `/api/concerts/${concert.id}/schedules`)
  t.equal(schedules.body[0].availableSeats, 0)
  const history = await call(core, 'GET', '/api/users/me/payments', { user: 'buyer' })
  t.same(history.body, [
    { id: first.body.id, reservationIds: first.body.reservationIds, amount: 5000, paidAt: first.body.paidAt, status: 'PAID', refundedAt: null },
  ])
  const reservations = await call(core, 'GET', '/api/users/me/reservations', { user: 'buyer' })
  t.same(reservations.body.map((r: { status: string }) => r.status), ['HELD', 'PAID', 'PAID'], 'newest first')
  t.equal((await hold('someone', concert.id, scheduleId, 1)).body.code, 'SEAT_UNAVAILABLE', 'sold seats cannot be held')
})

t.test('when the balance is short, then nothing changes and the answer names balance and amount', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 2, price: 3000 }] })
  const scheduleId = concert.schedules[0]!.id
  await charge('short', 5000)
  const a = await hold('short', concert.id, scheduleId, 1)
  const b = await hold('short', concert.id, scheduleId, 2)
  const before = await snapshot(core.databaseUrl, 'short')
  const res = await pay('short', concert.id, [a.body.id, b.body.id])
  t.equal(res.status, 409)
  t.match(res.body, { code: 'INSUFFICIENT_BALANCE', balance: 5000, amount: 6000 })
  t.same(await snapshot(core.databaseUrl, 'short'), before, 'balance, ledger, seats, reservations untouched')
})

t.test('when one of the holds has expired, then nothing changes', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 2, price: 1000 }] })
  const scheduleId = concert.schedules[0]!.id
  await charge('late', 5000)
  const a = await hold('late', concert.id, scheduleId, 1)
  const b = await hold('late', concert.id, scheduleId, 2)
  await expireHold(core.databaseUrl, b.body.id)
  const before = await snapshot(core.databaseUrl, 'late')
  const res = await pay('late', concert.id, [a.body.id, b.body.id])
  t.equal(res.status, 409)
  t.equal(res.body.code, 'HOLD_EXPIRED')
  t.same(await snapshot(core.databaseUrl, 'late'), before)
  const released = await hold('late', concert.id, scheduleId, 2)
  t.equal(released.status, 201)
  await call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${released.body.id}`, { user: 'late' })
  const cancelled = await pay('late', concert.id, [a.body.id, released.body.id])
  t.equal(cancelled.body.code, 'HOLD_EXPIRED', 'a released hold cannot be paid either')
})

t.test('payments refuse reservations that are not the caller’s, not this concert’s, or too many', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 10, price: 10 }] })
  const other = await createConcert(core)
  const scheduleId = concert.schedules[0]!.id
  const mine = await hold('payer', concert.id, scheduleId, 1)
  const theirs = await hold('other', concert.id, scheduleId, 2)
  t.equal((await pay('payer', concert.id, [theirs.body.id])).body.code, 'RESERVATION_NOT_FOUND')
  t.equal((await pay('payer', other.id, [mine.body.id])).body.code, 'RESERVATION_NOT_FOUND')
  t.equal((await pay('payer', concert.id, [mine.body.id, 999_999])).body.code, 'RESERVATION_NOT_FOUND')
  t.equal((await pay('payer', 999_999, [mine.body.id])).body.code, 'CONCERT_NOT_FOUND')
  const tooMany = await pay('payer', concert.id, [1, 2, 3, 4, 5])
  t.equal(tooMany.status, 400)
  t.match(tooMany.body.message, /reservationIds/)
  const empty = await pay('payer', concert.id, [])
  t.equal(empty.status, 400)
  t.match(empty.body.message, /reservationIds/)
})

t.test('a balance never exceeds 1,000,000,000: 409 BALANCE_LIMIT and nothing changes', async (t) => {
  for (let i = 0; i < 100; i++) t.equal((await charge('rich', 10_000_000)).status, 201)
  t.equal(await balanceOf('rich'), 1_000_000_000)
  const over = await charge('rich', 1)
  t.equal(over.status, 409)
  t.equal(over.body.code, 'BALANCE_LIMIT')
  t.equal(await balanceOf('rich'), 1_000_000_000)
})

t.test('charges validate the amount and name the field', async (t) => {
  for (const amount of [0, -5, 10_000_001, 1.5, '100']) {
    const res = await call(core, 'POST', '/api/users/me/balance/charges', { user: 'v', body: { amount } })
    t.equal(res.status, 400, `amount ${JSON.stringify(amount)}`)
    t.equal(res.body.code, 'VALIDATION_ERROR')
    t.match(res.body.message, /amount/)
  }
  const missing = await call(core, 'POST', '/api/users/me/balance/charges', { user: 'v', body: {} })
  t.match(missing.body.message, /amount/)
})
