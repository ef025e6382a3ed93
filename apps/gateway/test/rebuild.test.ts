/**
 * A line that survives losing Redis (queue/line-restore.ts, scripts/status-12.lua): two gateway
 * processes on a private redis-server that is flushed (FLUSHALL) while fans join and poll. Every
 * place comes back in the same order from its token, no turn is issued twice, the settings come
 * back from the core, a forged token or an admitted turn past its activeUntil never comes back, a
 * paid turn never comes back, both gateways answer alike, and admission resumes by itself after
 * REBUILD_GRACE_MS (no restart).
 */
import { coreEntry } from '@rushgate/core/entry-points'
import { admin, as, call, charge, createConcert, enter, hold, pay, setQueue, spawnGateway, startCore, startRedis, tokenState, waitFor } from '@rushgate/testkit'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'
import { loadConfig } from '../src/config.ts'
import { TokenSigner } from '../src/queue/tokens.ts'

const SECRET = 'rebuild-test-token-secret-0123456789abcdef'
const GRACE_MS = 2000
const signer = new TokenSigner(SECRET)
const seqOf = (token: string) => signer.verify(token)!.seq
/** Room for a gateway process to start on a busy machine. */
const STARTING = { timeoutMs: 90_000 }

t.test('REBUILD_GRACE_MS: 15,000 by default, 0 to 120,000, else the start stops naming it', async (t) => {
  t.equal(loadConfig({}).rebuildGraceMs, 15_000)
  t.equal(loadConfig({ REBUILD_GRACE_MS: '0' }).rebuildGraceMs, 0)
  t.equal(loadConfig({ REBUILD_GRACE_MS: '120000' }).rebuildGraceMs, 120_000)
  for (const bad of ['-1', '120001', '1.5', 'soon']) t.throws(() => loadConfig({ REBUILD_GRACE_MS: bad }), /REBUILD_GRACE_MS/, bad)
})

t.test('places rebuilt from tokens after a flush', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.close())
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const env = { TOKEN_SECRET: SECRET, ADMIT_INTERVAL_MS: '200', REBUILD_GRACE_MS: String(GRACE_MS), GHOST_AFTER_SECONDS: '0' }
  const gws = await Promise.all(
    [0, 1].map(() => spawnGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix: 'rb', redisUrl: redis.url, env }, STARTING)),
  )
  t.teardown(() => Promise.all(gws.map((g) => g.close())))
  const url = (i: number) => gws[i % 2]!.url
  const adminView = async (id: number) => (await call(url(0), 'GET', `/api/admin/queues/${id}`, { headers: admin })).body

  // A paused line in fifo order, with settings that must survive.
  const line = await createConcert(url(0), 500)
  await setQueue(url(1), line.id, { paused: true, admitPerTick: 5, opensAt: null })
  const users = Array.from({ length: 40 }, (_, i) => `fan-${String(i).padStart(2, '0')}`)
  const tokens = new Map<string, string>()
  for (const [i, user] of users.entries()) {
    const res = await enter(url(i), line.id, user)
    t.equal(res.status, 201)
    tokens.set(user, res.body.token)
  }
  // Both gateways know every place (their mirrors too, from the next snapshot).
  for (const [i, user] of users.entries()) await tokenState(url(i + 1), line.id, user, tokens.get(user)!)
  await new Promise((r) => setTimeout(r, 500))
  const before = new Map<string, number>()
  for (const user of users) before.set(user, (await tokenState(url(0), line.id, user, tokens.get(user)!)).body.position)
  t.same([...before.values()], users.map((_, i) => i + 1), 'in arrival order before the loss')

  // The flush, in the middle of polls and new joins on both gateways.
  const newcomers = Array.from({ length: 10 }, (_, i) => `late-${i}`)
  const polls = users.map((user, i) => tokenState(url(i), line.id, user, tokens.get(user)!))
  const flushed = redis.command('FLUSHALL')
  const joins = newcomers.map((user, i) => enter(url(i), line.id, user))
  const after = [...(await Promise.all(polls)), ...(await Promise.all(joins))]
  await flushed
  t.ok(after.every((r) => r.status === 200 || r.status === 201), 'polls and joins around the flush answered')
  for (const [i, user] of newcomers.entries()) tokens.set(user, after[users.length + i]!.body.token)

  // Every fan polls again at its pace (a tick apart here): every place is back, in the same order,
  // ahead of whoever joined since.
  await Promise.all(users.map((user, i) => tokenState(url(i + 1), line.id, user, tokens.get(user)!)))
  await new Promise((r) => setTimeout(r, 300))
  const states = await Promise.all(users.map((user, i) => tokenState(url(i), line.id, user, tokens.get(user)!)))
  t.same(
    states.map((s) => s.body.status),
    users.map(() => 'WAITING'),
    'every place is back',
  )
  const order = await redis.command('ZRANGE', `rb:{c:${line.id}}:waiting`, '0', '-1')
  const listed = order.split('\r\n').filter((l) => l.startsWith('fan-') || l.startsWith('late-'))
  const fansInOrder = listed.filter((u) => u.startsWith('fan-'))
  t.same(fansInOrder, users, 'in the same order')
  t.ok(listed.indexOf('fan-39') < Math.min(...newcomers.map((u) => (listed.includes(u) ? listed.indexOf(u) : Number.POSITIVE_INFINITY))), 'ahead of every newcomer')
  const seqs = [...tokens.values()].map(seqOf)
  t.equal(new Set(seqs).size, seqs.length, 'no turn was issued twice')

  // The settings came back from the core.
  const view = await adminView(line.id)
  t.equal(view.paused, true, 'still paused')
  t.equal(view.admitPerTick, 5, 'admitPerTick kept')

  // Both gateways answer every token alike once a tick has passed.
  await new Promise((r) => setTimeout(r, 600))
  for (const user of users.slice(0, 10)) {
    const [a, b] = await Promise.all([0, 1].map((i) => tokenState(url(i), line.id, user, tokens.get(user)!)))
    t.same([a!.body.status, a!.body.position], [b!.body.status, b!.body.position], `${user}: the same answer from both gateways`)
  }

  // A forged token never rebuilds anything.
  const forged = new TokenSigner('another-secret-another-secret-0123456789').issue('ghost', line.id, 3)
  t.equal((await tokenState(url(0), line.id, 'ghost', forged)).status, 401, 'a forged token is refused')
})

t.test('active, paid and expired turns; admission resumes after the grace', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.close())
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const env = { TOKEN_SECRET: SECRET, ADMIT_INTERVAL_MS: '200', REBUILD_GRACE_MS: String(GRACE_MS), GHOST_AFTER_SECONDS: '0' }
  const gws = await Promise.all(
    [0, 1].map(() => spawnGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix: 'rb', redisUrl: redis.url, env }, STARTING)),
  )
  t.teardown(() => Promise.all(gws.map((g) => g.close())))
  const url = (i: number) => gws[i % 2]!.url

  const line = await createConcert(url(0), 500)
  await setQueue(url(0), line.id, { paused: true, admitPerTick: 2 })
  const users = ['a1', 'a2', 'a3', 'w1', 'w2', 'w3']
  const tokens = new Map<string, string>()
  for (const user of users) tokens.set(user, (await enter(url(0), line.id, user)).body.token)
  await setQueue(url(1), line.id, { paused: false })
  // a1 and a2 admitted (admitPerTick 2), then a3; each takes the admitted turn's token it is handed.
  const active = new Map<string, string>()
  for (const user of ['a1', 'a2', 'a3']) {
    await waitFor(`${user} active`, async () => {
      const res = await tokenState(url(1), line.id, user, tokens.get(user)!)
      if (res.body.status !== 'ACTIVE') return false
      active.set(user, res.body.token)
      return true
    })
  }
  await setQueue(url(0), line.id, { paused: true })
  for (const user of ['a1', 'a2', 'a3']) {
    const claims = signer.verify(active.get(user)!)!
    t.ok(claims.activeUntil && claims.activeUntil > Date.now(), `${user}'s admitted token carries its activeUntil`)
    t.equal(claims.seq, seqOf(tokens.get(user)!), 'of the same turn')
  }
  // a2 pays: its turn ends, and the gateway tells the core.
  await charge(url(1), 'a2', 10_000)
  const held = await hold(url(1), line.id, 'a2', active.get('a2')!, line.scheduleId, 1)
  t.equal(held.status, 201)
  t.equal((await pay(url(0), line.id, 'a2', active.get('a2')!, [held.body.id])).status, 201)
  const kept = (await call(core, 'GET', `/api/lines/${line.id}`)).body
  t.same(kept.paidTurns, [{ userId: 'a2', seq: seqOf(tokens.get('a2')!) }], 'the core keeps the paid turn')
  // a3's turn ran out (a token of it whose activeUntil passed, signed with the gateways' key).
  const ranOut = signer.issue('a3', line.id, seqOf(tokens.get('a3')!), Date.now() - 1000)
  await setQueue(url(0), line.id, { paused: false })
  const adminBefore = (await call(url(0), 'GET', `/api/admin/queues/${line.id}`, { headers: admin })).body.admittedTotal

  await redis.command('FLUSHALL')
  const lostAt = Date.now()

  const a1 = await tokenState(url(0), line.id, 'a1', active.get('a1')!)
  t.equal(a1.body.status, 'ACTIVE', 'an admitted turn comes back active')
  t.equal(Date.parse(a1.body.activeUntil), signer.verify(active.get('a1')!)!.activeUntil, 'until its own activeUntil')
  const a2 = await tokenState(url(1), line.id, 'a2', active.get('a2')!)
  t.equal(a2.status, 410)
  t.equal(a2.body.reason, 'PAID', 'a paid turn never comes back')
  const a3 = await tokenState(url(0), line.id, 'a3', ranOut)
  t.equal(a3.body.reason, 'EXPIRED', 'an admitted turn past its activeUntil never comes back')
  const a3waiting = await tokenState(url(1), line.id, 'a3', tokens.get('a3')!)
  t.equal(a3waiting.status, 410, "nor does the same turn's older waiting token")
  for (const user of ['w1', 'w2', 'w3']) t.equal((await tokenState(url(1), line.id, user, tokens.get(user)!)).body.status, 'WAITING')

  const during = (await call(url(0), 'GET', `/api/admin/queues/${line.id}`, { headers: admin })).body
  t.equal(during.heldBack, 'REBUILDING', 'nobody is admitted during the grace')
  t.equal(during.paused, false)
  // Admission resumes by itself: the schedule is re-created, the grace ends, w1 and w2 go in.
  await waitFor(
    'w1 admitted after the grace',
    async () => (await tokenState(url(0), line.id, 'w1', tokens.get('w1')!)).body.status === 'ACTIVE',
    20_000,
    100,
  )
  t.ok(Date.now() - lostAt >= GRACE_MS, 'not before the grace ended')
  const after = (await call(url(1), 'GET', `/api/admin/queues/${line.id}`, { headers: admin })).body
  t.ok(after.active >= 2, 'a1 counts as active beside the newly admitted')
  t.ok(adminBefore >= 3)
  const a1again = await tokenState(url(1), line.id, 'a1', tokens.get('a1')!)
  t.equal(a1again.body.status, 'ACTIVE', "a1's older waiting token is the same active turn, not a second place")
  t.equal(a1again.body.position, null)
  t.equal((await call(url(0), 'GET', `/api/concerts/${line.id}/schedules`, { headers: as('a1', active.get('a1')!) })).status, 200, 'the rebuilt turn passes the gate')
})

t.test('a reject line keeps refusing; a pre-queue keeps its commitment and its places', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.close())
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const env = { TOKEN_SECRET: SECRET, ADMIT_INTERVAL_MS: '200', REBUILD_GRACE_MS: String(GRACE_MS), GHOST_AFTER_SECONDS: '0' }
  const gw = await spawnGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix: 'rb', redisUrl: redis.url, env }, STARTING)
  t.teardown(() => gw.close())

  const closed = await createConcert(gw.url, 10)
  t.equal((await enter(gw.url, closed.id, 'early')).status, 201)
  await setQueue(gw.url, closed.id, { mode: 'reject' })
  const upcoming = await createConcert(gw.url, 10)
  const opensAt = new Date(Date.now() + 3_600_000).toISOString()
  const set = await setQueue(gw.url, upcoming.id, { opensAt })
  const commitment = set.body.seedCommitment
  t.match(commitment, /^[0-9a-f]{64}$/)
  const pre = await enter(gw.url, upcoming.id, 'pre-1')
  t.equal(pre.body.status, 'PREQUEUE')

  await redis.command('FLUSHALL')

  const refused = await enter(gw.url, closed.id, 'late')
  t.equal(refused.status, 409, 'a reject line still refuses new places')
  t.equal(refused.body.code, 'QUEUE_CLOSED')
  const back = await tokenState(gw.url, upcoming.id, 'pre-1', pre.body.token)
  t.equal(back.body.status, 'PREQUEUE', 'a pre-queue place comes back to the pre-queue')
  const view = (await call(gw.url, 'GET', `/api/queues/${upcoming.id}`)).body
  t.equal(view.seedCommitment, commitment, 'the published commitment is kept (so is the seed behind it)')
  t.equal(view.opensAt, opensAt)
  const pre2 = await enter(gw.url, upcoming.id, 'pre-2')
  t.ok(seqOf(pre2.body.token) > seqOf(pre.body.token), 'a join after the loss lands behind')
})
