/**
 * Three gateway replicas share one Redis; replicas are SIGKILLed while admission
 * runs. The ticks go on on the survivors, nobody is admitted twice and nobody is skipped: at every
 * moment the active users are exactly the first ones to have arrived.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { type Answer, createConcert, enterToken, queueStats, randomPrefix, type ServiceProcess, setQueue, startRedis, tokenState } from '@rushgate/testkit'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

const USERS = 30
const PER_TICK = 2

t.test('when gateway replicas die during admission, then the survivors admit in order, once each', async (t) => {
  const redis = await startRedis()
  const db = await scratchDatabase('replica_kill')
  const core = await spawnCore(db.url)
  const prefix = randomPrefix('rg_replicas')
  const replicas: ServiceProcess[] = await Promise.all(
    [0, 1, 2].map(() => spawnGateway({ coreUrl: core.url, redisUrl: redis.url, prefix, env: { ADMIT_INTERVAL_MS: '250' } })),
  )
  t.teardown(async () => {
    await Promise.all(replicas.map((r) => r.kill()))
    await core.kill()
    await db.drop()
    await redis.close()
  })
  // A seat for everyone: only admitPerTick bounds the ticks.
  const concert = await createConcert(replicas[0]!.url, USERS)
  await setQueue(replicas[0]!.url, concert.id, { paused: true, admitPerTick: PER_TICK })
  const users = Array.from({ length: USERS }, (_, i) => `replica-user-${String(i).padStart(2, '0')}`)
  const tokens: string[] = []
  // Arrival order is the order of these calls, spread over all replicas.
  for (const [i, user] of users.entries()) tokens.push(await enterToken(replicas[i % 3]!.url, concert.id, user))
  await setQueue(replicas[1]!.url, concert.id, { paused: false })

  const alive = new Set(replicas)
  const violations: string[] = []
  let lastActive = 0
  let rounds = 0
  let activeAtSecondKill = -1
  const deadline = Date.now() + 30_000
  while (lastActive < USERS && Date.now() < deadline) {
    rounds++
    if (rounds === 2) {
      await replicas[0]!.kill()
      alive.delete(replicas[0]!)
    }
    if (rounds === 5) {
      await replicas[2]!.kill()
      alive.delete(replicas[2]!)
      activeAtSecondKill = lastActive
    }
    const via = [...alive][rounds % alive.size]!.url
    // Read from the back of the line to the front, one at a time: admission only ever moves people
    // forward, so in a correct system a user seen ACTIVE implies everyone read after them (who
    // arrived earlier) is ACTIVE too, and the waiting positions rise strictly with arrival.
    const states: Answer[] = []
    for (let i = USERS - 1; i >= 0; i--) states[i] = await tokenState(via, concert.id, users[i]!, tokens[i]!)
    const active = states.map((s) => s.body?.status === 'ACTIVE')
    const count = active.filter(Boolean).length
    if (active.some((a, i) => a !== i < count)) violations.push(`round ${rounds}: active set is not a prefix: ${active.map(Number).join('')}`)
    let lastPosition = 0
    states.forEach((s, i) => {
      if (s.status !== 200) violations.push(`round ${rounds}: ${users[i]} answered ${s.status}`)
      if (active[i]) return
      if (!(s.body?.position > lastPosition)) violations.push(`round ${rounds}: ${users[i]} at ${s.body?.position} after ${lastPosition}`)
      lastPosition = s.body?.position
    })
    if (count < lastActive) violations.push(`round ${rounds}: active went down from ${lastActive} to ${count}`)
    lastActive = count
    await sleep(100)
  }
  t.same(violations, [], 'the active users were always a prefix of the arrival order')
  t.ok(activeAtSecondKill >= 0 && activeAtSecondKill < USERS, `the second kill came mid-admission (${activeAtSecondKill} of ${USERS} active)`)
  t.equal(lastActive, USERS, `everyone was admitted (${rounds} rounds, two replicas killed on the way)`)
  const stats = await queueStats([...alive][0]!.url, concert.id)
  t.equal(stats.body.admittedTotal, USERS, 'admittedTotal counts each user once')
  t.equal(stats.body.active, USERS)
  t.equal(stats.body.waiting, 0)
})
