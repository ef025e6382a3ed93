/**
 * The gateway on a local three-primary Redis Cluster (`REDIS_CLUSTER_NODES`).
 * The representative flows run end to end — entering, status, admission ticks, the proxy, a payment
 * ending the token, admin settings, the rate limit — and no command fails with CROSSSLOT: every key
 * of a concert carries the concert's hash tag, so its multi-key scripts stay in one slot.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { activeToken, as, call, charge, createConcert, enterToken, hold, pay, queueStats, randomPrefix, rawCommand, setQueue, startRedisCluster, tokenState } from '@rushgate/testkit'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

/** Per user per minute (per IP without identity, as the admin calls are): high enough for the polling below. */
const RATE_LIMIT = 200

t.test('when the gateway runs on a Redis Cluster, then every flow works and no key crosses slots', async (t) => {
  const cluster = await startRedisCluster()
  const db = await scratchDatabase('cluster')
  const core = await spawnCore(db.url)
  const prefix = randomPrefix('rg_cluster')
  const gateway = await spawnGateway({ coreUrl: core.url, clusterNodes: cluster.nodes, prefix, env: { RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) } })
  t.teardown(async () => {
    await gateway.kill()
    await core.kill()
    await db.drop()
    await cluster.close()
  })

  t.equal((await call(gateway.url, 'GET', '/health/ready')).status, 200, 'ready on the cluster')
  const concerts = [await createConcert(gateway.url, 8, 1000), await createConcert(gateway.url, 8, 1000)]
  const [A, B] = concerts as [typeof concerts[0], typeof concerts[0]]

  // Admin settings, read back.
  await setQueue(gateway.url, A.id, { admitPerTick: 2, maxActive: 3, activeTtlSeconds: 300 })
  t.match((await queueStats(gateway.url, A.id)).body, { admitPerTick: 2, maxActive: 3, activeTtlSeconds: 300, paused: false })

  // Entering and admission ticks: three become active, the rest wait in order.
  const users = Array.from({ length: 6 }, (_, i) => `cluster-user-${i}`)
  const tokens: string[] = []
  for (const user of users) tokens.push(await enterToken(gateway.url, A.id, user))
  const deadline = Date.now() + 10_000
  let stats = (await queueStats(gateway.url, A.id)).body
  while (stats.active < 3 && Date.now() < deadline) {
    await sleep(100)
    stats = (await queueStats(gateway.url, A.id)).body
  }
  t.match(stats, { active: 3, waiting: 3, admittedTotal: 3 }, 'admission ran on the cluster and respected maxActive')
  const states = await Promise.all(users.map((u, i) => tokenState(gateway.url, A.id, u, tokens[i]!)))
  t.same(states.map((s) => s.body.status), ['ACTIVE', 'ACTIVE', 'ACTIVE', 'WAITING', 'WAITING', 'WAITING'], 'in arrival order')
  t.same(states.slice(3).map((s) => s.body.position), [1, 2, 3], 'with positions')

  // The proxy, a hold and a payment that ends the token and frees the slot.
  const buyer = users[0]!
  await charge(gateway.url, buyer, 5000)
  const schedules = await call(gateway.url, 'GET', `/api/concerts/${A.id}/schedules`, { headers: as(buyer, tokens[0]) })
  t.equal(schedules.status, 200, 'proxied to the core')
  const held = await hold(gateway.url, A.id, buyer, tokens[0]!, A.scheduleIds[0]!, 1)
  t.equal(held.status, 201, 'a seat is held')
  const paid = await pay(gateway.url, A.id, buyer, tokens[0]!, [held.body.id], 'cluster-pay')
  t.equal(paid.status, 201, 'and paid')
  t.equal((await tokenState(gateway.url, A.id, buyer, tokens[0]!)).status, 410, 'the payment ended the token')
  const freed = Date.now() + 10_000
  let fourth = await tokenState(gateway.url, A.id, users[3]!, tokens[3]!)
  while (fourth.body?.status !== 'ACTIVE' && Date.now() < freed) {
    await sleep(100)
    fourth = await tokenState(gateway.url, A.id, users[3]!, tokens[3]!)
  }
  t.equal(fourth.body?.status, 'ACTIVE', 'the freed slot went to the next in line')

  // Leaving, and a second concert whose keys live in another slot.
  t.equal((await call(gateway.url, 'DELETE', `/api/queues/${A.id}/tokens/current`, { headers: as(users[5]!, tokens[5]!) })).status, 204)
  const other = await activeToken(gateway.url, B.id, 'cluster-other')
  t.equal((await tokenState(gateway.url, B.id, 'cluster-other', other)).body.status, 'ACTIVE', 'a second concert works alongside')

  // The rate limit, counted in the cluster.
  let limited = null
  for (let i = 0; i <= RATE_LIMIT && !limited; i++) {
    const a = await call(gateway.url, 'GET', '/api/users/me/balance', { headers: as('cluster-hammer') })
    if (a.status === 429) limited = a
  }
  t.equal(limited?.body?.code, 'RATE_LIMITED', 'the rate limit holds on the cluster')
  t.ok(limited?.headers.get('retry-after'), 'with Retry-After')

  // Every key of the gateway: the concert's keys share one slot (by their hash tag).
  const keys: string[] = []
  for (const port of cluster.ports) {
    const reply = await rawCommand(port, ['KEYS', `${prefix}*`])
    keys.push(...reply.split('\r\n').filter((_line, i, all) => i > 0 && all[i - 1]!.startsWith('$')))
  }
  t.ok(keys.length > 0, `${keys.length} gateway keys across the cluster`)
  for (const concert of [A, B]) {
    // The hash tag names the concert (`{c:<id>}` today); whatever its spelling, it holds the id.
    const mine = keys.filter((k) => k.match(/\{([^}]*)\}/)?.[1]?.replace(/\D/g, '') === String(concert.id))
    t.ok(mine.length > 0, `concert ${concert.id} has hash-tagged keys: ${mine.join(' ')}`)
    const slots = new Set<string>()
    for (const key of mine) slots.add(await rawCommand(cluster.ports[0]!, ['CLUSTER', 'KEYSLOT', key]))
    t.equal(slots.size, 1, `all keys of concert ${concert.id} are in one slot`)
  }
  t.notMatch(gateway.child.output(), /CROSSSLOT/, 'no CROSSSLOT error was ever logged')
})
