/** The ticket limit per user and concert, and schedules that close at their start. */
import t from 'tap'
import { assertInvariants, call, createConcert, query, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20', MAX_HOLDS_PER_USER: '10' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number, headers?: Record<string, string>) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber }, headers })
const pay = (user: string, concertId: number, reservationIds: number[]) =>
  call(core, 'POST', `/api/concerts/${concertId}/payments`, { user, body: { reservationIds } })
const setLimit = (concertId: number, maxTicketsPerUser: unknown) =>
  call(core, 'PATCH', `/api/admin/concerts/${concertId}`, { body: { maxTicketsPerUser } })

t.test('PATCH sets and clears the limit and answers the concert; bad input names the field; unknown is 404', async (t) => {
  const concert = await createConcert(core, { title: 'Limited', venue: 'Hall', schedules: [{}, {}] })
  const set = await setLimit(concert.id, 3)
  t.equal(set.status, 200)
  t.same(set.body, { id: concert.id, title: 'Limited', venue: 'Hall', schedules: 2, maxTicketsPerUser: 3 })
  t.equal((await setLimit(concert.id, null)).body.maxTicketsPerUser, null)
  for (const bad of [0, 101, 2.5, '2']) {
    const res = await setLimit(concert.id, bad)
    t.equal(res.status, 400, `maxTicketsPerUser ${JSON.stringify(bad)}`)
    t.match(res.body.message, /maxTicketsPerUser/)
  }
  t.match((await call(core, 'PATCH', `/api/admin/concerts/${concert.id}`, { body: {} })).body.message, /maxTicketsPerUser/)
  const unknown = await setLimit(424_242, 2)
  t.equal(unknown.status, 404)
  t.equal(unknown.body.code, 'CONCERT_NOT_FOUND')
  const noToken = await call(core, 'PATCH', `/api/admin/concerts/${concert.id}`, { body: { maxTicketsPerUser: 1 }, noToken: true })
  t.equal(noToken.status, 401)
})

t.test('when one user holds 10 seats at once under a limit of 3, then exactly 3 are held and the rest are TICKET_LIMIT_REACHED', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 20 }, { seats: 20 }] })
  await setLimit(concert.id, 3)
  const [a, b] = concert.schedules
  // Spread over both dates: the limit is per concert, not per date.
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => hold('greedy', concert.id, (i % 2 ? a : b)!.id, i + 1)))
  t.equal(answers.filter((r) => r.status === 201).length, 3)
  const refused = answers.filter((r) => r.status === 409)
  t.equal(refused.length, 7)
  t.ok(refused.every((r) => r.body.code === 'TICKET_LIMIT_REACHED' && r.body.limit === 3), 'each refusal names the limit')
  t.match(refused[0]!.body.message, /3 tickets/)
  const live = await query(core.databaseUrl, `select count(*)::int as n from reservations where user_id = 'greedy' and status = 'HELD'`)
  t.equal(live[0].n, 3)
})

t.test('paid seats count with live holds; released and expired holds do not; other concerts and users are apart', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 10, price: 100 }] })
  const other = await createConcert(core, { schedules: [{ seats: 10, price: 100 }] })
  const s = concert.schedules[0]!.id
  await setLimit(concert.id, 2)
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'fan', body: { amount: 1000 } })
  const first = await hold('fan', concert.id, s, 1)
  t.equal((await pay('fan', concert.id, [first.body.id])).status, 201)
  const second = await hold('fan', concert.id, s, 2)
  t.equal(second.status, 201, 'one paid + one held = the limit')
  const third = await hold('fan', concert.id, s, 3)
  t.match(third.body, { code: 'TICKET_LIMIT_REACHED', limit: 2 }, 'paying and lining up again buys no more than the limit')
  t.equal((await hold('fan', other.id, other.schedules[0]!.id, 1)).status, 201, 'another concert has its own count')
  t.equal((await hold('someone-else', concert.id, s, 3)).status, 201, 'another user has their own count')

  await call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${second.body.id}`, { user: 'fan' })
  const again = await hold('fan', concert.id, s, 4)
  t.equal(again.status, 201, 'a released hold no longer counts')
  await query(core.databaseUrl, `update reservations set expires_at = now() - interval '1 second' where id = $1`, [again.body.id])
  await query(core.databaseUrl, `update seats set hold_expires_at = now() - interval '1 second' where reservation_id = $1`, [again.body.id])
  t.equal((await hold('fan', concert.id, s, 5)).status, 201, 'an expired hold no longer counts')

  await setLimit(concert.id, null)
  t.equal((await hold('fan', concert.id, s, 6)).status, 201, 'no limit once cleared')
})

t.test('when the show has started, then holds are SCHEDULE_CLOSED; a hold never outlives the start', async (t) => {
  const soon = new Date(Date.now() + 60_000).toISOString()
  const concert = await createConcert(core, { schedules: [{ startsAt: new Date(Date.now() - 1000).toISOString() }, { startsAt: soon }] })
  const [started, upcoming] = concert.schedules
  const closed = await hold('late', concert.id, started!.id, 1)
  t.equal(closed.status, 409)
  t.equal(closed.body.code, 'SCHEDULE_CLOSED')
  t.match(closed.body.message, /started/)
  const held = await hold('early', concert.id, upcoming!.id, 1)
  t.equal(held.status, 201)
  t.equal(held.body.expiresAt, soon, 'a 300 s hold on a show starting in 60 s ends at the start')
  const rows = await query(core.databaseUrl, `select count(*)::int as n from reservations where schedule_id = $1`, [started!.id])
  t.equal(rows[0].n, 0, 'the refused hold wrote nothing')
})
