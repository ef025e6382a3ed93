/**
 * The invariant checker catches what it is there for: each rule, broken on purpose in a database that
 * was consistent a moment before, is reported; a check narrowed to another concert or user sees nothing.
 */
import t, { type Test } from 'tap'
import { call, checkInvariants, createConcert, INVARIANTS, problems, query, type StartedCore, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

interface Books {
  core: StartedCore
  concertId: number
  /** The buyer's two PAID reservations, and the holder's live hold. */
  paid: [number, number]
  held: number
  /** A payment of the returner's, refunded, and its one reservation. */
  refunded: { paymentId: number; reservationId: number }
}

/**
 * A core whose books hold: a buyer charged and paid for two seats, another user holds a third, a
 * returner bought a fourth and had it refunded.
 */
async function consistentBooks(t: Test): Promise<Books> {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const concert = await createConcert(core, { schedules: [{ seats: 5, price: 1000 }] })
  const reserve = async (user: string, seatNumber: number) =>
    (await call(core, 'POST', `/api/concerts/${concert.id}/reservations`, { user, body: { scheduleId: concert.scheduleId, seatNumber } })).body.id as number
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'buyer', body: { amount: 5000 } })
  const paid: [number, number] = [await reserve('buyer', 1), await reserve('buyer', 2)]
  const payment = await call(core, 'POST', `/api/concerts/${concert.id}/payments`, { user: 'buyer', body: { reservationIds: paid } })
  if (payment.status !== 201) throw new Error(`payment failed: ${payment.text}`)
  const held = await reserve('holder', 3)
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'returner', body: { amount: 1000 } })
  const returned = await reserve('returner', 5)
  const bought = await call(core, 'POST', `/api/concerts/${concert.id}/payments`, { user: 'returner', body: { reservationIds: [returned] } })
  const refund = await call(core, 'POST', `/api/users/me/payments/${bought.body.id}/refund`, { user: 'returner' })
  if (refund.status !== 200) throw new Error(`refund failed: ${refund.text}`)
  t.same(problems(await checkInvariants(core.databaseUrl)), [], 'the books hold before anything is planted')
  return { core, concertId: concert.id, paid, held, refunded: { paymentId: bought.body.id, reservationId: returned } }
}

/** Each rule with SQL that breaks it (and perhaps others) in consistent books. */
const plants: Record<string, (b: Books) => string> = {
  'no seat has more than one PAID reservation': (b) => `drop index reservations_one_paid_per_seat;
    insert into reservations (user_id, concert_id, schedule_id, seat_number, price, status, expires_at, payment_id)
      select 'twin', concert_id, schedule_id, seat_number, price, 'PAID', expires_at, payment_id from reservations where id = ${b.paid[0]}`,
  'no reservation is in more than one payment': (b) => `insert into payments (user_id, concert_id, amount, reservation_ids)
    values ('buyer', ${b.concertId}, 1000, array[${b.paid[0]}])`,
  'a sold seat has a PAID reservation': (b) =>
    `update seats set sold = true where seat_number = 4 and schedule_id = (select schedule_id from reservations where id = ${b.held})`,
  "a PAID reservation's seat is sold": (b) => `update seats set sold = false from reservations r
    where r.id = ${b.paid[0]} and seats.schedule_id = r.schedule_id and seats.seat_number = r.seat_number`,
  'a PAID reservation belongs to a payment that lists it': (b) => `update reservations set payment_id = null where id = ${b.paid[0]}`,
  "a payment's reservations are all PAID by it, or all REFUNDED with it": (b) =>
    `update reservations set status = 'PAID' where id = ${b.refunded.reservationId}`,
  "a REFUNDED reservation's seat is not sold for it": (b) => `update seats set sold = true, reservation_id = r.id from reservations r
    where r.id = ${b.refunded.reservationId} and seats.schedule_id = r.schedule_id and seats.seat_number = r.seat_number`,
  'a payment is REFUNDED exactly when it has a refundedAt, never before it was paid': (b) =>
    `update payments set refunded_at = paid_at - interval '1 hour' where id = ${b.refunded.paymentId}`,
  // Balance and ledger still agree: only the refund's own entry is missing.
  'a REFUNDED payment has exactly one refund entry, of plus its amount; a PAID one none': () =>
    `delete from ledger where kind = 'refund'; update balances set balance = balance - 1000 where user_id = 'returner'`,
  "nobody's paid seats plus live holds of a concert exceed its maxTicketsPerUser": (b) =>
    `update concerts set max_tickets_per_user = 1 where id = ${b.concertId}`,
  "a payment's amount is the sum of its reservations' prices": () => `update payments set amount = amount + 1`,
  // A sale the stock never heard of: the seats and the stock disagree by one.
  "each date's stock (what the inventory read adds up) counts its seats and its sold seats": (b) =>
    `insert into stock_changes (schedule_id, sold) select id, 1 from schedules where concert_id = ${b.concertId} limit 1`,
  'a live hold is recorded on its seat': (b) => `update seats set reservation_id = null from reservations r
    where r.id = ${b.held} and seats.schedule_id = r.schedule_id and seats.seat_number = r.seat_number`,
  "every balance equals the sum of its user's ledger": () => `update balances set balance = balance + 1 where user_id = 'buyer'`,
  // The sum is unchanged: only the sign rule sees a charge recorded as a payment.
  'every ledger entry has a known kind and its sign (charges and refunds add, payments take)': () =>
    `update ledger set kind = 'payment' where kind = 'charge'`,
  'every payment has exactly one ledger entry, of minus its amount': () =>
    `update balances set balance = balance + 2000 where user_id = 'buyer'; delete from ledger where kind = 'payment'`,
  // Balance and ledger agree; a ledger debit without a payment is what only this rule sees.
  'every balance equals its charges minus its payments plus its refunds': () => `insert into ledger (user_id, amount, kind) values ('buyer', -1, 'payment');
    update balances set balance = balance - 1 where user_id = 'buyer'`,
}

t.test('every rule has a planted violation here', async (t) => {
  t.same(Object.keys(plants).sort(), INVARIANTS.map((i) => i.rule).sort())
})

for (const [rule, plant] of Object.entries(plants)) {
  t.test(`when a violation is planted, then "${rule}" reports it`, async (t) => {
    const books = await consistentBooks(t)
    await query(books.core.databaseUrl, `do $$ begin ${plant(books)}; end $$`)
    const results = await checkInvariants(books.core.databaseUrl)
    const found = results.find((r) => r.rule === rule)!
    t.ok(found.violations.length > 0, found.violations.join('; ') || 'nothing reported')
  })
}

t.test('when the check is narrowed to another concert and user, then it sees nothing of these', async (t) => {
  const books = await consistentBooks(t)
  await query(books.core.databaseUrl, `update seats set sold = false; update balances set balance = balance + 1`)
  t.not(problems(await checkInvariants(books.core.databaseUrl)).length, 0, 'broken in the whole database')
  const elsewhere = await checkInvariants(books.core.databaseUrl, { concertIds: [books.concertId + 1], userIds: ['someone-else'] })
  t.same(problems(elsewhere), [], 'nothing within the scope')
})
