/**
 * The paths built for speed: seat maps and dates as JSON text from Postgres, and a payment's writes
 * in one statement. The other test files prove the rules; these cover what those paths add.
 */
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
  t.same(res.body, [
    { seatNumber: 1, status: 'AVAILABLE', price: 10_000_000 },
    { seatNumber: 2, status: 'HELD', price: 10_000_000 },
    { seatNumber: 3, status: 'AVAILABLE', price: 10_000_000 },
    { seatNumber: 4, status: 'AVAILABLE', price: 10_000_000 },
  ])
  t.same(Object.keys(res.body[0]), ['seatNumber', 'status', 'price'])
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
