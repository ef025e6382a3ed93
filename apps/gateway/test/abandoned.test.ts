/**
 * Abandoned places: a place nobody asked for in ghostAfterSeconds is skipped by admission without
 * spending a slot, counted, and its token answers 410 ABANDONED; asking in time keeps it, whichever
 * replica is asked and while presence flushes are in flight.
 */
import t from 'tap'
import { admin, call, createConcert, enter, type ServiceProcess, spawnGateway, tokenState, waitFor } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'
import { admitByScript, enterByScript, patchQueue, sharedDeployment, startStack } from './helpers.ts'

const GHOST_AFTER = 2

t.test('the admission script skips abandoned places without spending a slot', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '100000' })
  // A line the real ticks never visit (not in the concert set): only this test's calls admit.
  const { redis, keys, config } = gw.app.gateway
  const k = keys.concert(535353)
  t.teardown(() => redis.del(k.prequeue, k.waiting, k.active, k.activeSeq, k.seq, k.settings, k.state, k.seen, k.ended, k.draw))
  await redis.hset(k.settings, { ghostAfterSeconds: String(GHOST_AFTER), admitPerTick: '3' })
  const now = Date.now()
  const long = now - (GHOST_AFTER + 5) * 1000
  // g = last seen long ago, l = just now; in this arrival order.
  const line = ['g1', 'g2', 'l1', 'g3', 'l2', 'l3', 'g4', 'l4']
  const seqs = new Map<string, number>()
  for (const u of line) {
    const reply = await enterByScript(redis, keys, 535353, u, u.startsWith('g') ? long : now, config)
    seqs.set(u, Number(reply[1]))
  }
  const admit = (tick: number, skips = 10_000) =>
    admitByScript(redis, keys, 535353, now, tick, { admitPerTick: 3, activeTtlSeconds: 600, ghostAfterSeconds: config.ghostAfterSeconds, skips })
  const status = (u: string) =>
    redis.rgStatus(
      k.prequeue,
      k.waiting,
      k.active,
      k.activeSeq,
      k.settings,
      k.state,
      k.seen,
      k.ended,
      keys.paid(535353, u, seqs.get(u)!),
      k.epoch,
      k.rebuilt,
      k.seq,
      u,
      seqs.get(u)!,
      now,
      config.ghostAfterSeconds,
      '0',
      '',
      0,
    )
  t.same(await admit(1), [3, 0, 3], 'three live users admitted, three abandoned places skipped on the way')
  t.same(await redis.zrange(k.active, '0', '-1'), ['l1', 'l2', 'l3'])
  t.same(await redis.zrange(k.waiting, '0', '-1'), ['g4', 'l4'], 'the rest stays in line, unread')
  t.equal(await redis.hget(k.state, 'abandonedTotal'), '3')
  t.same(await status('g1'), ['ABANDONED', 0], 'the token of a skipped place: ABANDONED')
  t.same(await status('g4'), ['ABANDONED', 1], 'a place found abandoned when asked for is ended then')
  t.equal(await redis.hget(k.state, 'abandonedTotal'), '4')
  t.same(await admit(2, 0), [0, 0, 0], 'the skips of a tick are bounded')
  t.same(await admit(3), [1, 0, 0])
  await redis.hset(k.settings, 'ghostAfterSeconds', '0')
  const late = await enterByScript(redis, keys, 535353, 'old', long, { activeTtlSeconds: 600, ghostAfterSeconds: config.ghostAfterSeconds })
  t.equal(late[0], 'WAITING')
  t.same(await admit(4), [1, 0, 0], 'ghostAfterSeconds null: nobody is ever taken for gone')
})

t.test('through the API: presence is asking for the state', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '200', GHOST_AFTER_SECONDS: String(GHOST_AFTER) })
  const url = gw.url
  const c = await createConcert(url)
  await patchQueue(url, c.id, { paused: true })
  t.match((await call(url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body, { ghostAfterSeconds: GHOST_AFTER, abandonedTotal: 0 })
  const gone = await enter(url, c.id, 'gone')
  const kept = await enter(url, c.id, 'kept')
  t.ok(kept.body.pollAfterMs <= (GHOST_AFTER * 1000) / 5, `pollAfterMs ${kept.body.pollAfterMs} is at most a fifth of ghostAfterSeconds`)
  const deadline = Date.now() + (GHOST_AFTER + 2) * 1000
  while (Date.now() < deadline) {
    const s = await tokenState(url, c.id, 'kept', kept.body.token)
    t.equal(s.body.status, 'WAITING')
    await new Promise((r) => setTimeout(r, s.body.pollAfterMs))
  }
  t.match(await tokenState(url, c.id, 'gone', gone.body.token), { status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED', reason: 'ABANDONED' } })
  t.match(await tokenState(url, c.id, 'kept', kept.body.token), { status: 200, body: { status: 'WAITING', position: 1 } }, 'the one asking moved up')
  const back = await enter(url, c.id, 'gone')
  t.match(back, { status: 201, body: { status: 'WAITING', position: 2 } }, 'a join after that is a new place at the back')
  t.not(back.body.token, gone.body.token)
  t.equal((await call(url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body.abandonedTotal, 1)
  t.match(await call(url, 'GET', '/metrics'), { body: new RegExp(`rushgate_abandoned_total\\{concert="${c.id}"\\} 1`) })
  t.match(await patchQueue(url, c.id, { ghostAfterSeconds: null }), { status: 200, body: { ghostAfterSeconds: null } })
  t.match(await patchQueue(url, c.id, { ghostAfterSeconds: 0 }), { status: 400, body: { code: 'VALIDATION_ERROR', message: /ghostAfterSeconds/ } })
})

t.test('three replicas: abandoned places never take a slot, live ones are never lost', async (t) => {
  const { core, prefix, redis } = await sharedDeployment(t)
  const PER_TICK = 4
  const env = { ADMIT_INTERVAL_MS: '250', GHOST_AFTER_SECONDS: String(GHOST_AFTER), LOG_LEVEL: 'warn' }
  // One after another: started at once on a busy machine, each takes as long as all of them.
  const gateways: ServiceProcess[] = []
  t.teardown(() => Promise.all(gateways.map((g) => g.close())))
  for (let i = 0; i < 3; i++) gateways.push(await spawnGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env }))
  const via = (i: number) => gateways[i % 3]!.url
  // More seats than users: only the ghosts and the tick hold anyone back.
  const c = await createConcert(via(0), 100)
  await patchQueue(via(1), c.id, { paused: true, admitPerTick: PER_TICK })
  // 30 places: every third one will never be asked for again.
  const users = Array.from({ length: 30 }, (_, i) => `${i % 3 === 0 ? 'ghost' : 'live'}-${i}`)
  const tokens = new Map<string, string>()
  for (const [i, u] of users.entries()) tokens.set(u, (await enter(via(i), c.id, u)).body.token)
  const live = users.filter((u) => u.startsWith('live'))
  const ghosts = users.filter((u) => u.startsWith('ghost'))

  // The live ones ask as told, each time through another replica: marks of three processes are
  // being flushed all along.
  let polling = true
  const lost: string[] = []
  const pollers = live.map(async (u, i) => {
    for (let n = i; polling; n++) {
      const s = await tokenState(via(n), c.id, u, tokens.get(u)!)
      if (s.status !== 200) lost.push(`${u}: ${s.status} ${s.body?.reason}`)
      await new Promise((r) => setTimeout(r, Math.min(s.body?.pollAfterMs ?? 200, 300)))
    }
  })
  await new Promise((r) => setTimeout(r, (GHOST_AFTER + 1.5) * 1000))

  const stateKey = `${prefix}:{c:${c.id}}:state`
  const ticksBefore = Number((await redis.hget(stateKey, 'admittingTicks')) ?? 0)
  await patchQueue(via(2), c.id, { paused: false })
  const observations: string[] = []
  await waitFor(
    'every live user admitted',
    async () => {
      const [admitted, ticks] = (await redis.hmget(stateKey, 'admittedTotal', 'admittingTicks')).map(Number)
      const expected = Math.min(live.length, PER_TICK * (ticks! - ticksBefore))
      if (admitted !== expected) observations.push(`${admitted} admitted after ${ticks! - ticksBefore} ticks`)
      return admitted === live.length
    },
    30_000,
  )
  polling = false
  await Promise.all(pollers)
  t.same(observations, [], `${PER_TICK} live users admitted every tick: no slot spent on an abandoned place`)
  t.same(lost, [], 'no live place was lost')
  for (const u of ghosts) {
    t.match(await tokenState(via(0), c.id, u, tokens.get(u)!), { status: 410, body: { reason: 'ABANDONED' } }, `${u}: 410 ABANDONED`)
  }
  t.match((await call(via(1), 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body, {
    admittedTotal: live.length,
    abandonedTotal: ghosts.length,
    waiting: 0,
  })
})
