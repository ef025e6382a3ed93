/** Extending a hold: once, to HOLD_TTL_SECONDS from now, never past the token's activeUntil or the show. */
import t from 'tap'
import { assertInvariants, call, createConcert, expireHold, query, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const TTL = 120
const core = await startCore(coreEntry, { env: { HOLD_TTL_SECONDS: String(TTL) } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber } })
const extend = (user: string, concertId: number, reservationId: number, activeUntil?: string) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations/${reservationId}/extension`, {
    user,
    headers: activeUntil ? { 'x-queue-active-until': activeUntil } : {},
  })
/** Moves a live hold's end to `seconds` from now (as if it had been taken a while ago). */
const endsIn = (reservationId: number, seconds: number) =>
  query(
    core.databaseUrl,
    `with r as (update reservations set expires_at = now() + make_interval(secs => $2) where id = $1 returning id)
     update seats set hold_expires_at = now() + make_interval(secs => $2) where reservation_id = (select id from r)`,
    [reservationId, seconds],
  )
const seatExpiry = async (reservationId: number) =>
  (await query(core.databaseUrl, `select hold_expires_at from seats where reservation_id = $1`, [reservationId]))[0].hold_expires_at as Date

t.test('an extension moves the hold to HOLD_TTL_SECONDS from now, once', async (t) => {
  const concert = await createConcert(core)
  const held = await hold('slow', concert.id, concert.schedules[0]!.id, 1)
  await endsIn(held.body.id, 10)
  const started = Date.now()
  const res = await extend('slow', concert.id, held.body.id)
  t.equal(res.status, 200)
  t.same(Object.keys(res.body), ['id', 'concertId', 'scheduleId', 'seatNumber', 'price', 'status', 'expiresAt', 'section', 'row', 'seat', 'grade', 'label'])
  t.match(res.body, { id: held.body.id, status: 'HELD', seatNumber: 1 })
  const left = Date.parse(res.body.expiresAt) - started
  t.ok(left > (TTL - 5) * 1000 && left <= TTL * 1000 + 1000, `ends HOLD_TTL_SECONDS from now (${left} ms)`)
  t.equal((await seatExpiry(held.body.id)).toISOString(), res.body.expiresAt, 'the seat is held as long as the reservation')
  const mine = await call(core, 'GET', '/api/users/me/reservations', { user: 'slow' })
  t.equal(mine.body[0].expiresAt, res.body.expiresAt)

  const again = await extend('slow', concert.id, held.body.id)
  t.equal(again.status, 409)
  t.equal(again.body.code, 'HOLD_ALREADY_EXTENDED')
})

t.test('an extension never goes past the activeUntil it is asked with, nor past the show', async (t) => {
  const soon = new Date(Date.now() + 90_000).toISOString()
  const concert = await createConcert(core, { schedules: [{}, { startsAt: soon }] })
  const [later, early] = concert.schedules
  const a = await hold('capped', concert.id, later!.id, 1)
  await endsIn(a.body.id, 10)
  const until = new Date(Date.now() + 60_000).toISOString()
  t.equal((await extend('capped', concert.id, a.body.id, until)).body.expiresAt, until, 'to the token’s end')

  const b = await hold('capped', concert.id, early!.id, 1)
  await endsIn(b.body.id, 10)
  t.equal((await extend('capped', concert.id, b.body.id)).body.expiresAt, soon, 'to the show’s start')

  const c = await hold('capped', concert.id, later!.id, 2)
  const unchanged = await extend('capped', concert.id, c.body.id, new Date(Date.now() + 30_000).toISOString())
  t.equal(unchanged.status, 200)
  t.equal(unchanged.body.expiresAt, c.body.expiresAt, 'a token ending sooner than the hold does not shorten it')
  await endsIn(c.body.id, 10)
  t.equal((await extend('capped', concert.id, c.body.id)).status, 200, 'and that did not use the extension up')

  const past = await extend('capped', concert.id, a.body.id, new Date(Date.now() - 1000).toISOString())
  t.equal(past.status, 410, 'a token that ran out on the way extends nothing')
})

t.test('expired, released, paid and someone else’s holds cannot be extended', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 5, price: 10 }] })
  const s = concert.schedules[0]!.id
  const gone = await hold('u', concert.id, s, 1)
  await expireHold(core.databaseUrl, gone.body.id)
  t.match((await extend('u', concert.id, gone.body.id)).body, { statusCode: 409, code: 'HOLD_EXPIRED' })
  const released = await hold('u', concert.id, s, 2)
  await call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${released.body.id}`, { user: 'u' })
  t.equal((await extend('u', concert.id, released.body.id)).body.code, 'HOLD_EXPIRED')
  const bought = await hold('u', concert.id, s, 3)
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'u', body: { amount: 10 } })
  await call(core, 'POST', `/api/concerts/${concert.id}/payments`, { user: 'u', body: { reservationIds: [bought.body.id] } })
  t.match((await extend('u', concert.id, bought.body.id)).body, { statusCode: 409, code: 'RESERVATION_PAID' })
  const theirs = await hold('other', concert.id, s, 4)
  t.match((await extend('u', concert.id, theirs.body.id)).body, { statusCode: 404, code: 'RESERVATION_NOT_FOUND' })
  t.equal((await extend('u', 424_242, theirs.body.id)).body.code, 'RESERVATION_NOT_FOUND')
  t.equal((await extend('u', concert.id, 999_999)).body.code, 'RESERVATION_NOT_FOUND')
  t.match((await call(core, 'POST', `/api/concerts/${concert.id}/reservations/x/extension`, { user: 'u' })).body.message, /reservationId/)
})

t.test('when one hold is extended 10 times at once, then it is extended once', async (t) => {
  const concert = await createConcert(core)
  const held = await hold('eager', concert.id, concert.schedules[0]!.id, 1)
  await endsIn(held.body.id, 10)
  const answers = await Promise.all(Array.from({ length: 10 }, () => extend('eager', concert.id, held.body.id)))
  t.equal(answers.filter((a) => a.status === 200).length, 1)
  t.equal(answers.filter((a) => a.body.code === 'HOLD_ALREADY_EXTENDED').length, 9)
})
