/**
 * Three gateway processes against one Redis admit exactly admitPerTick per tick in total, not
 * three times as many: one BullMQ schedule for the deployment, and a per-tick guard in the
 * admission script.
 */
import { admin, call, createConcert, enter, setQueue, spawnGateway } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'
import { sharedDeployment } from './helpers.ts'
import t from 'tap'

const INTERVAL_MS = 250
const PER_TICK = 3
const USERS = 300

t.test('three gateway processes admit admitPerTick per tick in total', async (t) => {
  const { core, prefix, redis } = await sharedDeployment(t)
  const env = { ADMIT_INTERVAL_MS: String(INTERVAL_MS), ADMIT_BATCH: String(PER_TICK), LOG_LEVEL: 'warn' }
  const gateways = await Promise.all(
    [0, 1, 2].map(() => spawnGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env })),
  )
  t.teardown(() => Promise.all(gateways.map((g) => g.close())))

  // A seat for every user: only admitPerTick bounds the ticks.
  const concert = await createConcert(gateways[0]!.url, USERS)
  await setQueue(gateways[1]!.url, concert.id, { paused: true })
  // Users arrive through all three replicas.
  for (let i = 0; i < USERS; i += 30) {
    await Promise.all(
      Array.from({ length: 30 }, (_, j) => enter(gateways[(i + j) % 3]!.url, concert.id, `user-${i + j}`)),
    )
  }
  const stats = async () => (await call(gateways[2]!.url, 'GET', `/api/admin/queues/${concert.id}`, { headers: admin })).body
  t.equal((await stats()).waiting, USERS)

  const state = `${prefix}:{c:${concert.id}}:state`
  const ticksBefore = Number((await redis.hget(state, 'admittingTicks')) ?? 0)
  const started = Date.now()
  await setQueue(gateways[0]!.url, concert.id, { paused: false })
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 12))
  await setQueue(gateways[0]!.url, concert.id, { paused: true })
  const elapsed = Date.now() - started
  // Let a tick that was under way finish.
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 2))

  const after = await stats()
  const ticks = Number(await redis.hget(state, 'admittingTicks')) - ticksBefore
  t.ok(ticks >= 6, `ticks ran while unpaused (${ticks})`)
  t.ok(ticks <= Math.ceil(elapsed / INTERVAL_MS) + 1, `one tick per interval for the deployment (${ticks} in ${elapsed} ms)`)
  t.equal(after.admittedTotal, ticks * PER_TICK, `exactly ${PER_TICK} per tick: ${after.admittedTotal} admitted in ${ticks} ticks`)
  t.equal(after.active + after.waiting, USERS, 'nobody lost or duplicated')
  t.equal(after.active, after.admittedTotal)

  // SIGTERM: each process closes its worker, queue and Redis and exits cleanly.
  const codes = await Promise.all(gateways.map((g) => g.close()))
  t.same(codes, [0, 0, 0], 'graceful exit on SIGTERM')
})
