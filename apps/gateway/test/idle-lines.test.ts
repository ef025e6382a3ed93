/**
 * A concert whose shows have all begun: its line is CLOSED from the tick that reads it (joins 409,
 * those in line kept), and once empty the admission tick stops visiting it (no more samples in its
 * history), while an empty line with shows to come stays visited.
 */
import { as, call, createConcert, enter, enterToken, startStack, tokenState, waitFor } from '@rushgate/testkit'
import { coreEntry } from '@rushgate/core/entry-points'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'
import { patchQueue } from './helpers.ts'

const INTERVAL_MS = 100
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('an empty line with every show begun is CLOSED and skipped', async (t) => {
  const stack = await startStack({ core: coreEntry, gateway: gatewayEntry }, { gateway: { ADMIT_INTERVAL_MS: String(INTERVAL_MS) } })
  t.teardown(() => stack.close())
  const gw = stack.gateway
  const idleKey = `${gw.prefix}:idle-concerts`
  // Its only show begins a few seconds from now: a fan who joined before keeps the place once the
  // line is closed, but nothing is left to sell.
  const past = await createConcert(gw.url, { schedules: [{ startsAt: new Date(Date.now() + 4_000).toISOString() }] })
  // Nobody is admitted meanwhile.
  t.equal((await patchQueue(gw.url, past.id, { admitPerTick: 0 })).status, 200)
  const token = await enterToken(gw.url, past.id, 'early-fan')
  const future = await createConcert(gw.url)

  await waitFor('the past concert is CLOSED', async () => (await call(gw.url, 'GET', `/api/queues/${past.id}`)).body.state === 'CLOSED')
  // Admission back on: the seats, none left, are what holds the fan back now.
  t.equal((await patchQueue(gw.url, past.id, { admitPerTick: 10 })).status, 200)
  await waitFor('a tick held back by the seats', async () => (await call(gw.url, 'GET', `/api/queues/${past.id}`)).body.heldBack === 'NO_SEATS')
  t.match((await call(gw.url, 'GET', `/api/queues/${past.id}`)).body, { waiting: 1, seatsAvailable: 0, seatsHeld: 0, heldBack: 'NO_SEATS' })
  t.match(await tokenState(gw.url, past.id, 'early-fan', token), { status: 200, body: { status: 'WAITING', seatsLeft: 0 } })
  t.match(await enter(gw.url, past.id, 'late-fan'), { status: 409, body: { code: 'QUEUE_CLOSED' } }, 'no new place once every date has begun')
  const left = await call(gw.url, 'DELETE', `/api/queues/${past.id}/tokens/current`, { headers: as('early-fan', token) })
  t.equal(left.status, 204)

  await waitFor('the past concert goes idle', async () => (await gw.redis.sismember(idleKey, String(past.id))) === 1)
  t.equal(await gw.redis.sismember(idleKey, String(future.id)), 0, 'a line with shows to come stays visited')
  const stream = (id: number) => `${gw.prefix}:{c:${id}}:history`
  const pastBefore = await gw.redis.xlen(stream(past.id))
  const futureBefore = await gw.redis.xlen(stream(future.id))
  await sleep(INTERVAL_MS * 6)
  t.equal(await gw.redis.xlen(stream(past.id)), pastBefore, 'the idle line gets no more ticks')
  t.ok((await gw.redis.xlen(stream(future.id))) > futureBefore, 'the other line still does')
  t.match(await enter(gw.url, past.id, 'later-fan'), { status: 409, body: { code: 'QUEUE_CLOSED' } }, 'still closed')
  t.equal(await gw.redis.sismember(idleKey, String(past.id)), 1, 'a refused join leaves it idle')
  t.equal((await call(gw.url, 'GET', `/api/queues/${past.id}`)).body.state, 'CLOSED')
})
