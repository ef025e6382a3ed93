/**
 * The admission tick stops visiting a line that is empty and whose shows have all begun (no more
 * samples in its history), keeps visiting an empty line with shows to come, and visits a line
 * again once someone joins it.
 */
import { as, call, createConcert, enterToken, startStack, waitActive, waitFor } from '@rushgate/testkit'
import { coreEntry } from '@rushgate/core/entry-points'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'

const INTERVAL_MS = 100
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('an empty line with every show begun is skipped until a join', async (t) => {
  const stack = await startStack({ core: coreEntry, gateway: gatewayEntry }, { gateway: { ADMIT_INTERVAL_MS: String(INTERVAL_MS) } })
  t.teardown(() => stack.close())
  const gw = stack.gateway
  const idleKey = `${gw.prefix}:idle-concerts`
  const past = await createConcert(gw.url, { schedules: [{ startsAt: new Date(Date.now() - 3_600_000).toISOString() }] })
  const future = await createConcert(gw.url)

  await waitFor('the past concert goes idle', async () => (await gw.redis.sismember(idleKey, String(past.id))) === 1)
  t.equal(await gw.redis.sismember(idleKey, String(future.id)), 0, 'a line with shows to come stays visited')
  const stream = (id: number) => `${gw.prefix}:{c:${id}}:history`
  const pastBefore = await gw.redis.xlen(stream(past.id))
  const futureBefore = await gw.redis.xlen(stream(future.id))
  await sleep(INTERVAL_MS * 6)
  t.equal(await gw.redis.xlen(stream(past.id)), pastBefore, 'the idle line gets no more ticks')
  t.ok((await gw.redis.xlen(stream(future.id))) > futureBefore, 'the other line still does')

  // A join wakes it: the next tick admits the fan.
  const token = await enterToken(gw.url, past.id, 'late-fan')
  t.equal(await gw.redis.sismember(idleKey, String(past.id)), 0, 'the join took the line out of the idle set')
  await waitActive(gw.url, past.id, 'late-fan', token)
  t.ok((await gw.redis.xlen(stream(past.id))) > pastBefore, 'visited again')

  // Empty again (the fan leaves): idle again.
  const left = await call(gw.url, 'DELETE', `/api/queues/${past.id}/tokens/current`, { headers: as('late-fan', token) })
  t.equal(left.status, 204)
  await waitFor('idle again', async () => (await gw.redis.sismember(idleKey, String(past.id))) === 1)
})
