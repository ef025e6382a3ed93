import t from 'tap'
import { assertInvariants, call, createConcert, expireHold, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const hold = (user: string, concertId: number, scheduleId: number, seatNumber: number) =>
  call(core, 'POST', `/api/concerts/${concertId}/reservations`, { user, body: { scheduleId, seatNumber } })

t.test('when payments, releases and new holds hit the same seats at once, then nothing deadlocks or fails', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 40, price: 10 }] })
  const scheduleId = concert.schedules[0]!.id
  const work: Promise<{ status: number }>[] = []
  for (let u = 0; u < 10; u++) {
    const user = `owner-${u}`
    await call(core, 'POST', '/api/users/me/balance/charges', { user, body: { amount: 100 } })
    const held = await Promise.all([1, 2, 3, 4].map((k) => hold(user, concert.id, scheduleId, u * 4 + k)))
    const ids = held.map((h) => h.body.id)
    // Half the holds have run out: paying them races a new holder taking the seat.
    if (u % 2 === 0) await expireHold(core.databaseUrl, ids[0])
    work.push(call(core, 'POST', `/api/concerts/${concert.id}/payments`, { user, body: { reservationIds: ids } }))
    work.push(call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${ids[1]}`, { user }))
    work.push(call(core, 'DELETE', `/api/concerts/${concert.id}/reservations/${ids[0]}`, { user }))
    for (let k = 1; k <= 4; k++) work.push(hold(`rival-${u}-${k}`, concert.id, scheduleId, u * 4 + k))
  }
  const answers = await Promise.all(work)
  const statuses = answers.map((a) => a.status)
  t.notOk(statuses.some((s) => s >= 500), `no 5xx among ${statuses.length} answers`)
  const seats = await call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`)
  t.equal(seats.body.length, 40)
})
