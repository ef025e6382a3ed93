/** The waiting line through the HTTP API: order, re-entry, status, leave, estimates. */
import { Cluster } from 'ioredis'
import t from 'tap'
import { admin, as, awayFromWindowEdge, call, createConcert, enter, setQueue, tokenState, waitFor } from '@rushgate/testkit'
import { startStack } from './helpers.ts'

const ADMIT_INTERVAL_MS = 200

t.test('the waiting line', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(ADMIT_INTERVAL_MS), ADMIT_BATCH: '2' })
  const url = gw.url
  const concert = await createConcert(url)

  t.test('when the concert is unknown, then entering is 404 CONCERT_NOT_FOUND', async (t) => {
    const res = await enter(url, 987654, 'alice')
    t.equal(res.status, 404)
    t.equal(res.body.code, 'CONCERT_NOT_FOUND')
  })

  t.test('when no identity is given, then 401 UNAUTHENTICATED', async (t) => {
    const res = await call(url, 'POST', `/api/queues/${concert.id}/tokens`)
    t.equal(res.status, 401)
    t.equal(res.body.code, 'UNAUTHENTICATED')
    const bad = await call(url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: { 'x-user-id': 'not valid!' } })
    t.equal(bad.status, 401)
  })

  t.test('when a path id is not a positive integer, then 400 VALIDATION_ERROR naming it', async (t) => {
    const res = await enter(url, 0, 'alice')
    t.equal(res.status, 400)
    t.equal(res.body.code, 'VALIDATION_ERROR')
    t.match(res.body.message, /concertId/)
  })

  t.test('admission in arrival order, re-entry idempotent, waiting positions', async (t) => {
    t.equal((await setQueue(url, concert.id, { paused: true })).status, 200)
    const users = ['u1', 'u2', 'u3', 'u4', 'u5']
    const tokens: string[] = []
    for (const [i, user] of users.entries()) {
      const res = await enter(url, concert.id, user)
      t.equal(res.status, 201, `${user} enters`)
      t.equal(res.body.status, 'WAITING')
      t.equal(res.body.position, i + 1)
      t.equal(res.body.activeUntil, null)
      t.ok(res.body.estimatedWaitSeconds >= 1)
      t.ok(res.body.pollAfterMs >= 1000)
      tokens.push(res.body.token)
    }
    // Paused: the estimate still comes from the configured rate (2 per 200 ms tick).
    const fifth = await tokenState(url, concert.id, 'u5', tokens[4]!)
    t.equal(fifth.body.position, 5)
    t.equal(fifth.body.estimatedWaitSeconds, 1)

    const again = await enter(url, concert.id, 'u3')
    t.equal(again.status, 200, 'same user again: 200')
    t.equal(again.body.token, tokens[2], 'same token')
    t.equal(again.body.position, 3, 'same place')

    // Waiting tokens may not reach the core.
    const blocked = await call(url, 'GET', `/api/concerts/${concert.id}/schedules`, { headers: as('u4', tokens[3]) })
    t.equal(blocked.status, 403)
    t.equal(blocked.body.code, 'QUEUE_NOT_ACTIVE')
    t.equal(blocked.body.position, 4)
    t.type(blocked.body.estimatedWaitSeconds, 'number')

    t.equal((await setQueue(url, concert.id, { paused: false })).status, 200)
    // Two per tick, in arrival order: the tick that admits a user stamps its activeUntil, so
    // u1,u2 share one, u3,u4 a later one, u5 a later one still.
    const until: number[] = []
    await waitFor('all active', async () => {
      for (const [i, user] of users.entries()) {
        if (until[i] !== undefined) continue
        const s = await tokenState(url, concert.id, user, tokens[i]!)
        if (s.body.status === 'ACTIVE') until[i] = Date.parse(s.body.activeUntil)
      }
      return until.filter((u) => u !== undefined).length === users.length
    })
    t.equal(until[0], until[1], 'u1 and u2 in the first tick')
    t.equal(until[2], until[3], 'u3 and u4 in the second tick')
    t.ok(until[1]! < until[2]! && until[3]! < until[4]!, 'admitted in arrival order')
    const active = await tokenState(url, concert.id, 'u1', tokens[0]!)
    t.equal(active.body.position, null)
    t.ok(Date.parse(active.body.activeUntil) > Date.now())

    const stats = await call(url, 'GET', `/api/admin/queues/${concert.id}`, { headers: admin })
    t.equal(stats.status, 200)
    t.match(stats.body, { concertId: concert.id, waiting: 0, active: 5, admitPerTick: 2, maxActive: null, paused: false, admittedTotal: 5 })
  })

  t.test('concurrent enters of one user: one 201, one token, one place', async (t) => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => enter(url, concert.id, 'eager')))
    t.equal(answers.filter((a) => a.status === 201).length, 1)
    t.equal(answers.filter((a) => a.status === 200).length, 19)
    // One turn: one token while waiting (an admitted turn's answers hand its token with activeUntil).
    t.equal(new Set(answers.filter((a) => a.body.status !== 'ACTIVE').map((a) => a.body.token)).size, 1)
    t.equal(new Set(answers.map((a) => JSON.parse(Buffer.from(a.body.token.split('.')[0], 'base64url').toString()).s)).size, 1)
    // (A tick may admit the user midway: the place is the same for all that were still waiting.)
    t.ok(new Set(answers.filter((a) => a.body.status === 'WAITING').map((a) => a.body.position)).size <= 1)
  })

  t.test('leaving: 204, then 410 for the ended token, and a new enter is a new token', async (t) => {
    const first = await enter(url, concert.id, 'leaver')
    const token = first.body.token
    const left = await call(url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as('leaver', token) })
    t.equal(left.status, 204)
    const again = await call(url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as('leaver', token) })
    t.equal(again.status, 410)
    t.equal(again.body.code, 'QUEUE_TOKEN_EXPIRED')
    t.equal((await tokenState(url, concert.id, 'leaver', token)).status, 410)
    const back = await enter(url, concert.id, 'leaver')
    t.equal(back.status, 201)
    t.not(back.body.token, token)
  })

  t.test('maxActive caps the active users; admitPerTick 0 stalls with a finite estimate', async (t) => {
    const c2 = await createConcert(url)
    await setQueue(url, c2.id, { maxActive: 1, admitPerTick: 5 })
    const a = (await enter(url, c2.id, 'm1')).body.token
    const b = (await enter(url, c2.id, 'm2')).body.token
    await waitFor('m1 active', async () => (await tokenState(url, c2.id, 'm1', a)).body.status === 'ACTIVE')
    await new Promise((r) => setTimeout(r, ADMIT_INTERVAL_MS * 3))
    const s = await tokenState(url, c2.id, 'm2', b)
    t.equal(s.body.status, 'WAITING', 'never past maxActive')
    t.equal(s.body.position, 1)
    const stalled = await setQueue(url, c2.id, { admitPerTick: 0, maxActive: null })
    t.equal(stalled.body.maxActive, null)
    const s2 = await tokenState(url, c2.id, 'm2', b)
    t.equal(s2.body.estimatedWaitSeconds, 86400)
  })

  t.test('when users wait, then Redis holds per user their waiting ZSET entry and 4 bytes of presence, nothing else', async (t) => {
    const { redis, keys } = gw.app.gateway
    // One minute's count of new places (a key a minute): all of this test's joins in the same one.
    await awayFromWindowEdge(20_000)
    const c = await createConcert(url)
    await setQueue(url, c.id, { paused: true })
    const k = keys.concert(c.id)
    const keysOfLine = async () => {
      // Every primary of a cluster (KEYS goes to one node only), or the one Redis.
      const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis]
      const found = (await Promise.all(nodes.map((n) => n.keys(`${keys.prefix}:{c:${c.id}}:*`)))).flat()
      return found.sort()
    }
    const sizes = async (found: string[]) => {
      const out: Record<string, number> = {}
      for (const key of found) {
        // The history grows by the tick, not by the line (history.test.ts).
        if (key === k.waiting || key === k.seen || key === k.history) continue
        const type = await redis.type(key)
        out[key] = type === 'hash' ? await redis.hlen(key) : type === 'zset' ? await redis.zcard(key) : await redis.strlen(key)
      }
      return out
    }
    for (let i = 0; i <= 40; i++) t.equal((await enter(url, c.id, `z${i}`)).status, 201)
    // The state hash gets its fixed fields at the first tick: measure after one.
    await waitFor('a tick', async () => (await redis.hget(k.state, 'lastTick')) !== null)
    // The line's fixed keys only: no key per user, and no active-turn map while nobody is active.
    const fixed = new Set([k.seq, k.waiting, k.settings, k.state, k.seen, k.history, k.epoch])
    const found = await keysOfLine()
    // The minute's new places per client address (JOIN_LIMIT_PER_MINUTE): a field per address, not per user.
    const joinsOfMinute = (key: string) => key.startsWith(keys.joins(c.id, 0).replace(/0$/, ''))
    t.same(
      found.filter((key) => !fixed.has(key) && !joinsOfMinute(key)),
      [],
      'no other key',
    )
    t.equal(await redis.zcard(k.waiting), 41, 'one ZSET entry per waiting user')
    const before = await sizes(found)
    for (let i = 41; i <= 80; i++) t.equal((await enter(url, c.id, `z${i}`)).status, 201)
    t.same(await keysOfLine(), found, 'no new key as the line grows')
    t.same(await sizes(found), before, 'no key but the line and presence grows with it')
    t.ok((await redis.strlen(k.seen)) <= 4 * 82, 'presence: 4 bytes a turn')
    t.equal(await redis.zscore(k.waiting, 'z7'), '8', 'the score is the turn s')
  })

  t.test('a token of an earlier turn is 410, and leaves the current turn alone', async (t) => {
    const c = await createConcert(url)
    // Waiting: leave, come back; the first token is of the older turn.
    await setQueue(url, c.id, { paused: true })
    const first = (await enter(url, c.id, 'turns')).body.token as string
    t.equal((await call(url, 'DELETE', `/api/queues/${c.id}/tokens/current`, { headers: as('turns', first) })).status, 204)
    const second = await enter(url, c.id, 'turns')
    t.equal(second.status, 201)
    t.not(second.body.token, first)
    t.match(await tokenState(url, c.id, 'turns', first), { status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED' } })
    t.match(await call(url, 'DELETE', `/api/queues/${c.id}/tokens/current`, { headers: as('turns', first) }), {
      status: 410,
      body: { code: 'QUEUE_TOKEN_EXPIRED' },
    })
    t.equal((await tokenState(url, c.id, 'turns', second.body.token)).body.status, 'WAITING', 'the newer turn survives')

    // Active: give up the slot, come back; the active token of the older turn is 410 everywhere.
    await setQueue(url, c.id, { paused: false })
    await waitFor('active', async () => (await tokenState(url, c.id, 'turns', second.body.token)).body.status === 'ACTIVE')
    t.equal((await call(url, 'DELETE', `/api/queues/${c.id}/tokens/current`, { headers: as('turns', second.body.token) })).status, 204)
    await setQueue(url, c.id, { paused: true })
    const third = await enter(url, c.id, 'turns')
    t.equal(third.status, 201)
    t.match(await tokenState(url, c.id, 'turns', second.body.token), { status: 410, body: { code: 'QUEUE_TOKEN_EXPIRED' } })
    t.match(await call(url, 'GET', `/api/concerts/${c.id}/schedules`, { headers: as('turns', second.body.token) }), {
      status: 410,
      body: { code: 'QUEUE_TOKEN_EXPIRED' },
    })
    t.equal((await tokenState(url, c.id, 'turns', third.body.token)).body.status, 'WAITING')
  })
})
