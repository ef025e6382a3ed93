/**
 * The line follows what the concert has left to sell (real core, Postgres and Redis):
 * - seatsAvailable / seatsHeld in the views and seatsLeft in a waiting token, null before the first tick;
 * - admission bounded by the free places not spoken for, NO_SEATS while that bound holds, and exactly
 *   one more admitted when a place comes back and again when a turn ends without a hold;
 * - sold out: every live turn ends with SOLD_OUT (a paid one keeps PAID, a left one LEFT), joins are
 *   409 SOLD_OUT, and a refund reopens the line for new places at the back.
 */
import { admin, as, call, charge, createConcert, enter, enterToken, hold, pay, tokenState, waitActive, waitFor } from '@rushgate/testkit'
import t from 'tap'
import { patchQueue, startStack } from './helpers.ts'

const INTERVAL_MS = 200
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('before the line’s first tick the stock is unknown: null', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '3600000' })
  const c = await createConcert(gw.url)
  const token = await enterToken(gw.url, c.id, 'early')
  t.match((await call(gw.url, 'GET', `/api/queues/${c.id}`)).body, { seatsAvailable: null, seatsHeld: null, heldBack: null })
  t.match((await call(gw.url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body, {
    seatsAvailable: null,
    seatsHeld: null,
    heldBack: null,
    adaptive: false,
    targetLatencyMs: 800,
    effectiveAdmitPerTick: 100,
    coreP95Ms: null,
  })
  t.match(await tokenState(gw.url, c.id, 'early', token), { body: { status: 'WAITING', seatsLeft: null } })
})

t.test('the line follows the stock', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const url = gw.url
  const view = async (id: number) => (await call(url, 'GET', `/api/queues/${id}`)).body
  const adminView = async (id: number) => (await call(url, 'GET', `/api/admin/queues/${id}`, { headers: admin })).body
  /** Waits for `n` more ticks of this line (its history grows one entry a tick). */
  const ticks = async (id: number, n: number) => {
    const key = `${gw.prefix}:{c:${id}}:history`
    const start = await gw.redis.xlen(key)
    await waitFor(`${n} ticks`, async () => (await gw.redis.xlen(key)) >= start + n)
  }

  t.test('NO_SEATS, then a place that comes back and a turn ended without a hold each let exactly one in', async (t) => {
    const c = await createConcert(url, { schedules: [{ seats: 3, price: 100 }] })
    const scheduleId = c.scheduleIds[0]!
    await patchQueue(url, c.id, { paused: true, admitPerTick: 10 })
    const users = ['a', 'b', 'c', 'd', 'e', 'f'].map((u) => `ns-${u}`)
    const tokens = new Map<string, string>()
    for (const u of users) tokens.set(u, await enterToken(url, c.id, u))
    await ticks(c.id, 1)
    t.match(await view(c.id), { seatsAvailable: 3, seatsHeld: 0, heldBack: 'PAUSED' }, 'paused: the stock is read anyway')
    t.match(await tokenState(url, c.id, users[5]!, tokens.get(users[5]!)!), { body: { status: 'WAITING', position: 6, seatsLeft: 3 } })

    await patchQueue(url, c.id, { paused: false })
    await waitFor('three admitted', async () => (await adminView(c.id)).admittedTotal === 3)
    await ticks(c.id, 3)
    t.match(await adminView(c.id), { admittedTotal: 3, active: 3, waiting: 3, seatsAvailable: 3, heldBack: 'NO_SEATS' }, 'three free places, three active users who hold none: nobody more')
    t.equal((await view(c.id)).heldBack, 'NO_SEATS', 'in the public view too')

    // a holds and pays: a place gone and a turn gone, so still nobody.
    await charge(url, users[0]!, 1000)
    const held = await hold(url, c.id, users[0]!, tokens.get(users[0]!)!, scheduleId, 1)
    t.equal(held.status, 201)
    await ticks(c.id, 2)
    t.match(await adminView(c.id), { admittedTotal: 3, seatsAvailable: 2, seatsHeld: 1, heldBack: 'NO_SEATS' }, 'a hold speaks for a place')
    t.equal((await pay(url, c.id, users[0]!, tokens.get(users[0]!)!, [held.body.id])).status, 201)
    await ticks(c.id, 3)
    t.match(await adminView(c.id), { admittedTotal: 3, active: 2, seatsAvailable: 2, seatsHeld: 0 }, 'the seat sold and the turn ended: still nobody')

    // A place that comes back (the refund) lets exactly one in.
    const payments = await call(url, 'GET', '/api/users/me/payments', { headers: as(users[0]!) })
    t.equal((await call(url, 'POST', `/api/users/me/payments/${payments.body[0].id}/refund`, { headers: as(users[0]!) })).status, 200)
    await waitFor('one more admitted', async () => (await adminView(c.id)).admittedTotal === 4)
    await ticks(c.id, 3)
    t.match(await adminView(c.id), { admittedTotal: 4, active: 3, waiting: 2, seatsAvailable: 3, heldBack: 'NO_SEATS' }, 'exactly one')
    t.match(await tokenState(url, c.id, users[3]!, tokens.get(users[3]!)!), { body: { status: 'ACTIVE', seatsLeft: null } }, 'the next in line')

    // A turn that ends without a hold lets exactly one in.
    t.equal((await call(url, 'DELETE', `/api/queues/${c.id}/tokens/current`, { headers: as(users[1]!, tokens.get(users[1]!)) })).status, 204)
    await waitFor('one more admitted', async () => (await adminView(c.id)).admittedTotal === 5)
    await ticks(c.id, 3)
    t.match(await adminView(c.id), { admittedTotal: 5, active: 3, waiting: 1, heldBack: 'NO_SEATS' }, 'exactly one')
    t.match(await tokenState(url, c.id, users[4]!, tokens.get(users[4]!)!), { body: { status: 'ACTIVE' } })
    t.match(await tokenState(url, c.id, users[5]!, tokens.get(users[5]!)!), { body: { status: 'WAITING', position: 1, seatsLeft: 3 } })
  })

  t.test('sold out: every live turn ends SOLD_OUT, PAID and LEFT keep theirs, joins are 409; a refund reopens', async (t) => {
    const c = await createConcert(url, { schedules: [{ seats: 2, price: 100 }] })
    const scheduleId = c.scheduleIds[0]!
    await patchQueue(url, c.id, { admitPerTick: 3 })
    const [buyer, idle, leaver] = ['so-buyer', 'so-idle', 'so-leaver']
    const tokens = new Map<string, string>()
    for (const u of [buyer, idle]) {
      tokens.set(u, await enterToken(url, c.id, u))
      await waitActive(url, c.id, u, tokens.get(u)!)
    }
    // Two active users who hold nothing speak for both places: the rest wait.
    for (const u of [leaver, 'so-w1', 'so-w2']) tokens.set(u, await enterToken(url, c.id, u))
    t.equal((await call(url, 'DELETE', `/api/queues/${c.id}/tokens/current`, { headers: as(leaver, tokens.get(leaver)) })).status, 204)
    await charge(url, buyer, 1000)
    const holds = [await hold(url, c.id, buyer, tokens.get(buyer)!, scheduleId, 1), await hold(url, c.id, buyer, tokens.get(buyer)!, scheduleId, 2)]
    t.same(holds.map((h) => h.status), [201, 201])
    t.equal((await pay(url, c.id, buyer, tokens.get(buyer)!, holds.map((h) => h.body.id))).status, 201)

    await waitFor('SOLD_OUT', async () => (await view(c.id)).state === 'SOLD_OUT')
    t.match(await adminView(c.id), { state: 'SOLD_OUT', seatsAvailable: 0, seatsHeld: 0, waiting: 0, active: 0, heldBack: 'SOLD_OUT' })
    const reason = async (u: string) => (await tokenState(url, c.id, u, tokens.get(u)!)).body.reason
    t.equal(await reason(buyer), 'PAID', 'PAID wins over SOLD_OUT')
    t.equal(await reason(idle), 'SOLD_OUT', 'an active turn live at the sell-out')
    t.equal(await reason('so-w1'), 'SOLD_OUT', 'a waiting one')
    t.equal(await reason(leaver), 'LEFT', 'a turn that ended before keeps its reason')
    t.match(await enter(url, c.id, 'so-new'), { status: 409, body: { code: 'SOLD_OUT', message: /sold out/ } }, 'a join is 409 SOLD_OUT')
    t.match(await enter(url, c.id, 'so-w2'), { status: 409, body: { code: 'SOLD_OUT' } }, 'so is a join again')

    // A refund puts the places back: the line reopens from the next tick, with new places at the back.
    const payments = await call(url, 'GET', '/api/users/me/payments', { headers: as(buyer) })
    t.equal((await call(url, 'POST', `/api/users/me/payments/${payments.body[0].id}/refund`, { headers: as(buyer) })).status, 200)
    await waitFor('OPEN again', async () => (await view(c.id)).state === 'OPEN')
    t.match(await view(c.id), { seatsAvailable: 2, seatsHeld: 0 })
    const again = await enter(url, c.id, 'so-w1')
    t.equal(again.status, 201, 'a new place')
    t.not(again.body.token, tokens.get('so-w1'))
    t.equal(await reason('so-w1'), 'SOLD_OUT', 'the turn that ended stays ended')
    await waitActive(url, c.id, 'so-w1', again.body.token)
    await sleep(INTERVAL_MS)
  })
})
