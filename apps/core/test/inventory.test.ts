/**
 * The inventory read of the admission tick (GET /api/inventory): free, held and holders of the dates
 * not started, right after holds, payments, refunds, releases and expiries, and under concurrent
 * payments and refunds (the stock the triggers keep equals counting the seats).
 */
import t from 'tap'
import { assertInvariants, call, createConcert, expireHold, query, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const charge = (user: string, amount: number) => call(core, 'POST', '/api/users/me/balance/charges', { user, body: { amount } })
const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber } })
const pay = (user: string, concertId: number, reservationIds: number[]) =>
  call(core, 'POST', `/api/concerts/${concertId}/payments`, { user, body: { reservationIds } })
const refund = (user: string, paymentId: number) => call(core, 'POST', `/api/users/me/payments/${paymentId}/refund`, { user })
const inventory = async (...ids: number[]) => (await call(core, 'GET', `/api/inventory?concertIds=${ids.join(',')}`)).body

/** What counting the seats themselves says: the figures the read must give. */
async function counted(concertId: number) {
  const [row] = await query(
    core.databaseUrl,
    `select count(*) filter (where not sold and (held_by is null or hold_expires_at <= now()))::int as available,
       count(*) filter (where not sold and held_by is not null and hold_expires_at > now())::int as held,
       count(distinct held_by) filter (where not sold and held_by is not null and hold_expires_at > now())::int as holders
     from seats join schedules s on s.id = seats.schedule_id where s.concert_id = $1 and s.starts_at > now()`,
    [concertId],
  )
  return row
}

t.test('free, held and holders follow holds, payments, refunds, releases and expiries', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 5, price: 100 }, { seats: 3, price: 100 }] })
  const [a, b] = concert.scheduleIds as [number, number]
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 2, available: 8, held: 0, holders: 0 }], 'a new concert')

  await charge('ann', 1000)
  const h1 = await hold('ann', concert.id, a, 1)
  const h2 = await hold('ann', concert.id, b, 1)
  const h3 = await hold('bob', concert.id, a, 2)
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 2, available: 5, held: 3, holders: 2 }], 'two holders, three holds')

  const paid = await pay('ann', concert.id, [h1.body.id, h2.body.id])
  t.equal(paid.status, 201)
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 2, available: 5, held: 1, holders: 1 }], 'paid seats are neither free nor held')

  await expireHold(core.databaseUrl, h3.body.id)
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 2, available: 6, held: 0, holders: 0 }], 'a hold that ran out frees its seat')

  const h4 = await hold('bob', concert.id, b, 2)
  await call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${h4.body.id}`, { user: 'bob' })
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 2, available: 6, held: 0, holders: 0 }], 'a release frees it')

  t.equal((await refund('ann', paid.body.id)).status, 200)
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 2, available: 8, held: 0, holders: 0 }], 'a refund puts both back')
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 2, available: 8, held: 0, holders: 0 }], 'reading again changes nothing')
  t.same((await inventory(concert.id))[0], { concertId: concert.id, dates: 2, ...(await counted(concert.id)) })
})

t.test('only the dates that have not started count; a concert whose dates all began has none', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 4 }, { seats: 6 }] })
  const [past] = concert.scheduleIds as [number, number]
  await query(core.databaseUrl, `update schedules set starts_at = now() - interval '1 hour' where id = $1`, [past])
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 1, available: 6, held: 0, holders: 0 }])
  await query(core.databaseUrl, `update schedules set starts_at = now() - interval '1 hour' where concert_id = $1`, [concert.id])
  t.same(await inventory(concert.id), [{ concertId: concert.id, dates: 0, available: 0, held: 0, holders: 0 }])
})

t.test('several concerts in one read; unknown ones are left out; bad ids are 400', async (t) => {
  const one = await createConcert(core, { schedules: [{ seats: 2 }] })
  const two = await createConcert(core, { schedules: [{ seats: 3 }] })
  t.same(await inventory(two.id, 999_999, one.id, one.id), [
    { concertId: one.id, dates: 1, available: 2, held: 0, holders: 0 },
    { concertId: two.id, dates: 1, available: 3, held: 0, holders: 0 },
  ])
  for (const bad of ['', 'abc', '0', '1,,2', '1;2', '2147483648', Array.from({ length: 1001 }, (_, i) => i + 1).join(',')]) {
    const res = await call(core, 'GET', `/api/inventory?concertIds=${encodeURIComponent(bad)}`)
    t.equal(res.status, 400, `concertIds=${bad.slice(0, 20)}`)
    t.equal(res.body.code, 'VALIDATION_ERROR')
  }
  t.equal((await call(core, 'GET', '/api/inventory')).status, 400, 'concertIds is required')
  t.equal((await call(core, 'GET', `/api/inventory?concertIds=${one.id}`, { noToken: true })).status, 401, 'internal only')
})

t.test('reads at once (ticks that overlap) each see the places: none folds what another is folding into nothing', async (t) => {
  for (let round = 0; round < 5; round++) {
    const concert = await createConcert(core, { schedules: [{ seats: 30 }, { seats: 20 }] })
    const reads = await Promise.all(Array.from({ length: 8 }, () => inventory(concert.id)))
    t.same(
      reads.map((r) => r[0].available),
      Array.from({ length: 8 }, () => 50),
      `round ${round}: every read of a new concert sees its 50 places`,
    )
  }
})

t.test('concurrent payments and refunds across two dates: the read equals counting the seats', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 40, price: 10 }, { seats: 40, price: 10 }] })
  const [a, b] = concert.scheduleIds as [number, number]
  const users = Array.from({ length: 20 }, (_, i) => `racer-${i}`)
  // Each user holds one seat on each date, the even ones in the other order, and pays both at once:
  // payments that sell seats of the same dates in opposite orders, with refunds among them.
  const reads: Promise<unknown>[] = []
  await Promise.all(
    users.map(async (user, i) => {
      await charge(user, 1000)
      const order = i % 2 === 0 ? [a, b] : [b, a]
      const held = []
      for (const s of order) held.push((await hold(user, concert.id, s, i + 1)).body.id)
      const paid = await pay(user, concert.id, held)
      t.equal(paid.status, 201, `${user} paid`)
      reads.push(inventory(concert.id))
      if (i % 3 === 0) t.equal((await refund(user, paid.body.id)).status, 200, `${user} refunded`)
    }),
  )
  await Promise.all(reads)
  const [read] = await inventory(concert.id)
  const refunded = users.filter((_, i) => i % 3 === 0).length
  t.same(read, { concertId: concert.id, dates: 2, ...(await counted(concert.id)) }, 'the read equals counting the seats')
  t.equal(read.available, 80 - 2 * (users.length - refunded))
})
