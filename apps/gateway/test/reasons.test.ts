/**
 * Why a turn ended, as every 410 says it (EXPIRED, PAID, LEFT, REPLACED; ABANDONED is in
 * abandoned.test.ts), and the wait estimate while maxActive holds admission back.
 */
import t from 'tap'
import { activeToken, admin, as, call, createConcert, enter, tokenState, waitFor } from '@rushgate/testkit'
import { patchQueue, startStack } from './helpers.ts'

const INTERVAL_MS = 100

t.test('every 410 says why the turn ended', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const url = gw.url
  const concert = await createConcert(url)
  const leave = (id: number, user: string, token: string) =>
    call(url, 'DELETE', `/api/queues/${id}/tokens/current`, { headers: as(user, token) })
  const schedules = (id: number, user: string, token: string) =>
    call(url, 'GET', `/api/concerts/${id}/schedules`, { headers: as(user, token) })
  const ended = (reason: string) => ({ status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED', reason } })

  t.test('EXPIRED: the active time ran out', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { activeTtlSeconds: 1 })
    const token = await activeToken(url, c.id, 'exp')
    await waitFor('expiry', async () => (await tokenState(url, c.id, 'exp', token)).status === 410, 5000)
    t.match(await tokenState(url, c.id, 'exp', token), ended('EXPIRED'))
    t.match(await schedules(c.id, 'exp', token), ended('EXPIRED'))
    t.match(await leave(c.id, 'exp', token), ended('EXPIRED'))
  })

  t.test('PAID: the turn ended with a payment, also after a new turn began', async (t) => {
    const token = await activeToken(url, concert.id, 'buyer')
    await call(url, 'POST', '/api/users/me/balance/charges', { headers: as('buyer'), body: { amount: 5000 } })
    const hold = await call(url, 'POST', `/api/concerts/${concert.id}/reservations`, {
      headers: as('buyer', token),
      body: { scheduleId: concert.scheduleId, seatNumber: 1 },
    })
    const paid = await call(url, 'POST', `/api/concerts/${concert.id}/payments`, {
      headers: as('buyer', token),
      body: { reservationIds: [hold.body.id] },
    })
    t.equal(paid.status, 201)
    t.match(await tokenState(url, concert.id, 'buyer', token), ended('PAID'))
    t.match(await schedules(concert.id, 'buyer', token), ended('PAID'))
    t.match(await leave(concert.id, 'buyer', token), ended('PAID'))
    t.equal((await enter(url, concert.id, 'buyer')).status, 201)
    t.match(await tokenState(url, concert.id, 'buyer', token), ended('PAID'), 'a paid turn stays PAID')
  })

  t.test('LEFT: waiting, in the pre-queue and active', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { paused: true })
    const waiting = (await enter(url, c.id, 'left-w')).body.token
    t.equal((await leave(c.id, 'left-w', waiting)).status, 204)
    t.match(await tokenState(url, c.id, 'left-w', waiting), ended('LEFT'))
    t.match(await leave(c.id, 'left-w', waiting), ended('LEFT'))

    const pre = await createConcert(url)
    await patchQueue(url, pre.id, { opensAt: new Date(Date.now() + 600_000).toISOString() })
    const prequeued = (await enter(url, pre.id, 'left-p')).body.token
    t.equal((await leave(pre.id, 'left-p', prequeued)).status, 204)
    t.match(await tokenState(url, pre.id, 'left-p', prequeued), ended('LEFT'))

    const active = await activeToken(url, concert.id, 'left-a')
    t.equal((await leave(concert.id, 'left-a', active)).status, 204)
    t.match(await schedules(concert.id, 'left-a', active), ended('LEFT'))
  })

  t.test('REPLACED: the user holds a newer turn', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { paused: true })
    const first = (await enter(url, c.id, 'again')).body.token
    await leave(c.id, 'again', first)
    const second = await enter(url, c.id, 'again')
    t.equal(second.status, 201)
    t.match(await tokenState(url, c.id, 'again', first), ended('REPLACED'))
    t.match(await leave(c.id, 'again', first), ended('REPLACED'), 'and leaving with it leaves the newer turn alone')
    t.equal((await tokenState(url, c.id, 'again', second.body.token)).body.status, 'WAITING')
  })
})

t.test('while maxActive holds admission back, the wait comes from who actually leaves', async (t) => {
  const TTL = 600
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const url = gw.url
  const c = await createConcert(url)
  await patchQueue(url, c.id, { paused: true, maxActive: 2, activeTtlSeconds: TTL })
  const users = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']
  const tokens: string[] = []
  for (const u of users) tokens.push((await enter(url, c.id, u)).body.token)
  await patchQueue(url, c.id, { paused: false })
  await waitFor('two active', async () => (await call(url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body.active === 2)
  const waits = async () => {
    const out: number[] = []
    for (let i = 2; i < users.length; i++) out.push((await tokenState(url, c.id, users[i]!, tokens[i]!)).body.estimatedWaitSeconds)
    return out
  }
  // Nobody left: the next slot frees when an active turn runs out, the ones after a turn later.
  const [w1, w2, w3, w4] = await waits()
  t.ok(w1! >= TTL - 5 && w1! <= TTL + 1, `first in line waits for the first turn to end (${w1} s)`)
  t.ok(w2! >= TTL - 5 && w2! <= TTL + 1, `second for the second turn (${w2} s)`)
  t.ok(w3! >= 2 * TTL - 5 && w4! >= 2 * TTL - 5, `third and fourth for the turns after (${w3}, ${w4} s)`)
  const pub = (await call(url, 'GET', `/api/queues/${c.id}`)).body
  t.ok(pub.estimatedWaitSeconds >= 2 * TTL - 5, `someone joining now waits as long (${pub.estimatedWaitSeconds} s)`)

  // One leaves: the tick lets the next one in, and from then on the rate of the last minute counts.
  t.equal((await call(url, 'DELETE', `/api/queues/${c.id}/tokens/current`, { headers: as('m1', tokens[0]) })).status, 204)
  await waitFor('m3 admitted', async () => (await tokenState(url, c.id, 'm3', tokens[2]!)).body.status === 'ACTIVE')
  const after = []
  for (let i = 3; i < users.length; i++) after.push((await tokenState(url, c.id, users[i]!, tokens[i]!)).body.estimatedWaitSeconds)
  t.same(after, [60, 120, 180], 'one left in the last minute: one place a minute')
})
