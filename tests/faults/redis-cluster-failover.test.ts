/**
 * A Redis Cluster of three primaries with a replica each loses the primary that serves a line's
 * hash slot (kill -9) in the middle of a rush on two gateways, with REDIS_WAIT_REPLICAS=1: the
 * cluster promotes that primary's replica and both gateways follow it without a restart. Then: every
 * acknowledged join still has its place (none rebuilt from its token, the line's epoch unchanged),
 * no sequence is issued twice, nobody told ACTIVE is later told WAITING, the active turns are the
 * line's first in arrival order, no tick admitted more than admitPerTick, no seat is sold twice;
 * both gateways are ready and admission resumes. Prints the seconds without an admission (against
 * the time between admissions before the kill), the places lost and the 503s answered
 * (load-tests/RESULTS.md keeps them).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import {
  admin,
  as,
  call,
  charge,
  checkInvariants,
  createConcert,
  hold,
  pay,
  problems,
  queueStats,
  randomPrefix,
  rawCommand,
  setQueue,
  startRedisCluster,
  waitFor,
} from '@rushgate/testkit'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'
import { toldStatuses } from '../support/told.ts'

/** Readiness after the replica is promoted (as with Sentinel). */
const READY_AGAIN_MS = 5000
const ADMIT_PER_TICK = 1
const TICK_MS = 100
/** The line admits no more turns than there are seats; the buyers contend for the first few. */
const SEATS = 1000
const CONTENDED_SEATS = 20

/** The arrival sequence a queue token signs (its body is base64url JSON { u, c, s }). */
const seqOf = (token: string): number => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).s

t.test('a Redis Cluster primary killed mid-rush: its replica takes over, the gateways follow, the line keeps its promises', async (t) => {
  const startedAt = Date.now()
  // The cluster starts while the database is migrated and the core starts.
  const clusterStarting = startRedisCluster({ replicas: 1 })
  clusterStarting.catch(() => {})
  t.teardown(async () => (await clusterStarting.catch(() => null))?.close())
  const db = await scratchDatabase('redis_cluster_failover')
  t.teardown(() => db.drop())
  const core = await spawnCore(db.url)
  t.teardown(() => core.kill())
  const cluster = await clusterStarting
  const env = { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '200', ADMIT_INTERVAL_MS: String(TICK_MS) }
  const prefix = randomPrefix('rg_cluster_failover')
  const gateways = await Promise.all([0, 1].map(() => spawnGateway({ coreUrl: core.url, clusterNodes: cluster.nodes, prefix, env })))
  t.teardown(() => Promise.all(gateways.map((g) => g.kill())))
  const concert = await createConcert(gateways[0]!.url, SEATS, 1000)
  // A few admitted each tick, most waiting, nobody's turn running out: both kinds of place cross the failover.
  await setQueue(gateways[0]!.url, concert.id, { admitPerTick: ADMIT_PER_TICK, maxActive: 10_000, activeTtlSeconds: 600 })
  const slot = await cluster.keySlot(`${prefix}:{c:${concert.id}}:seq`)
  const target = await cluster.primaryOfSlot(slot)
  t.ok(target.replicaPort, `the line's slot ${slot} is served by ${target.port}, replicated to ${target.replicaPort}`)
  const lineKey = (name: string) => `${prefix}:{c:${concert.id}}:${name}`
  const onLine = async (...args: string[]) => rawCommand((await cluster.primaryOfSlot(slot)).port, args, 2000)

  let running = true
  const acknowledged = new Map<string, string>()
  const answers = { join: new Map<number, number>(), poll: new Map<number, number>(), buy: new Map<number, number>() }
  const count = (kind: keyof typeof answers, status: number) => answers[kind].set(status, (answers[kind].get(status) ?? 0) + 1)
  let nextUser = 0
  let lastJoin503At = 0
  const joiner = async (w: number) => {
    while (running) {
      const user = `cluster-fan-${nextUser++}`
      const gateway = gateways[(w + nextUser) % 2]!
      const res = await call(gateway.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as(user), timeoutMs: 5000 }).catch(() => null)
      const status = res?.status ?? -1
      count('join', status)
      if (status === 503) lastJoin503At = Date.now()
      if (res && (status === 200 || status === 201)) acknowledged.set(user, res.body.token)
      // A few hundred fans: the joins slow down once the line is long enough for the test.
      await sleep(status === 200 || status === 201 ? 20 : 50)
    }
  }
  // What each user was told, in order: ACTIVE then WAITING would be a turn admitted twice.
  const { told, poller } = toldStatuses({
    urls: gateways.map((g) => g.url),
    concertId: concert.id,
    tokens: acknowledged,
    running: () => running,
    onAnswer: (status) => count('poll', status),
  })
  // Users seen ACTIVE buy a seat (hold, then pay), a retried step keeping its idempotency key.
  const paid = new Set<string>()
  const tried = new Set<string>()
  const buyer = async (w: number) => {
    while (running) {
      const user = [...told].find(([u, seen]) => seen.at(-1) === 'ACTIVE' && !tried.has(u))?.[0]
      if (!user) {
        await sleep(50)
        continue
      }
      tried.add(user)
      const token = acknowledged.get(user)!
      const g = gateways[w % 2]!.url
      await charge(g, user, 1000).catch(() => null)
      const seat = 1 + Math.floor(Math.random() * CONTENDED_SEATS)
      const held = await hold(g, concert.id, user, token, concert.scheduleId, seat).catch(() => null)
      count('buy', held?.status ?? -1)
      if (held?.status !== 201) continue
      for (let attempt = 0; attempt < 20 && running; attempt++) {
        const res = await pay(g, concert.id, user, token, [held.body.id], `pay-${user}`).catch(() => null)
        count('buy', res?.status ?? -1)
        if (res?.status === 201) {
          paid.add(user)
          break
        }
        if (res?.status !== 503 && res !== null) break
        await sleep(200)
      }
    }
  }
  const readiness: { gateway: number; at: number; status: number }[] = []
  const watcher = async (g: number) => {
    while (running) {
      const res = await call(gateways[g]!.url, 'GET', '/health/ready', { timeoutMs: 3000 }).catch(() => null)
      readiness.push({ gateway: g, at: Date.now(), status: res?.status ?? -1 })
      await sleep(100)
    }
  }
  t.comment(`the stack was up ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the start`)
  // admittedTotal as the admin API answers it, by wall clock: when admission stopped and resumed.
  const admittedAt: { at: number; total: number }[] = []
  const counter = async () => {
    for (let i = 0; running; i++) {
      const res = await call(gateways[i % 2]!.url, 'GET', `/api/admin/queues/${concert.id}`, { headers: admin, timeoutMs: 3000 }).catch(() => null)
      if (res?.status === 200 && res.body.admittedTotal !== admittedAt.at(-1)?.total) admittedAt.push({ at: Date.now(), total: res.body.admittedTotal })
      await sleep(100)
    }
  }
  const load = [counter(), ...[0, 1, 2, 3].map(joiner), ...[0, 1, 2, 3].map(poller), ...[0, 1].map(buyer), watcher(0), watcher(1)]

  const summary = (m: Map<number, number>) => JSON.stringify(Object.fromEntries([...m].sort(([a], [b]) => a - b)))
  let killedAt = 0
  let promotedAt = 0
  let beforeKill = 0
  let epochBefore = ''
  try {
    await waitFor('150 joins and an admission before the kill', async () => acknowledged.size >= 150 && told.size > 0, 30_000)
    epochBefore = await onLine('GET', lineKey('epoch'))
    beforeKill = acknowledged.size
    killedAt = Date.now()
    await cluster.kill(target.port)
    const promoted = await cluster.failedOver(target.port)
    promotedAt = Date.now()
    t.equal(promoted, target.replicaPort, `the replica ${promoted} took over`)
    t.comment(`the cluster promoted the replica ${((promotedAt - killedAt) / 1000).toFixed(1)} s after the kill`)
    await waitFor('100 more joins after the failover', async () => acknowledged.size >= beforeKill + 100, 30_000)
    await sleep(2000)
  } catch (err) {
    t.comment(`answers by status: joins ${summary(answers.join)}, polls ${summary(answers.poll)}`)
    for (const g of gateways) t.comment(g.child.output().slice(-4000))
    throw err
  } finally {
    running = false
    await Promise.all(load)
  }

  for (const [g, gateway] of gateways.entries()) {
    t.ok(gateway.child.alive(), `gateway ${g} is still the same process`)
    const mine = readiness.filter((r) => r.gateway === g)
    const back = mine.find((r) => r.at >= promotedAt && r.status === 200)
    t.ok(back && back.at - promotedAt <= READY_AGAIN_MS, `gateway ${g} ready ${back ? back.at - promotedAt : '∞'} ms after the promotion`)
    t.equal(mine.at(-1)?.status, 200, `gateway ${g} still ready at the end`)
    t.comment(`gateway ${g}: /health/ready answered 503 ${mine.filter((r) => r.at > killedAt && r.status !== 200).length} times after the kill`)
  }
  t.comment(`answers by status: joins ${summary(answers.join)}, polls ${summary(answers.poll)}, holds and payments ${summary(answers.buy)}`)
  for (const [kind, m] of Object.entries(answers)) t.notOk(m.has(500), `no ${kind} answered 500`)
  const errors = gateways.flatMap((g) => g.child.output().split('\n').filter((l) => l.includes('"level":50')))
  if (errors.length > 0) t.comment(`the gateways' errors:\n${errors.slice(0, 5).join('\n')}`)

  // Every acknowledged join still has its place, at the sequence its token signs: none lost, none rebuilt.
  const final = new Map<string, { status: number; body: { status?: string; reason?: string } }>()
  const everyone = [...acknowledged]
  for (let i = 0; i < everyone.length; i += 20) {
    await Promise.all(
      everyone.slice(i, i + 20).map(async ([user, token]) => {
        final.set(user, await call(gateways[i % 2]!.url, 'GET', `/api/queues/${concert.id}/tokens/current`, { headers: as(user, token) }))
      }),
    )
  }
  const lost = [...final].filter(
    ([user, res]) => !(res.status === 200 && ['WAITING', 'ACTIVE'].includes(res.body.status!)) && !(paid.has(user) && res.status === 410),
  )
  t.same(lost.map(([u, r]) => `${u}: ${r.status} ${JSON.stringify(r.body)}`), [], `none of ${acknowledged.size} acknowledged joins lost`)
  t.equal(await onLine('GET', lineKey('epoch')), epochBefore, "the line's state survived (its epoch is the same)")
  const rebuilt = Number((await onLine('BITCOUNT', lineKey('rebuilt'))).slice(1))
  t.equal(rebuilt, 0, 'no place had to be rebuilt from its token')
  t.comment(`places lost: ${lost.length + rebuilt} of ${acknowledged.size} (${beforeKill} joined before the kill)`)
  const paidStillActive = [...paid].filter((user) => final.get(user)?.body.status === 'ACTIVE').length
  t.comment(`${paid.size} paid: ${paid.size - paidStillActive} turns ended by it, ${paidStillActive} still ACTIVE (the end not written during the outage)`)

  const seqs = [...acknowledged.values()].map(seqOf)
  t.equal(new Set(seqs).size, seqs.length, 'no sequence issued twice')
  const readmitted = [...told].filter(([, seen]) => seen.includes('ACTIVE') && seen.lastIndexOf('WAITING') > seen.indexOf('ACTIVE'))
  t.same(readmitted, [], 'nobody told ACTIVE was told WAITING after')
  // The line's order: every turn still active or paid came before every place still waiting.
  const seqOfUser = (user: string) => seqOf(acknowledged.get(user)!)
  const admitted = [...final].filter(([user, res]) => res.body.status === 'ACTIVE' || paid.has(user)).map(([u]) => seqOfUser(u))
  const waiting = [...final].filter(([, res]) => res.body.status === 'WAITING').map(([u]) => seqOfUser(u))
  t.ok(admitted.length > 0 && waiting.length > 0, `${admitted.length} admitted, ${waiting.length} still waiting`)
  t.ok(Math.max(...admitted) < Math.min(...waiting), 'admitted in arrival order: every admitted turn came before every waiting one')

  // admitPerTick across both gateways and the failover: no sample admits more than admitPerTick, and
  // no tick ran twice. Around the failover a tick's sample may go unwritten while its admission was
  // made (the history is for watching: the tick goes on), and the next sample counts both: there a
  // sample may admit admitPerTick for each tick time since the one before.
  const history = await call(gateways[1]!.url, 'GET', `/api/admin/queues/${concert.id}/history?minutes=5`, { headers: admin })
  t.equal(history.status, 200, 'the history is read from the new primary')
  const samples: { at: string; admitted: number }[] = history.body
  const times = samples.map((s) => Date.parse(s.at))
  const allowed = (i: number) => {
    const duringFailover = times[i]! > killedAt - 1000 && times[i]! < promotedAt + 2000
    return i > 0 && duringFailover ? ADMIT_PER_TICK * Math.max(1, Math.round((times[i]! - times[i - 1]!) / TICK_MS)) : ADMIT_PER_TICK
  }
  const over = samples.flatMap((s, i) => (s.admitted > allowed(i) ? [samples.slice(Math.max(0, i - 2), i + 2)] : []))
  t.same(over, [], `no tick admitted more than ${ADMIT_PER_TICK}`)
  t.ok(times.every((at, i) => i === 0 || at > times[i - 1]!), 'no tick ran twice')
  const unrecorded = gateways.reduce((n, g) => n + g.child.output().split('could not record the line history').length - 1, 0)
  t.comment(`${samples.length} ticks sampled; ${unrecorded} samples not written; ${samples.filter((s) => s.admitted > ADMIT_PER_TICK).length} samples counting more than one tick`)
  const stats = (await queueStats(gateways[1]!.url, concert.id)).body
  t.ok(stats.admittedTotal >= admitted.length, `admittedTotal ${stats.admittedTotal} counts every admitted turn`)

  // Seconds without an admission: the longest time admittedTotal stood still after the kill, between
  // two of its rises (read every 100 ms; a tick admits every 100 ms while the line is whole).
  const firstAfter = admittedAt.find((a) => a.at > promotedAt)
  t.ok(firstAfter, 'admission resumed after the failover')
  let stalled = 0
  for (let i = 1; i < admittedAt.length; i++) {
    if (admittedAt[i]!.at > killedAt) stalled = Math.max(stalled, admittedAt[i]!.at - admittedAt[i - 1]!.at)
  }
  // The baseline, in the same run: the median time between two rises before the kill.
  const before = admittedAt.filter((a) => a.at <= killedAt).map((a, i, all) => (i === 0 ? 0 : a.at - all[i - 1]!.at)).slice(1).sort((a, b) => a - b)
  const usual = before[Math.floor(before.length / 2)] ?? Number.NaN
  const seconds = (ms: number) => (ms / 1000).toFixed(1)
  const served503 = Object.values(answers).reduce((sum, m) => sum + (m.get(503) ?? 0), 0)
  t.comment(
    `seconds without an admission: ${seconds(stalled)}, against ${seconds(usual)} between admissions before the kill (the promotion seen ${seconds(promotedAt - killedAt)} s after the kill); ` +
      `last join answered 503 ${seconds(lastJoin503At - killedAt)} s after the kill; 503s answered: ${served503}`,
  )

  // No seat sold twice, the books balanced.
  t.ok(paid.size > 0, `${paid.size} fans paid for a seat`)
  const broken = problems(await checkInvariants(db.url, { concertIds: [concert.id], userIds: [...tried] }))
  t.same(broken, [], 'no seat sold twice, and the money and seat invariants hold')
})
