/** The active-token gate in front of the core, and what is forwarded. */
import { createHmac } from 'node:crypto'
import t from 'tap'
import { activeToken, as, call, createConcert, enter, setQueue, tokenState, waitFor } from '@rushgate/testkit'
import { startStack } from './helpers.ts'

t.test('the active-token gate', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '100', ADMIT_BATCH: '50' })
  const url = gw.url
  const concert = await createConcert(url, 10, 1000)
  const other = await createConcert(url, 10, 1000)
  const schedules = (c: number, user: string, token?: string) =>
    call(url, 'GET', `/api/concerts/${c}/schedules`, { headers: as(user, token) })

  const aliceToken = await activeToken(url, concert.id, 'alice')
  const aliceOther = await activeToken(url, other.id, 'alice')

  t.test('when active, then the core answers', async (t) => {
    const res = await schedules(concert.id, 'alice', aliceToken)
    t.equal(res.status, 200)
    t.equal(res.body[0].id, concert.scheduleId)
    const seats = await call(url, 'GET', `/api/concerts/${concert.id}/schedules/${concert.scheduleId}/seats`, { headers: as('alice', aliceToken) })
    t.equal(seats.status, 200)
    t.equal(seats.body.length, 10)
  })

  t.test('each rejection has its code', async (t) => {
    t.match(await schedules(concert.id, 'alice'), { status: 401, body: { code: 'QUEUE_TOKEN_MISSING' } })
    t.match(await schedules(concert.id, 'alice', 'garbage'), { status: 401, body: { code: 'QUEUE_TOKEN_INVALID' } })
    // Altered payload (another user) with the old signature.
    const [body, sig] = aliceToken.split('.') as [string, string]
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString())
    const altered = `${Buffer.from(JSON.stringify({ ...claims, u: 'mallory' })).toString('base64url')}.${sig}`
    t.match(await schedules(concert.id, 'mallory', altered), { status: 401, body: { code: 'QUEUE_TOKEN_INVALID' } })
    // Altered turn (another place in the line) with the old signature.
    const otherTurn = `${Buffer.from(JSON.stringify({ ...claims, s: claims.s + 1 })).toString('base64url')}.${sig}`
    t.match(await schedules(concert.id, 'alice', otherTurn), { status: 401, body: { code: 'QUEUE_TOKEN_INVALID' } })
    // Signed with a key of the forger's choosing.
    const forgedBody = Buffer.from(JSON.stringify({ u: 'mallory', c: concert.id, s: 1 })).toString('base64url')
    const forged = `${forgedBody}.${createHmac('sha256', 'guess').update(forgedBody).digest('base64url')}`
    t.match(await schedules(concert.id, 'mallory', forged), { status: 401, body: { code: 'QUEUE_TOKEN_INVALID' } })
    t.match(await schedules(concert.id, 'bob', aliceToken), { status: 403, body: { code: 'QUEUE_TOKEN_USER_MISMATCH' } })
    t.match(await schedules(concert.id, 'alice', aliceOther), { status: 403, body: { code: 'QUEUE_TOKEN_WRONG_CONCERT' } })
    t.match(await schedules(concert.id, 'nobody', undefined), { status: 401 })
    t.match(await call(url, 'GET', `/api/concerts/${concert.id}/schedules`, { headers: { 'x-queue-token': aliceToken } }), {
      status: 401,
      body: { code: 'UNAUTHENTICATED' },
    })
    // The status route has the same checks.
    t.match(await tokenState(url, concert.id, 'bob', aliceToken), { status: 403, body: { code: 'QUEUE_TOKEN_USER_MISMATCH' } })
    t.match(await tokenState(url, concert.id, 'alice', 'x.y'), { status: 401, body: { code: 'QUEUE_TOKEN_INVALID' } })
  })

  t.test('when the active time runs out, then 410 QUEUE_TOKEN_EXPIRED', async (t) => {
    const c = await createConcert(url)
    await setQueue(url, c.id, { activeTtlSeconds: 1 })
    const token = await activeToken(url, c.id, 'shorty')
    t.equal((await schedules(c.id, 'shorty', token)).status, 200)
    await waitFor('expiry', async () => (await schedules(c.id, 'shorty', token)).status === 410, 5000)
    t.match(await schedules(c.id, 'shorty', token), { status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED' } })
    t.match(await tokenState(url, c.id, 'shorty', token), { status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED' } })
    // The slot is free again: entering gives a new token.
    const again = await enter(url, c.id, 'shorty')
    t.equal(again.status, 201)
    t.not(again.body.token, token)
  })

  t.test('a hold carries activeUntil; a payment ends the token, and its retry still gets its answer', async (t) => {
    const user = 'payer'
    const token = await activeToken(url, concert.id, user)
    const activeUntil = Date.parse((await tokenState(url, concert.id, user, token)).body.activeUntil)
    t.equal((await call(url, 'POST', '/api/users/me/balance/charges', { headers: as(user), body: { amount: 5000 } })).status, 201)
    const hold = await call(url, 'POST', `/api/concerts/${concert.id}/reservations`, {
      headers: as(user, token),
      body: { scheduleId: concert.scheduleId, seatNumber: 3 },
    })
    t.equal(hold.status, 201, JSON.stringify(hold.body))
    t.ok(Date.parse(hold.body.expiresAt) <= activeUntil, 'the hold never outlives the token')
    const before = await call(url, 'GET', `/api/admin/queues/${concert.id}`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } })

    const pay = () =>
      call(url, 'POST', `/api/concerts/${concert.id}/payments`, {
        headers: { ...as(user, token), 'idempotency-key': 'pay-1' },
        body: { reservationIds: [hold.body.id] },
      })
    const paid = await pay()
    t.equal(paid.status, 201, JSON.stringify(paid.body))
    t.equal(paid.body.balance, 4000)
    // Ended before the reply: the very next look is 410, and the slot is free.
    t.match(await tokenState(url, concert.id, user, token), { status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED' } })
    t.match(await schedules(concert.id, user, token), { status: 410 })
    const after = await call(url, 'GET', `/api/admin/queues/${concert.id}`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } })
    t.equal(after.body.active, before.body.active - 1, 'slot freed')

    // A new turn after the payment: the paid token still gets its retry through (the marker is
    // of that user and turn), and the retry leaves the new turn alone.
    const next = await enter(url, concert.id, user)
    t.equal(next.status, 201)
    t.not(next.body.token, token)
    const retry = await pay()
    t.ok([200, 201].includes(retry.status), `retry answered ${retry.status}`)
    t.equal(retry.body.id, paid.body.id, 'same payment')
    t.equal((await tokenState(url, concert.id, user, next.body.token)).status, 200, 'the new turn is still live')
    t.match(await tokenState(url, concert.id, user, token), { status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED' } })
    const balance = await call(url, 'GET', '/api/users/me/balance', { headers: as(user) })
    t.equal(balance.body.balance, 4000, 'charged once')
  })

  t.test('balance and history need identity only', async (t) => {
    t.equal((await call(url, 'GET', '/api/users/me/balance', { headers: as('fresh') })).body.balance, 0)
    t.match(await call(url, 'GET', '/api/users/me/balance'), { status: 401, body: { code: 'UNAUTHENTICATED' } })
    t.equal((await call(url, 'GET', '/api/users/me/reservations', { headers: as('payer') })).status, 200)
    t.equal((await call(url, 'GET', '/api/users/me/payments', { headers: as('payer') })).body.length, 1)
    const list = await call(url, 'GET', '/api/concerts')
    t.equal(list.status, 200)
    t.ok(list.body.length >= 2)
  })

  t.test('bodies are validated at the gateway', async (t) => {
    const res = await call(url, 'POST', '/api/users/me/balance/charges', { headers: as('v'), body: { amount: '100' } })
    t.equal(res.status, 400)
    t.equal(res.body.code, 'VALIDATION_ERROR')
    t.match(res.body.message, /amount/)
  })
})
