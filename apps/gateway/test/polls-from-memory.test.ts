/**
 * Polls of waiting places answered from what the replica learnt at the last tick: positions match
 * ZRANK (exact in the first 1,000 places, within 1% beyond) with people leaving in the middle, no
 * Redis lookup per poll, ACTIVE within a tick, and a turn ended on one replica is 410 at once on
 * another.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import { as, call, createConcert, deletePrefix, enter, randomPrefix, setQueue, startCore, startGateway, testRedis, tokenState, waitFor } from '@rushgate/testkit'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'
import { startStack } from './helpers.ts'

const INTERVAL_MS = 200
const USERS = 3000

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!)
    }),
  )
}

t.test('positions from memory match ZRANK within the promise, with people leaving in the middle', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const concert = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true })
  const users = Array.from({ length: USERS }, (_, i) => `pm-${i}`)
  const tokens = new Map<string, string>()
  await inParallel(users, 50, async (u) => {
    tokens.set(u, (await enter(gw.url, concert.id, u)).body.token)
  })
  // Every token asked once: the replica learns each place from Redis.
  await inParallel(users, 50, async (u) => {
    t.equal((await tokenState(gw.url, concert.id, u, tokens.get(u)!)).status, 200)
  })
  await waitFor('a snapshot', async () => gw.app.gateway.line.mirror.version(concert.id) !== null)

  // Leaves at the head, in the middle of the head, at its edge and far back.
  const leaving = users.filter((_, i) => i < 5 || (i > 400 && i % 7 === 0 && i < 1300) || (i > 2000 && i % 11 === 0))
  await inParallel(leaving, 20, async (u) => {
    t.equal((await call(gw.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as(u, tokens.get(u)) })).status, 204)
  })
  const staying = users.filter((u) => !leaving.includes(u))

  const { redis: lineRedis, keys } = gw.app.gateway
  const original = lineRedis.rgStatus.bind(lineRedis)
  let lookups = 0
  lineRedis.rgStatus = (...args) => {
    lookups++
    return original(...args)
  }
  t.teardown(() => {
    lineRedis.rgStatus = original
  })
  const check = async (label: string) => {
    lookups = 0
    let worst = 0
    let exactMisses = 0
    await inParallel(staying, 50, async (u) => {
      const [answer, rank] = await Promise.all([
        tokenState(gw.url, concert.id, u, tokens.get(u)!),
        gw.redis.zrank(keys.concert(concert.id).waiting, u),
      ])
      const truth = (rank ?? -1) + 1
      const position = answer.body.position as number
      if (truth <= 1000 && position !== truth) exactMisses++
      worst = Math.max(worst, Math.abs(position - truth) / truth)
    })
    t.equal(exactMisses, 0, `${label}: exact in the first 1,000 places`)
    t.ok(worst <= 0.01, `${label}: within 1% beyond (worst ${(worst * 100).toFixed(2)}%)`)
    t.ok(lookups <= staying.length * 0.01, `${label}: answered from memory (${lookups} lookups for ${staying.length} polls)`)
  }
  await check('right after the leaves')
  const version = gw.app.gateway.line.mirror.version(concert.id)
  await waitFor('the next snapshot', async () => (gw.app.gateway.line.mirror.version(concert.id) ?? 0) > (version ?? 0))
  await check('after the next tick')

  // Admission: the admitted are ACTIVE at their next poll after the tick.
  await setQueue(gw.url, concert.id, { paused: false, admitPerTick: 10 })
  const first = staying[0]!
  await waitFor('admitted', async () => (await tokenState(gw.url, concert.id, first, tokens.get(first)!)).body.status === 'ACTIVE', 3000)
})

t.test('a turn ended on one replica is 410 at once on another', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const prefix = randomPrefix()
  const opts = { coreUrl: core.url, internalToken: core.internalToken, prefix, env: { ADMIT_INTERVAL_MS: String(INTERVAL_MS) } }
  const a = await startGateway(gatewayEntry, opts)
  const b = await startGateway(gatewayEntry, opts)
  const redis = testRedis()
  t.teardown(async () => {
    await a.close()
    await b.close()
    await deletePrefix(redis, prefix)
    redis.disconnect()
  })
  const concert = await createConcert(a.url)
  await setQueue(a.url, concert.id, { paused: true })
  const users = Array.from({ length: 20 }, (_, i) => `rep-${i}`)
  const tokens = new Map<string, string>()
  for (const u of users) tokens.set(u, (await enter(a.url, concert.id, u)).body.token)
  await waitFor('snapshots on both', async () => a.app.gateway.line.mirror.version(concert.id) !== null && b.app.gateway.line.mirror.version(concert.id) !== null)
  // Both replicas know every place (and answer from memory from now on).
  for (const u of users) for (const g of [a, b]) t.equal((await tokenState(g.url, concert.id, u, tokens.get(u)!)).status, 200)

  for (const [i, u] of users.entries()) {
    const [here, there] = i % 2 === 0 ? [a, b] : [b, a]
    t.equal((await call(here.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as(u, tokens.get(u)) })).status, 204)
    // The other replica hears of it by one Redis message: within milliseconds, never a tick later.
    const heard = Date.now()
    let answer = await tokenState(there.url, concert.id, u, tokens.get(u)!)
    while (answer.status !== 410 && Date.now() - heard < INTERVAL_MS / 2) {
      await new Promise((r) => setTimeout(r, 5))
      answer = await tokenState(there.url, concert.id, u, tokens.get(u)!)
    }
    t.equal(answer.status, 410, `${u} left on one replica: 410 on the other well within a tick`)
    t.equal(answer.body.reason, 'LEFT')
    // And the place behind it moved up on the other replica at once.
    const next = users[i + 1]
    if (next) t.equal((await tokenState(there.url, concert.id, next, tokens.get(next)!)).body.position, 1)
  }
})
