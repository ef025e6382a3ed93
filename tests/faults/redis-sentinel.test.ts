/**
 * Redis behind Sentinel loses its primary (kill -9) in the middle of a rush on two gateways, with
 * REDIS_WAIT_REPLICAS=1: the Sentinels promote the replica and both gateways follow without a
 * restart; readiness says 503 while no primary is writable and 200 again within 5 s of the new one;
 * no acknowledged join is lost, no sequence is issued twice, no turn is admitted twice (nobody told
 * ACTIVE is later told WAITING).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { as, call, createConcert, randomPrefix, setQueue, startRedisSentinel, waitFor } from '@rushgate/testkit'
import { toldStatuses } from '../support/told.ts'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

/** Readiness after Sentinel names the new primary (the contract's bound). */
const READY_AGAIN_MS = 5000

const db = await scratchDatabase('redis_sentinel')
const core = await spawnCore(db.url)
t.teardown(async () => {
  await core.kill()
  await db.drop()
})

/** The arrival sequence a queue token signs (its body is base64url JSON { u, c, s }). */
const seqOf = (token: string): number => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).s

t.test('a Sentinel failover mid-rush: followed without a restart, ready again, no acknowledged join lost', async (t) => {
  const sentinel = await startRedisSentinel()
  t.teardown(() => sentinel.close())
  const env = {
    REDIS_SENTINELS: sentinel.sentinels,
    REDIS_SENTINEL_NAME: sentinel.name,
    REDIS_WAIT_REPLICAS: '1',
    REDIS_WAIT_TIMEOUT_MS: '200',
  }
  const prefix = randomPrefix('rg_sentinel')
  const gateways = await Promise.all([0, 1].map(() => spawnGateway({ coreUrl: core.url, prefix, env })))
  t.teardown(() => Promise.all(gateways.map((g) => g.kill())))
  const concert = await createConcert(gateways[0]!.url, 1000)
  // A few admitted each tick, most waiting: both kinds of place cross the failover.
  await setQueue(gateways[0]!.url, concert.id, { admitPerTick: 2, maxActive: 1000 })

  let running = true
  const acknowledged = new Map<string, string>()
  const joinAnswers = new Map<number, number>()
  let nextUser = 0
  const joiner = async (w: number) => {
    while (running) {
      const user = `sentinel-user-${nextUser++}`
      const gateway = gateways[(w + nextUser) % 2]!
      const res = await call(gateway.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as(user), timeoutMs: 5000 }).catch(() => null)
      const status = res?.status ?? -1
      joinAnswers.set(status, (joinAnswers.get(status) ?? 0) + 1)
      if (res && (status === 200 || status === 201)) acknowledged.set(user, res.body.token)
      if (status !== 200 && status !== 201) await sleep(50)
    }
  }
  // What each user was told, in order: ACTIVE then WAITING would be a turn admitted twice.
  const { told, poller } = toldStatuses({
    urls: gateways.map((g) => g.url),
    concertId: concert.id,
    tokens: acknowledged,
    running: () => running,
  })
  const readiness: { gateway: number; at: number; status: number }[] = []
  const watcher = async (g: number) => {
    while (running) {
      const res = await call(gateways[g]!.url, 'GET', '/health/ready', { timeoutMs: 3000 }).catch(() => null)
      readiness.push({ gateway: g, at: Date.now(), status: res?.status ?? -1 })
      await sleep(100)
    }
  }
  const load = [...[0, 1, 2, 3, 4, 5].map(joiner), ...[0, 1, 2, 3].map(poller), watcher(0), watcher(1)]

  await waitFor('a hundred joins before the kill', async () => acknowledged.size >= 100, 30_000)
  const beforeKill = acknowledged.size
  const killedAt = Date.now()
  const old = await sentinel.killPrimary()
  await sentinel.failedOver(old)
  const promotedAt = Date.now()
  t.comment(`Sentinel named the new primary ${promotedAt - killedAt} ms after the kill`)
  await waitFor(
    'joins on both gateways after the failover',
    async () => acknowledged.size >= beforeKill + 100,
    30_000,
  )
  await sleep(1000)
  running = false
  await Promise.all(load)

  for (const [g, gateway] of gateways.entries()) {
    t.ok(gateway.child.alive(), `gateway ${g} is still the same process`)
    const mine = readiness.filter((r) => r.gateway === g)
    t.ok(
      mine.some((r) => r.at > killedAt && r.at < promotedAt && r.status === 503),
      `gateway ${g} said 503 while no primary was writable`,
    )
    const back = mine.find((r) => r.at >= promotedAt && r.status === 200)
    t.ok(back && back.at - promotedAt <= READY_AGAIN_MS, `gateway ${g} ready ${back ? back.at - promotedAt : '∞'} ms after the new primary`)
  }
  t.comment(`join answers by status: ${JSON.stringify(Object.fromEntries(joinAnswers))}`)
  t.notOk(joinAnswers.has(500), 'no join answered 500')

  // Every acknowledged join still has its place, at the sequence its token signs.
  const lost: string[] = []
  for (const [user, token] of acknowledged) {
    const res = await call(gateways[0]!.url, 'GET', `/api/queues/${concert.id}/tokens/current`, { headers: as(user, token) })
    if (res.status !== 200 || !['WAITING', 'ACTIVE'].includes(res.body.status)) lost.push(`${user}: ${res.status} ${res.text}`)
  }
  t.same(lost, [], `none of ${acknowledged.size} acknowledged joins lost`)
  const seqs = [...acknowledged.values()].map(seqOf)
  t.equal(new Set(seqs).size, seqs.length, 'no sequence issued twice')
  const readmitted = [...told].filter(([, seen]) => seen.indexOf('WAITING') > seen.indexOf('ACTIVE') && seen.includes('ACTIVE'))
  t.same(readmitted, [], 'nobody told ACTIVE was told WAITING after')
  t.ok([...told.values()].some((seen) => seen.includes('ACTIVE')), 'turns were admitted across the failover')
})
