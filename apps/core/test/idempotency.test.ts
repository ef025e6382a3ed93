import t from 'tap'
import { assertInvariants, call, createConcert, query, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const charge = (user: string, amount: number, key?: string) =>
  call(core, 'POST', '/api/users/me/balance/charges', {
    user,
    body: { amount },
    headers: key === undefined ? {} : { 'idempotency-key': key },
  })

t.test('when one Idempotency-Key is sent 50 times at once, then one charge happens and all 50 answers are the same', async (t) => {
  const answers = await Promise.all(Array.from({ length: 50 }, () => charge('idem', 700, 'charge-once')))
  t.ok(answers.every((a) => a.status === 201), 'all 201')
  t.ok(answers.every((a) => JSON.stringify(a.body) === JSON.stringify(answers[0]!.body)), 'identical bodies')
  t.same(answers[0]!.body, { userId: 'idem', balance: 700, charged: 700 })
  const ledger = await query(core.databaseUrl, `select count(*)::int as n from ledger where user_id = 'idem'`)
  t.equal(ledger[0].n, 1, 'one ledger entry')
})

t.test('when one Idempotency-Key pays 50 times at once, then one payment happens and all 50 answers are the same', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 2, price: 300 }] })
  const scheduleId = concert.schedules[0]!.id
  await charge('idem-pay', 1000)
  const hold = await call(core, 'POST', `/api/concerts/${concert.id}/reservations`, {
    user: 'idem-pay',
    body: { scheduleId, seatNumber: 1 },
  })
  const answers = await Promise.all(
    Array.from({ length: 50 }, () =>
      call(core, 'POST', `/api/concerts/${concert.id}/payments`, {
        user: 'idem-pay',
        body: { reservationIds: [hold.body.id] },
        headers: { 'idempotency-key': 'pay-once' },
      }),
    ),
  )
  t.ok(answers.every((a) => a.status === 201), 'all 201 (the first answer, replayed)')
  t.ok(answers.every((a) => JSON.stringify(a.body) === JSON.stringify(answers[0]!.body)))
  t.equal(answers[0]!.body.balance, 700)
  const payments = await query(core.databaseUrl, `select count(*)::int as n from payments where user_id = 'idem-pay'`)
  t.equal(payments[0].n, 1)
})

t.test('when the same key comes with a different body, then it is 422 IDEMPOTENCY_KEY_REUSED', async (t) => {
  t.equal((await charge('reuse', 100, 'k')).status, 201)
  const other = await charge('reuse', 200, 'k')
  t.equal(other.status, 422)
  t.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED')
  const otherRoute = await call(core, 'POST', '/api/concerts/1/payments', {
    user: 'reuse',
    body: { reservationIds: [1] },
    headers: { 'idempotency-key': 'k' },
  })
  t.equal(otherRoute.body.code, 'IDEMPOTENCY_KEY_REUSED', 'another route counts as another request')
  t.equal((await call(core, 'GET', '/api/users/me/balance', { user: 'reuse' })).body.balance, 100)
  t.equal((await charge('someone-else', 200, 'k')).status, 201, 'keys are per user')
})

t.test('a 4xx answer is kept too: the repeat gets it even after the cause is gone', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 1, price: 500 }] })
  const scheduleId = concert.schedules[0]!.id
  const hold = await call(core, 'POST', `/api/concerts/${concert.id}/reservations`, {
    user: 'poor',
    body: { scheduleId, seatNumber: 1 },
  })
  const payOnce = () =>
    call(core, 'POST', `/api/concerts/${concert.id}/payments`, {
      user: 'poor',
      body: { reservationIds: [hold.body.id] },
      headers: { 'idempotency-key': 'pay-poor' },
    })
  const first = await payOnce()
  t.equal(first.status, 409)
  t.equal(first.body.code, 'INSUFFICIENT_BALANCE')
  await charge('poor', 1000)
  const second = await payOnce()
  t.same(second, { ...second, status: 409, body: first.body }, 'the stored 409, not a new attempt')
  const fresh = await call(core, 'POST', `/api/concerts/${concert.id}/payments`, {
    user: 'poor',
    body: { reservationIds: [hold.body.id] },
    headers: { 'idempotency-key': 'pay-poor-2' },
  })
  t.equal(fresh.status, 201, 'a new key pays')
})

t.test('Idempotency-Key must be 1 to 64 characters', async (t) => {
  const long = await charge('keys', 1, 'x'.repeat(65))
  t.equal(long.status, 400)
  t.match(long.body.message, /idempotency-key/)
  const empty = await charge('keys', 1, '')
  t.equal(empty.status, 400)
  t.equal((await charge('keys', 1, 'y'.repeat(64))).status, 201)
})

t.test('old answers are forgotten after 24 hours', async (t) => {
  await charge('old', 5, 'stale')
  await query(core.databaseUrl, `update idempotency_keys set created_at = now() - interval '25 hours' where key = 'stale'`)
  const { forgetOldAnswers } = await import('../src/domain/idempotency.ts')
  t.ok((await forgetOldAnswers(core.app.database.db)) >= 1)
  t.equal((await charge('old', 6, 'stale')).status, 201, 'the key is free again')
})
