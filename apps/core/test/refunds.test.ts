/** Refunds: whole, once, before the show, in one transaction; and what the history and sales report show. */
import t from 'tap'
import { assertInvariants, call, createConcert, query, snapshot, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const charge = (user: string, amount: number) => call(core, 'POST', '/api/users/me/balance/charges', { user, body: { amount } })
const balanceOf = async (user: string) => (await call(core, 'GET', '/api/users/me/balance', { user })).body.balance
const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber } })
const pay = (user: string, concertId: number, reservationIds: number[]) =>
  call(core, 'POST', `/api/concerts/${concertId}/payments`, { user, body: { reservationIds } })
const refund = (user: string, paymentId: number, key?: string) =>
  call(core, 'POST', `/api/users/me/payments/${paymentId}/refund`, { user, headers: key ? { 'idempotency-key': key } : {} })
const seatsOf = async (concertId: number, scheduleId: number) =>
  (await call(core, 'GET', `/api/concerts/${concertId}/schedules/${scheduleId}/seats`)).body.map((s: { status: string }) => s.status)

/** A user who charged `balance`, held `seats` and paid them: the payment. */
async function bought(user: string, concert: { id: number; schedules: { id: number }[] }, seats: number[], balance = 10_000) {
  await charge(user, balance)
  const held = await Promise.all(seats.map((n) => hold(user, concert.id, concert.schedules[0]!.id, n)))
  const paid = await pay(user, concert.id, held.map((h) => h.body.id))
  if (paid.status !== 201) throw new Error(`payment failed: ${JSON.stringify(paid.body)}`)
  return paid.body as { id: number; amount: number; balance: number; reservationIds: number[] }
}

t.test('a refund gives the whole amount back, frees the seats, and shows in the history and the sales report', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 4, price: 1500 }] })
  const s = concert.schedules[0]!.id
  const payment = await bought('returner', concert, [1, 2], 5000)
  t.equal(payment.balance, 2000)
  const res = await refund('returner', payment.id)
  t.equal(res.status, 200)
  t.same(Object.keys(res.body), ['id', 'amount', 'balance', 'refundedAt'])
  t.match(res.body, { id: payment.id, amount: 3000, balance: 5000, refundedAt: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ })
  t.equal(await balanceOf('returner'), 5000)
  t.same(await seatsOf(concert.id, s), ['AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'AVAILABLE'])

  const ledger = await query(core.databaseUrl, `select kind, amount::int, payment_id from ledger where user_id = 'returner' order by id`)
  t.same(ledger.map((l) => [l.kind, l.amount]), [['charge', 5000], ['payment', -3000], ['refund', 3000]], 'a ledger entry of its own')
  t.equal(ledger[2].payment_id, payment.id)

  const history = await call(core, 'GET', '/api/users/me/payments', { user: 'returner' })
  t.same(history.body, [
    { id: payment.id, reservationIds: payment.reservationIds, amount: 3000, paidAt: history.body[0].paidAt, status: 'REFUNDED', refundedAt: res.body.refundedAt },
  ])
  const mine = await call(core, 'GET', '/api/users/me/reservations', { user: 'returner' })
  t.same(mine.body.map((r: { status: string }) => r.status), ['REFUNDED', 'REFUNDED'])

  const again = await refund('returner', payment.id)
  t.equal(again.status, 409)
  t.equal(again.body.code, 'PAYMENT_REFUNDED')
  t.equal(await balanceOf('returner'), 5000, 'once only')

  const sales = await call(core, 'GET', `/api/admin/concerts/${concert.id}/sales`)
  t.same(sales.body, {
    concertId: concert.id,
    maxTicketsPerUser: null,
    schedules: [{ id: s, startsAt: concert.schedules[0]!.startsAt, totalSeats: 4, available: 4, held: 0, sold: 0, revenue: 0 }],
    payments: 1,
    refunds: 1,
    revenue: 0,
    byGrade: [{ grade: 'STANDARD', sold: 0, revenue: 0 }],
  })
})

t.test('someone else’s or an unknown payment is 404 PAYMENT_NOT_FOUND; a bad id is 400; nothing changes', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 2, price: 100 }] })
  const payment = await bought('owner', concert, [1])
  const before = await snapshot(core.databaseUrl, 'owner')
  const stranger = await refund('stranger', payment.id)
  t.equal(stranger.status, 404)
  t.equal(stranger.body.code, 'PAYMENT_NOT_FOUND')
  t.equal((await refund('owner', 999_999)).body.code, 'PAYMENT_NOT_FOUND')
  const bad = await call(core, 'POST', '/api/users/me/payments/abc/refund', { user: 'owner' })
  t.equal(bad.status, 400)
  t.match(bad.body.message, /paymentId/)
  t.same(await snapshot(core.databaseUrl, 'owner'), before)
})

t.test('once the earliest show among its seats has started, a refund is SCHEDULE_CLOSED and changes nothing', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 2, price: 100 }, { seats: 2, price: 100 }] })
  await charge('watcher', 1000)
  const a = await hold('watcher', concert.id, concert.schedules[0]!.id, 1)
  const b = await hold('watcher', concert.id, concert.schedules[1]!.id, 1)
  const paid = await pay('watcher', concert.id, [a.body.id, b.body.id])
  // The first of the two dates begins: the payment covers it, so it can no longer be refunded.
  await query(core.databaseUrl, `update schedules set starts_at = now() - interval '1 minute' where id = $1`, [concert.schedules[0]!.id])
  const before = await snapshot(core.databaseUrl, 'watcher')
  const res = await refund('watcher', paid.body.id)
  t.equal(res.status, 409)
  t.equal(res.body.code, 'SCHEDULE_CLOSED')
  t.same(await snapshot(core.databaseUrl, 'watcher'), before)
})

t.test('a refund that would take the balance past 1,000,000,000 is BALANCE_LIMIT and changes nothing', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 1, price: 10_000_000 }] })
  const payment = await bought('rich', concert, [1], 10_000_000)
  for (let i = 0; i < 100; i++) await charge('rich', 10_000_000)
  t.equal(await balanceOf('rich'), 1_000_000_000)
  const before = await snapshot(core.databaseUrl, 'rich')
  const res = await refund('rich', payment.id)
  t.equal(res.status, 409)
  t.match(res.body, { code: 'BALANCE_LIMIT', balance: 1_000_000_000, amount: 10_000_000 })
  t.same(await snapshot(core.databaseUrl, 'rich'), before)
})

t.test('with an Idempotency-Key, 20 refunds at once refund once and all get the same answer', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 1, price: 700 }] })
  const payment = await bought('sure', concert, [1], 1000)
  const answers = await Promise.all(Array.from({ length: 20 }, () => refund('sure', payment.id, 'refund-once')))
  t.ok(answers.every((a) => a.status === 200), 'all 200')
  t.ok(answers.every((a) => JSON.stringify(a.body) === JSON.stringify(answers[0]!.body)), 'identical bodies')
  t.equal(answers[0]!.body.balance, 1000)
  const refunds = await query(core.databaseUrl, `select count(*)::int as n from ledger where user_id = 'sure' and kind = 'refund'`)
  t.equal(refunds[0].n, 1)
  const later = await refund('sure', payment.id, 'refund-once')
  t.same(later.body, answers[0]!.body, 'a repeat later gets the first answer, not PAYMENT_REFUNDED')
  t.equal((await refund('sure', payment.id, 'another-key')).body.code, 'PAYMENT_REFUNDED')
})

t.test('when a refund races a second refund and a payment from the refunded money, then it happens once and the books balance', async (t) => {
  for (let round = 0; round < 8; round++) {
    const concert = await createConcert(core, { schedules: [{ seats: 4, price: 1000 }] })
    const user = `racer-${round}`
    const first = await bought(user, concert, [1, 2], 2000)
    t.equal(first.balance, 0)
    const next = await Promise.all([3, 4].map((n) => hold(user, concert.id, concert.schedules[0]!.id, n)))
    const [r1, r2, p] = await Promise.all([
      refund(user, first.id),
      refund(user, first.id),
      pay(user, concert.id, next.map((h) => h.body.id)),
    ])
    const refunds = [r1, r2].map((r) => r.status).sort()
    t.same(refunds, [200, 409], `round ${round}: one refund, one PAYMENT_REFUNDED`)
    t.equal([r1, r2].find((r) => r.status === 409)!.body.code, 'PAYMENT_REFUNDED')
    // The payment either came after the refund (and spent its money) or before it (and found 0 won).
    if (p.status === 201) t.equal(await balanceOf(user), 0, 'refund, then payment')
    else {
      t.match(p.body, { code: 'INSUFFICIENT_BALANCE', balance: 0, amount: 2000 })
      t.equal(await balanceOf(user), 2000, 'payment refused, then refund')
    }
    await assertInvariants(core.databaseUrl)
  }
})

t.test('after a refund the seat can be bought by someone else; paying the refunded holds again answers the first payment', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 1, price: 400 }] })
  const s = concert.schedules[0]!.id
  const first = await bought('changed-mind', concert, [1], 400)
  t.equal((await hold('second', concert.id, s, 1)).body.code, 'SEAT_UNAVAILABLE', 'sold before the refund')
  t.equal((await refund('changed-mind', first.id)).status, 200)
  const retry = await pay('changed-mind', concert.id, first.reservationIds)
  t.equal(retry.status, 200, 'a late retry of the payment gets its first answer and takes no money')
  t.equal(retry.body.id, first.id)
  t.equal(await balanceOf('changed-mind'), 400)

  await charge('second', 400)
  const held = await hold('second', concert.id, s, 1)
  t.equal(held.status, 201, 'the refunded seat is free')
  const paid = await pay('second', concert.id, [held.body.id])
  t.equal(paid.status, 201)
  t.same(await seatsOf(concert.id, s), ['SOLD'])
  const rows = await query(core.databaseUrl, `select user_id, status from reservations where schedule_id = $1 order by id`, [s])
  t.same(rows.map((r) => [r.user_id, r.status]), [['changed-mind', 'REFUNDED'], ['second', 'PAID']])
  const sales = await call(core, 'GET', `/api/admin/concerts/${concert.id}/sales`)
  t.match(sales.body, { payments: 2, refunds: 1, revenue: 400, schedules: [{ sold: 1, available: 0, revenue: 400 }] })
})

t.test('the sales report counts every date’s seats and revenue; unknown concert is 404', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 5, price: 100 }, { seats: 3, price: 250 }] })
  await call(core, 'PATCH', `/api/admin/concerts/${concert.id}`, { body: { maxTicketsPerUser: 4 } })
  const [a, b] = concert.schedules
  await bought('r1', concert, [1, 2])
  await charge('r2', 1000)
  const h = await hold('r2', concert.id, b!.id, 1)
  await pay('r2', concert.id, [h.body.id])
  await hold('r3', concert.id, a!.id, 5)
  const refunded = await bought('r4', { id: concert.id, schedules: [b!] }, [2])
  await refund('r4', refunded.id)
  const res = await call(core, 'GET', `/api/admin/concerts/${concert.id}/sales`)
  t.equal(res.status, 200)
  t.same(res.body, {
    concertId: concert.id,
    maxTicketsPerUser: 4,
    schedules: [
      { id: a!.id, startsAt: a!.startsAt, totalSeats: 5, available: 2, held: 1, sold: 2, revenue: 200 },
      { id: b!.id, startsAt: b!.startsAt, totalSeats: 3, available: 2, held: 0, sold: 1, revenue: 250 },
    ],
    payments: 3,
    refunds: 1,
    revenue: 450,
    byGrade: [{ grade: 'STANDARD', sold: 3, revenue: 450 }],
  })
  t.equal((await call(core, 'GET', '/api/admin/concerts/424242/sales')).body.code, 'CONCERT_NOT_FOUND')
})

t.test('metrics count refunds by result', async (t) => {
  const text = await (await fetch(`${core.url}/metrics`)).text()
  t.match(text, /rushgate_refunds_total\{result="ok"\} \d+/)
  t.match(text, /rushgate_refunds_total\{result="PAYMENT_REFUNDED"\} \d+/)
})
