import t from 'tap'
import { assertInvariants, call, createConcert, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry)
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

t.test('every route but health and metrics needs the internal token', async (t) => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/concerts'],
    ['GET', '/api/concerts/1'],
    ['GET', '/api/concerts/1/schedules'],
    ['GET', '/api/concerts/1/schedules/1/seats'],
    ['POST', '/api/concerts/1/reservations', { scheduleId: 1, seatNumber: 1 }],
    ['DELETE', '/api/concerts/1/reservations/1'],
    ['POST', '/api/concerts/1/reservations/1/extension'],
    ['POST', '/api/concerts/1/payments', { reservationIds: [1] }],
    ['GET', '/api/users/me/balance'],
    ['POST', '/api/users/me/balance/charges', { amount: 1 }],
    ['GET', '/api/users/me/reservations'],
    ['GET', '/api/users/me/payments'],
    ['POST', '/api/users/me/payments/1/refund'],
    ['POST', '/api/admin/concerts', { title: 'x', venue: 'y', schedules: [] }],
    ['PATCH', '/api/admin/concerts/1', { maxTicketsPerUser: 2 }],
    ['GET', '/api/admin/concerts/1/sales'],
  ]
  for (const [method, path, body] of routes) {
    const none = await call(core, method, path, { user: 'u', body, noToken: true })
    t.equal(none.status, 401, `${method} ${path} without token`)
    t.equal(none.body.code, 'UNAUTHENTICATED')
    const wrong = await call(core, method, path, { user: 'u', body, noToken: true, headers: { 'x-internal-token': 'guess' } })
    t.equal(wrong.status, 401, `${method} ${path} with a wrong token`)
  }
  t.equal((await call(core, 'GET', '/health/live', { noToken: true })).status, 200)
  t.same((await call(core, 'GET', '/health/ready', { noToken: true })).body, { status: 'ok', checks: { postgres: 'ok' } })
  const metrics = await fetch(`${core.url}/metrics`)
  t.equal(metrics.status, 200)
  t.match(await metrics.text(), /rushgate_holds_total/)
})

t.test('user routes need a valid X-User-Id', async (t) => {
  for (const user of [undefined, '', 'has space', 'x'.repeat(65), 'semi;colon']) {
    const res = await call(core, 'GET', '/api/users/me/balance', { headers: user === undefined ? {} : { 'x-user-id': user } })
    t.equal(res.status, 401, `user ${JSON.stringify(user)}`)
    t.equal(res.body.code, 'UNAUTHENTICATED')
  }
  const hold = await call(core, 'POST', '/api/concerts/1/reservations', { body: { scheduleId: 1, seatNumber: 1 } })
  t.equal(hold.status, 401)
})

t.test('admin creates a concert with seats 1..n per date; the catalog shows it', async (t) => {
  const res = await call(core, 'POST', '/api/admin/concerts', {
    body: {
      title: 'Spring Gala',
      venue: 'Main Hall',
      schedules: [
        { startsAt: '2031-05-02T10:00:00Z', seats: 3, price: 1500 },
        { startsAt: '2031-05-01T10:00:00.000Z', seats: 2, price: 900 },
      ],
    },
  })
  t.equal(res.status, 201)
  t.match(res.body, {
    id: Number,
    title: 'Spring Gala',
    venue: 'Main Hall',
    schedules: [
      { id: Number, startsAt: '2031-05-02T10:00:00.000Z', totalSeats: 3, price: 1500 },
      { id: Number, startsAt: '2031-05-01T10:00:00.000Z', totalSeats: 2, price: 900 },
    ],
  })
  const id = res.body.id
  t.same((await call(core, 'GET', `/api/concerts/${id}`)).body, { id, title: 'Spring Gala', venue: 'Main Hall', schedules: 2 })
  const list = await call(core, 'GET', '/api/concerts')
  t.same(list.body.map((c: { id: number }) => c.id), [...list.body.map((c: { id: number }) => c.id)].sort((a, b) => a - b), 'ordered by id')
  const schedules = await call(core, 'GET', `/api/concerts/${id}/schedules`)
  t.same(
    schedules.body.map((s: { startsAt: string; totalSeats: number; availableSeats: number; concertId: number }) => [
      s.startsAt,
      s.totalSeats,
      s.availableSeats,
      s.concertId,
    ]),
    [
      ['2031-05-01T10:00:00.000Z', 2, 2, id],
      ['2031-05-02T10:00:00.000Z', 3, 3, id],
    ],
    'by startsAt',
  )
  const seats = await call(core, 'GET', `/api/concerts/${id}/schedules/${res.body.schedules[0].id}/seats`)
  t.same(
    seats.body,
    [1, 2, 3].map((n) => ({ seatNumber: n, status: 'AVAILABLE', price: 1500, section: 'MAIN', row: '1', seat: n, grade: 'STANDARD', label: `MAIN-1-${n}` })),
  )
})

t.test('admin input is validated and the message names the field', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ venue: 'v', schedules: [{ startsAt: '2031-01-01T00:00:00Z', seats: 1, price: 1 }] }, /title/],
    [{ title: 't', venue: 'v', schedules: [] }, /schedules/],
    [{ title: 't', venue: 'v', schedules: [{ startsAt: 'tomorrow', seats: 1, price: 1 }] }, /startsAt/],
    [{ title: 't', venue: 'v', schedules: [{ startsAt: '2031-01-01T00:00:00Z', seats: 5001, price: 1 }] }, /seats/],
    [{ title: 't', venue: 'v', schedules: [{ startsAt: '2031-01-01T00:00:00Z', seats: 1, price: -1 }] }, /price/],
  ]
  for (const [body, field] of cases) {
    const res = await call(core, 'POST', '/api/admin/concerts', { body })
    t.equal(res.status, 400)
    t.equal(res.body.code, 'VALIDATION_ERROR')
    t.match(res.body.message, field)
  }
})

t.test('bad ids are 400 naming the parameter; unknown ids are 404 with their code', async (t) => {
  const concert = await createConcert(core)
  const scheduleId = concert.schedules[0]!.id
  const bad = await call(core, 'GET', '/api/concerts/abc/schedules')
  t.equal(bad.status, 400)
  t.match(bad.body.message, /concertId/)
  t.match((await call(core, 'GET', `/api/concerts/${concert.id}/schedules/0/seats`)).body.message, /scheduleId/)
  t.equal((await call(core, 'GET', '/api/concerts/424242')).body.code, 'CONCERT_NOT_FOUND')
  t.equal((await call(core, 'GET', '/api/concerts/424242/schedules')).body.code, 'CONCERT_NOT_FOUND')
  t.equal((await call(core, 'GET', `/api/concerts/424242/schedules/${scheduleId}/seats`)).body.code, 'CONCERT_NOT_FOUND')
  t.equal((await call(core, 'GET', `/api/concerts/${concert.id}/schedules/424242/seats`)).body.code, 'SCHEDULE_NOT_FOUND')
  const unknown = await call(core, 'GET', '/api/nothing-here')
  t.equal(unknown.status, 404)
  t.equal(unknown.body.code, 'NOT_FOUND')
})

t.test('hold bodies are validated and the message names the field', async (t) => {
  const concert = await createConcert(core)
  const path = `/api/concerts/${concert.id}/reservations`
  const cases: [unknown, RegExp][] = [
    [{ seatNumber: 1 }, /scheduleId/],
    [{ scheduleId: concert.schedules[0]!.id }, /seatNumber/],
    [{ scheduleId: '1', seatNumber: 1 }, /scheduleId/],
    [{ scheduleId: 1, seatNumber: 0 }, /seatNumber/],
  ]
  for (const [body, field] of cases) {
    const res = await call(core, 'POST', path, { user: 'v', body })
    t.equal(res.status, 400)
    t.match(res.body.message, field)
  }
  const text = await fetch(core.url + path, {
    method: 'POST',
    headers: { 'x-internal-token': core.internalToken, 'x-user-id': 'v', 'content-type': 'text/plain' },
    body: 'seat please',
  })
  t.equal(text.status, 415)
  t.equal(((await text.json()) as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE')
  const broken = await fetch(core.url + path, {
    method: 'POST',
    headers: { 'x-internal-token': core.internalToken, 'x-user-id': 'v', 'content-type': 'application/json' },
    body: '{"scheduleId":',
  })
  t.equal(broken.status, 400)
  t.equal(((await broken.json()) as { code: string }).code, 'VALIDATION_ERROR')
})

t.test('metrics count holds and payments by result', async (t) => {
  const concert = await createConcert(core)
  const scheduleId = concert.schedules[0]!.id
  await call(core, 'POST', `/api/concerts/${concert.id}/reservations`, { user: 'm', body: { scheduleId, seatNumber: 1 } })
  await call(core, 'POST', `/api/concerts/${concert.id}/reservations`, { user: 'n', body: { scheduleId, seatNumber: 1 } })
  await call(core, 'POST', `/api/concerts/${concert.id}/payments`, { user: 'm', body: { reservationIds: [999_999] } })
  const text = await (await fetch(`${core.url}/metrics`)).text()
  t.match(text, /rushgate_holds_total\{result="ok"\} \d+/)
  t.match(text, /rushgate_holds_total\{result="SEAT_UNAVAILABLE"\} \d+/)
  t.match(text, /rushgate_payments_total\{result="RESERVATION_NOT_FOUND"\} 1/)
  // The refund route names it in config.outcome, like holds and payments.
  t.match(text, /# TYPE rushgate_refunds_total counter/, 'a refund counter is exported')
})
