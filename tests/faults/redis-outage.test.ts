/**
 * Redis stops in the middle of a rush. The gateway must answer 503
 * UPSTREAM_UNAVAILABLE quickly (no hang, no crash), say 503 on /health/ready, and recover by itself
 * once Redis is back. With persistence on, the line and the active users survive a restart in order.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { activeToken, admin, type Answer, as, call, createConcert, enterToken, queueStats, randomPrefix, setQueue, startRedis, tokenState, waitFor } from '@rushgate/testkit'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

/** A behaviour bound (a 503 instead of a hang), generous for a loaded 2-core machine; not a performance figure. */
const FAST_MS = 1500
const RECOVERY_MS = 5000

const db = await scratchDatabase('redis_outage')
const core = await spawnCore(db.url)
t.teardown(async () => {
  await core.kill()
  await db.drop()
})

async function status(url: string, path: string): Promise<number> {
  return (await call(url, 'GET', path, { timeoutMs: 3000 })).status
}

t.test('when Redis is killed mid-rush, then the gateway answers 503 fast and recovers by itself', async (t) => {
  const redis = await startRedis()
  const gateway = await spawnGateway({ coreUrl: core.url, redisUrl: redis.url, prefix: randomPrefix('rg_outage') })
  t.teardown(async () => {
    await gateway.kill()
    await redis.close()
  })
  const concert = await createConcert(gateway.url, 50)
  await setQueue(gateway.url, concert.id, { maxActive: 2 })
  const users = Array.from({ length: 8 }, (_, i) => `outage-user-${i}`)
  const tokens: string[] = []
  for (const user of users) tokens.push(await enterToken(gateway.url, concert.id, user))

  // Status polls keep running across the kill: each must end quickly, as 200 or 503, never hang.
  let polling = true
  t.teardown(() => {
    polling = false
  })
  const polled: Answer[] = []
  const poller = (async () => {
    while (polling) {
      const i = polled.length % users.length
      polled.push(await tokenState(gateway.url, concert.id, users[i]!, tokens[i]!).catch((err) => ({ status: -1, text: String(err), ms: 0 }) as Answer))
    }
  })()
  await sleep(200)
  await redis.kill()
  await sleep(300)

  const during = await Promise.all([
    call(gateway.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as('outage-newcomer'), timeoutMs: 5000 }),
    ...users.map((u, i) => tokenState(gateway.url, concert.id, u, tokens[i]!)),
    call(gateway.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as(users[7]!, tokens[7]!), timeoutMs: 5000 }),
    call(gateway.url, 'GET', `/api/admin/queues/${concert.id}`, { headers: admin, timeoutMs: 5000 }),
    call(gateway.url, 'GET', '/health/ready', { timeoutMs: 5000 }),
    // A proxied route: its queue token is checked in Redis before anything reaches the core.
    call(gateway.url, 'GET', `/api/concerts/${concert.id}/schedules`, { headers: as(users[0]!, tokens[0]!), timeoutMs: 5000 }),
  ])
  for (const answer of during) {
    t.equal(answer.status, 503, `503 while Redis is down: ${answer.text}`)
    t.equal(answer.body?.code, 'UPSTREAM_UNAVAILABLE', 'with the contract code')
    t.ok(answer.ms < FAST_MS, `answered in ${Math.round(answer.ms)} ms (< ${FAST_MS})`)
  }
  // Identity-only routes need Redis for the rate limit only: either way, a quick answer and no 500.
  const balance = await call(gateway.url, 'GET', '/api/users/me/balance', { headers: as(users[0]!), timeoutMs: 5000 })
  t.ok([200, 503].includes(balance.status) && balance.ms < FAST_MS, `balance while Redis is down: ${balance.status} in ${Math.round(balance.ms)} ms`)
  t.comment(`slowest 503 while Redis was down: ${Math.round(Math.max(...during.map((a) => a.ms)))} ms`)
  t.equal(await status(gateway.url, '/health/live'), 200, 'the process is alive and says so')
  t.ok(gateway.child.alive(), 'no crash')

  await redis.start()
  const backAt = Date.now()
  await waitFor('ready again', async () => (await status(gateway.url, '/health/ready')) === 200, RECOVERY_MS)
  // The Redis came back empty: the concert must still be known (the core has it) and admission must run.
  let token = ''
  await waitFor('a newcomer can enter', async () => {
    const res = await call(gateway.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as('outage-after') })
    token = res.body?.token ?? ''
    return res.status === 201
  }, RECOVERY_MS)
  t.comment(`ready and taking newcomers ${Date.now() - backAt} ms after Redis came back`)
  t.ok(Date.now() - backAt <= RECOVERY_MS, `ready and taking newcomers again ${Date.now() - backAt} ms after Redis came back`)
  // The emptied Redis lost the admission schedule too: the ticks must come back by themselves. The
  // places of the users still polling come back from their tokens ahead of the newcomer, so with
  // maxActive 2 it is two of them that go in (after REBUILD_GRACE_MS), not necessarily the newcomer.
  t.equal((await tokenState(gateway.url, concert.id, 'outage-after', token)).status, 200, "the newcomer's place holds")
  await waitFor('admission runs again', async () => {
    const res = await call(gateway.url, 'GET', `/api/admin/queues/${concert.id}`, { headers: admin })
    return res.body?.active >= 1
  }, RECOVERY_MS)
  t.comment(`admitting again ${Date.now() - backAt} ms after Redis came back`)

  polling = false
  await poller
  const bad = polled.filter((a) => !(a.status === 200 || a.status === 503 || a.status === 410 || a.status === 401) || a.ms >= FAST_MS)
  t.same(bad.map((a) => `${a.status} ${Math.round(a.ms)}ms ${a.text.slice(0, 120)}`), [], `${polled.length} polls across the outage: all quick, none a 500`)
})

t.test('when a persistent Redis is killed and restarted, then the line and the active users survive in order', async (t) => {
  const redis = await startRedis({ persistent: true })
  const gateway = await spawnGateway({ coreUrl: core.url, redisUrl: redis.url, prefix: randomPrefix('rg_persist') })
  t.teardown(async () => {
    await gateway.kill()
    await redis.close()
  })
  const concert = await createConcert(gateway.url, 50)
  await setQueue(gateway.url, concert.id, { maxActive: 3 })
  const users = Array.from({ length: 10 }, (_, i) => `persist-user-${i}`)
  const tokens: string[] = []
  for (const [i, user] of users.entries()) {
    // The first three are admitted before the next one arrives, so the expected order is exact.
    tokens.push(i < 3 ? await activeToken(gateway.url, concert.id, user) : await enterToken(gateway.url, concert.id, user))
  }
  const before = await Promise.all(users.map((u, i) => tokenState(gateway.url, concert.id, u, tokens[i]!)))

  await redis.restart('SIGKILL')
  await waitFor('ready again', async () => (await status(gateway.url, '/health/ready')) === 200, RECOVERY_MS)

  const after = await Promise.all(users.map((u, i) => tokenState(gateway.url, concert.id, u, tokens[i]!)))
  for (let i = 0; i < users.length; i++) {
    const b = before[i]!.body
    const a = after[i]!
    t.equal(a.status, 200, `${users[i]} still holds a live token`)
    t.equal(a.body?.status, i < 3 ? 'ACTIVE' : 'WAITING', `${users[i]} keeps its status`)
    t.equal(a.body?.position, i < 3 ? null : i - 2, `${users[i]} keeps its place`)
    t.equal(a.body?.activeUntil, b.activeUntil, `${users[i]} keeps its activeUntil`)
  }
  const stats = await queueStats(gateway.url, concert.id)
  t.match(stats.body, { waiting: 7, active: 3, maxActive: 3 }, 'the counts and the settings survived')
})
