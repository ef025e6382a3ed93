/**
 * The opening through the HTTP API: the pre-queue, the draw (its order is the HMAC order and its
 * commitment matches the seed), the sale window's PATCH rules, and one place per user across it.
 */
import { createHash, createHmac } from 'node:crypto'
import t from 'tap'
import { admin, as, call, createConcert, enter, tokenState, waitFor } from '@rushgate/testkit'
import { patchQueue, startStack } from './helpers.ts'

const INTERVAL_MS = 100

/** The contract's rule, written again here rather than imported: the test must not share a bug. */
const hmacOrder = (seed: string, users: string[]) =>
  [...users].sort((a, b) => {
    const h = (u: string) => createHmac('sha256', Buffer.from(seed, 'hex')).update(u, 'utf8').digest('hex')
    return h(a) < h(b) ? -1 : h(a) > h(b) ? 1 : 0
  })
const sha256 = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex')
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString()

t.test('the opening', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS), ADMIT_BATCH: '5' })
  const url = gw.url
  const view = async (id: number) => (await call(url, 'GET', `/api/queues/${id}`)).body
  const draw = (id: number) => call(url, 'GET', `/api/admin/queues/${id}/draw`, { headers: admin })
  const opened = (id: number) => waitFor(`line ${id} opened`, async () => (await view(id)).seed !== null, 15_000)

  t.test('when opensAt is set, then a seed is committed; a change draws a new one', async (t) => {
    const c = await createConcert(url)
    const opensAt = inMs(60_000)
    const set = await patchQueue(url, c.id, { opensAt })
    t.equal(set.status, 200)
    t.match(set.body, { opensAt, state: 'PREQUEUE', seedCommitment: /^[0-9a-f]{64}$/ })
    const pub = await view(c.id)
    t.match(pub, { concertId: c.id, state: 'PREQUEUE', opensAt, seedCommitment: set.body.seedCommitment, seed: null, waiting: 0 })
    t.equal((await patchQueue(url, c.id, { opensAt })).body.seedCommitment, set.body.seedCommitment, 'the same time keeps the seed')
    const moved = await patchQueue(url, c.id, { opensAt: inMs(90_000) })
    t.not(moved.body.seedCommitment, set.body.seedCommitment, 'a new time draws a new seed')
    t.match(await draw(c.id), { status: 409, body: { code: 'NOT_OPEN_YET' } })
    t.match(await call(url, 'GET', '/api/queues/987654'), { status: 404, body: { code: 'CONCERT_NOT_FOUND' } })
    t.match(await patchQueue(url, c.id, { closesAt: inMs(80_000) }), { status: 400, body: { code: 'VALIDATION_ERROR', message: /closesAt/ } })
    // Cleared with nobody in the pre-queue: a plain line again, which opens with its first place.
    const cleared = await patchQueue(url, c.id, { opensAt: null })
    t.match(cleared.body, { opensAt: null, seedCommitment: null, state: 'OPEN' })
    t.equal((await enter(url, c.id, 'first')).body.status, 'WAITING')
    t.match(await patchQueue(url, c.id, { opensAt: inMs(60_000) }), { status: 409, body: { code: 'ALREADY_OPEN' } })
  })

  t.test('when the line opens, then the pre-queue stands in the HMAC order, ahead of later arrivals', async (t) => {
    const c = await createConcert(url)
    // At most 5 active: the first tick after the opening admits the first 5 of the draw, no more.
    await patchQueue(url, c.id, { admitPerTick: 5, maxActive: 5 })
    const opensAt = inMs(2500)
    const { body: settings } = await patchQueue(url, c.id, { opensAt })
    const users = Array.from({ length: 30 }, (_, i) => `pre-${i}`)
    const joins = await Promise.all(users.map((u) => enter(url, c.id, u)))
    const tokens = new Map<string, string>()
    joins.forEach((j, i) => {
      t.equal(j.status, 201)
      t.match(j.body, { status: 'PREQUEUE', position: null, opensAt, activeUntil: null })
      tokens.set(users[i]!, j.body.token)
    })
    const again = await enter(url, c.id, 'pre-3')
    t.match(again, { status: 200, body: { token: tokens.get('pre-3'), status: 'PREQUEUE' } })
    t.match(await tokenState(url, c.id, 'pre-4', tokens.get('pre-4')!), { status: 200, body: { status: 'PREQUEUE', position: null, opensAt } })
    t.match(await call(url, 'GET', `/api/concerts/${c.id}/schedules`, { headers: as('pre-5', tokens.get('pre-5')) }), {
      status: 403,
      body: { code: 'QUEUE_NOT_ACTIVE', position: null },
    })
    t.match(await view(c.id), { state: 'PREQUEUE', waiting: 30, active: 0 })
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 4))
    t.equal((await call(url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body.admittedTotal, 0, 'nobody admitted before the opening')

    await opened(c.id)
    const late = []
    for (const u of ['late-0', 'late-1', 'late-2']) late.push(await enter(url, c.id, u))
    const { status, body } = await draw(c.id)
    t.equal(status, 200)
    t.equal(body.seedCommitment, settings.seedCommitment, 'the draw is the one committed to')
    t.equal(sha256(body.seed), body.seedCommitment, 'the commitment is SHA-256 of the seed')
    t.equal((await view(c.id)).seed, body.seed, 'the seed is public from the opening')
    t.same(body.order, hmacOrder(body.seed, users), 'the order is the HMAC order of the pre-queue')

    await waitFor('the first tick after the opening', async () => (await call(url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body.admittedTotal === 5)
    const line = [...body.order, 'late-0', 'late-1', 'late-2'] as string[]
    const lateTokens = late.map((l) => l.body.token as string)
    for (const [i, user] of line.entries()) {
      const s = await tokenState(url, c.id, user, tokens.get(user) ?? lateTokens[i - users.length]!)
      if (i < 5) t.equal(s.body.status, 'ACTIVE', `${user}, drawn ${i + 1}, admitted first`)
      else t.match(s.body, { status: 'WAITING', position: i - 4 }, `${user} at place ${i - 4}: the pre-queue token stays valid`)
    }
    t.match(await patchQueue(url, c.id, { opensAt: inMs(60_000) }), { status: 409, body: { code: 'ALREADY_OPEN' } })
    t.match(await patchQueue(url, c.id, { opensAt: null }), { status: 409, body: { code: 'ALREADY_OPEN' } })
  })

  t.test('when opensAt is in the past, then the line opens at the next tick', async (t) => {
    const c = await createConcert(url)
    const set = await patchQueue(url, c.id, { opensAt: new Date(Date.now() - 1000).toISOString() })
    t.equal(set.body.state, 'OPEN')
    t.match(await enter(url, c.id, 'after'), { status: 201, body: { status: 'WAITING' } })
    await opened(c.id)
    t.match(await draw(c.id), { status: 200, body: { order: [] } })
  })

  t.test('when opensAt is cleared with a pre-queue, then the line opens at the next tick with its draw', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { opensAt: inMs(60_000) })
    for (const u of ['c1', 'c2', 'c3']) t.equal((await enter(url, c.id, u)).body.status, 'PREQUEUE')
    const cleared = await patchQueue(url, c.id, { opensAt: null })
    t.match(cleared.body, { opensAt: null, seedCommitment: /^[0-9a-f]{64}$/ })
    await opened(c.id)
    const { body } = await draw(c.id)
    t.same(body.order, hmacOrder(body.seed, ['c1', 'c2', 'c3']))
  })

  t.test('a user never holds two places, whether joins land before, across or after the opening', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { paused: true })
    const opensAt = Date.now() + 1500
    await patchQueue(url, c.id, { opensAt: new Date(opensAt).toISOString() })
    const users = Array.from({ length: 40 }, (_, i) => `twice-${i}`)
    // Four joins per user, spread from before the opening to after it.
    const answers = await Promise.all(
      users.flatMap((u, i) =>
        [0, 1, 2, 3].map(async (j) => {
          await new Promise((r) => setTimeout(r, Math.max(0, opensAt - Date.now() - 400 + ((i * 4 + j) % 16) * 50)))
          return { user: u, answer: await enter(url, c.id, u) }
        }),
      ),
    )
    await opened(c.id)
    const { redis, keys } = gw.app.gateway
    const k = keys.concert(c.id)
    for (const u of users) {
      const mine = answers.filter((a) => a.user === u).map((a) => a.answer)
      t.equal(mine.filter((a) => a.status === 201).length, 1, `${u}: one new place`)
      t.equal(new Set(mine.map((a) => a.body.token)).size, 1, `${u}: one token`)
      const places = [await redis.zscore(k.prequeue, u), await redis.zscore(k.waiting, u), await redis.zscore(k.active, u)]
      t.equal(places.filter((p) => p !== null).length, 1, `${u}: in one place`)
    }
    t.equal(await redis.zcard(k.waiting), users.length, 'every user in the line once')
  })

  t.test('closesAt and reject: no new places, those in line stay', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { paused: true })
    const kept = await enter(url, c.id, 'keeper')
    const closed = await patchQueue(url, c.id, { closesAt: new Date(Date.now() - 1).toISOString() })
    t.equal(closed.body.state, 'CLOSED')
    t.equal((await view(c.id)).state, 'CLOSED')
    t.match(await enter(url, c.id, 'newcomer'), { status: 409, body: { code: 'QUEUE_CLOSED' } })
    t.match(await enter(url, c.id, 'keeper'), { status: 200, body: { token: kept.body.token, position: 1 } })
    await patchQueue(url, c.id, { paused: false })
    await waitFor('keeper admitted', async () => (await tokenState(url, c.id, 'keeper', kept.body.token)).body.status === 'ACTIVE')
    t.pass('those in line are admitted as usual')
  })
})
