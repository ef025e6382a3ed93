/**
 * The paths built for speed: seat maps and dates as JSON text from Postgres, and a payment's writes
 * in one statement. The other test files prove the rules; these cover what those paths add.
 */
import pg from 'pg'
import t from 'tap'
import { assertInvariants, call, createConcert, expireHold, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry)
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber } })
const pay = (user: string, concertId: number, reservationIds: number[]) =>
  call(core, 'POST', `/api/concerts/${concertId}/payments`, { user, body: { reservationIds } })

t.test('a seat map is JSON with every status, an expired hold reading AVAILABLE', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 4, price: 10_000_000 }] })
  const scheduleId = concert.schedules[0]!.id
  const held = await hold('h', concert.id, scheduleId, 2)
  const gone = await hold('h', concert.id, scheduleId, 3)
  await expireHold(core.databaseUrl, gone.body.id)
  const res = await call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  const place = (n: number) => ({ section: 'MAIN', row: '1', seat: n, grade: 'STANDARD', label: `MAIN-1-${n}` })
  t.same(res.body, [
    { seatNumber: 1, status: 'AVAILABLE', price: 10_000_000, ...place(1) },
    { seatNumber: 2, status: 'HELD', price: 10_000_000, ...place(2) },
    { seatNumber: 3, status: 'AVAILABLE', price: 10_000_000, ...place(3) },
    { seatNumber: 4, status: 'AVAILABLE', price: 10_000_000, ...place(4) },
  ])
  t.same(Object.keys(res.body[0]), ['seatNumber', 'status', 'price', 'section', 'row', 'seat', 'grade', 'label'])
  t.equal(held.status, 201)
})

t.test('dates are JSON in start order with live counts; unknown ids are JSON 404s', async (t) => {
  const concert = await createConcert(core, {
    schedules: [
      { startsAt: '2032-02-02T20:00:00Z', seats: 3 },
      { startsAt: '2032-02-01T20:00:00Z', seats: 2 },
    ],
  })
  const later = concert.schedules.find((s) => s.startsAt.startsWith('2032-02-02'))!
  await hold('d', concert.id, later.id, 1)
  const res = await call(core, 'GET', `/api/concerts/${concert.id}/schedules`)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.same(
    res.body.map((s: { startsAt: string; availableSeats: number; totalSeats: number }) => [
      s.startsAt,
      s.totalSeats,
      s.availableSeats,
    ]),
    [
      ['2032-02-01T20:00:00.000Z', 2, 2],
      ['2032-02-02T20:00:00.000Z', 3, 2],
    ],
  )
  t.same(Object.keys(res.body[0]), ['id', 'concertId', 'startsAt', 'totalSeats', 'availableSeats'])
  t.equal(res.body[0].concertId, concert.id)

  const unknown = await call(core, 'GET', '/api/concerts/424243/schedules')
  t.equal(unknown.status, 404)
  t.match(unknown.headers.get('content-type'), /^application\/json/)
  t.same(unknown.body.code, 'CONCERT_NOT_FOUND')
  const other = await createConcert(core)
  const foreign = await call(core, 'GET', `/api/concerts/${other.id}/schedules/${later.id}/seats`)
  t.equal(foreign.body.code, 'SCHEDULE_NOT_FOUND', "another concert's date is not found under this one")
})

t.test('free seats can be paid by a user who was never charged', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 2, price: 0 }] })
  const scheduleId = concert.schedules[0]!.id
  const a = await hold('free', concert.id, scheduleId, 1)
  const res = await pay('free', concert.id, [a.body.id])
  t.equal(res.status, 201)
  t.match(res.body, { amount: 0, balance: 0, reservationIds: [a.body.id] })
  const seats = await call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`)
  t.same(
    seats.body.map((s: { status: string }) => s.status),
    ['SOLD', 'AVAILABLE'],
  )
  const b = await hold('free', concert.id, scheduleId, 2)
  t.equal((await pay('free', concert.id, [b.body.id])).status, 201, 'and again, now that the balance row exists')
})

t.test('a payment by a user with no balance row is INSUFFICIENT_BALANCE with balance 0', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 1, price: 700 }] })
  const a = await hold('broke', concert.id, concert.schedules[0]!.id, 1)
  const res = await pay('broke', concert.id, [a.body.id])
  t.equal(res.status, 409)
  t.match(res.body, { code: 'INSUFFICIENT_BALANCE', balance: 0, amount: 700 })
})

t.test('a hold is one message to Postgres, a payment two (three with an Idempotency-Key), a refund two', async (t) => {
  // Every message node-postgres sends goes through Client#query (a pool's query included).
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const original = proto.query
  let messages = 0
  let prepares = 0
  proto.query = function (this: unknown, ...args: unknown[]) {
    messages++
    if (typeof args[0] === 'string' && args[0].startsWith('prepare ')) prepares++
    return original.apply(this, args)
  }
  t.teardown(() => {
    proto.query = original
  })
  const count = async (fn: () => Promise<{ status: number }>, status: number) => {
    messages = 0
    const res = await fn()
    t.equal(res.status, status)
    return messages
  }
  /** Holds, pays (with and without a key, and again) and refunds as `user`; the messages of each step. */
  const journey = async (user: string) => {
    const concert = await createConcert(core, { schedules: [{ seats: 3, price: 10 }] })
    const scheduleId = concert.schedules[0]!.id
    await call(core, 'POST', '/api/users/me/balance/charges', { user, body: { amount: 100 } })
    const ids: number[] = []
    const holdOne = (n: number) => async () => {
      const res = await hold(user, concert.id, scheduleId, n)
      ids.push(res.body.id)
      return res
    }
    const keyed = () =>
      call(core, 'POST', `/api/concerts/${concert.id}/payments`, {
        user,
        body: { reservationIds: [ids[1]!] },
        headers: { 'idempotency-key': `${user}-pay` },
      })
    const steps = {
      hold: await count(holdOne(1), 201),
      secondHold: await count(holdOne(2), 201),
      payment: await count(() => pay(user, concert.id, [ids[0]!]), 201),
      keyedPayment: await count(keyed, 201),
      replay: await count(keyed, 201),
      refund: 0,
    }
    const history = await call(core, 'GET', '/api/users/me/payments', { user })
    steps.refund = await count(() => call(core, 'POST', `/api/users/me/payments/${history.body[0].id}/refund`, { user }), 200)
    return steps
  }
  // The first time, a connection PREPAREs what it runs (one message more, once per statement).
  await journey('warming')
  t.ok(prepares > 0, `the first journey prepared its statements (${prepares} PREPARE messages)`)
  prepares = 0
  t.same(
    await journey('counted'),
    { hold: 1, secondHold: 1, payment: 2, keyedPayment: 3, replay: 2, refund: 2 },
    'a hold: 1; a payment: 2 (3 with a key; its replay: the claim that finds the answer, then ROLLBACK); a refund: 2',
  )
  t.equal(prepares, 0, 'nothing is prepared twice on a connection')
})

t.test('a seat map says when its first live hold runs out; every write names the seat maps it changed', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 3, price: 10 }, { seats: 3, price: 10 }] })
  const [a, b] = concert.schedules.map((s) => s.id) as [number, number]
  const map = (s: number) => call(core, 'GET', `/api/concerts/${concert.id}/schedules/${s}/seats`)
  t.equal((await map(a)).headers.get('x-seat-map-fresh-ms'), null, 'no live hold: the map changes only by a write')
  const first = await hold('w', concert.id, a, 1)
  t.equal(first.headers.get('x-seat-maps-changed'), `${concert.id}:${a}`)
  const fresh = Number((await map(a)).headers.get('x-seat-map-fresh-ms'))
  t.ok(fresh > 290_000 && fresh <= 300_000, `fresh for the hold's 300 s (${fresh} ms)`)
  t.equal((await hold('w2', concert.id, a, 1)).headers.get('x-seat-maps-changed'), null, 'a refused hold changes nothing')
  const second = await hold('w', concert.id, b, 1)
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'w', body: { amount: 100 } })
  const paid = await pay('w', concert.id, [first.body.id, second.body.id])
  t.same(paid.headers.get('x-seat-maps-changed')?.split(',').sort(), [`${concert.id}:${a}`, `${concert.id}:${b}`].sort(), 'a payment: both dates')
  const refunded = await call(core, 'POST', `/api/users/me/payments/${paid.body.id}/refund`, { user: 'w' })
  t.same(refunded.headers.get('x-seat-maps-changed')?.split(',').sort(), [`${concert.id}:${a}`, `${concert.id}:${b}`].sort(), 'a refund: both dates, named with their concert')
  const third = await hold('w', concert.id, b, 2)
  const release = () => call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${third.body.id}`, { user: 'w' })
  t.equal((await release()).headers.get('x-seat-maps-changed'), `${concert.id}:${b}`)
  t.equal((await release()).headers.get('x-seat-maps-changed'), null, 'releasing again changes nothing')
})
