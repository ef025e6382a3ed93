/** The queueing modes, switched live: random, passthrough, reject (and fifo, the default, everywhere else). */
import t from 'tap'
import { admin, as, call, createConcert, enter, tokenState, waitFor } from '@rushgate/testkit'
import { patchQueue, startStack } from './helpers.ts'

const INTERVAL_MS = 100

t.test('queueing modes', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const url = gw.url
  const stats = async (id: number) => (await call(url, 'GET', `/api/admin/queues/${id}`, { headers: admin })).body

  t.test('random: admits drawn from the whole line; no position, the median wait', async (t) => {
    // Seats for everyone: only admitPerTick and maxActive bound the tick.
    const c = await createConcert(url, 200)
    await patchQueue(url, c.id, { paused: true })
    const users = Array.from({ length: 200 }, (_, i) => `rnd-${i}`)
    const tokens: string[] = []
    for (const u of users) tokens.push((await enter(url, c.id, u)).body.token)
    const changed = await patchQueue(url, c.id, { mode: 'random', admitPerTick: 20, maxActive: 20 })
    t.equal(changed.body.mode, 'random')
    t.match(await tokenState(url, c.id, users[10]!, tokens[10]!), { body: { status: 'WAITING', position: null } }, 'no position in random mode')
    await patchQueue(url, c.id, { paused: false })
    await waitFor('the first random tick', async () => (await stats(c.id)).admittedTotal === 20)
    const active: number[] = []
    for (const [i, u] of users.entries()) if ((await tokenState(url, c.id, u, tokens[i]!)).body.status === 'ACTIVE') active.push(i)
    t.equal(active.length, 20, 'admitPerTick admitted, never past maxActive')
    // Out of 200, 20 drawn uniformly all from one half: a chance of about one in a million.
    t.ok(active.some((i) => i < 100), 'some from the front half')
    t.ok(active.some((i) => i >= 100), 'some from the back half')
    t.not(active.join(','), Array.from({ length: 20 }, (_, i) => i).join(','), 'not the head of the line')

    // The median wait: the middle of what is left, at the configured rate.
    await patchQueue(url, c.id, { maxActive: null, admitPerTick: 1, paused: true })
    const waiting = (await stats(c.id)).waiting
    const waiter = users.findIndex((_, i) => !active.includes(i))
    const s = await tokenState(url, c.id, users[waiter]!, tokens[waiter]!)
    t.match(s.body, { status: 'WAITING', position: null })
    t.equal(s.body.estimatedWaitSeconds, Math.ceil((Math.ceil(waiting / 2) * INTERVAL_MS) / 1000), 'the median wait')
  })

  t.test('passthrough: every new token is active at once, with no tick and no cap', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { paused: true, maxActive: 1 })
    const before = await enter(url, c.id, 'pt-before')
    await patchQueue(url, c.id, { mode: 'passthrough' })
    for (const u of ['pt-1', 'pt-2', 'pt-3']) {
      const joined = await enter(url, c.id, u)
      t.equal(joined.status, 201)
      t.match(joined.body, { status: 'ACTIVE', position: null, activeUntil: /Z$/ })
      t.equal((await call(url, 'GET', `/api/concerts/${c.id}/schedules`, { headers: as(u, joined.body.token) })).status, 200)
    }
    t.match(await stats(c.id), { active: 3, waiting: 1, admittedTotal: 3 }, 'paused and past maxActive: no tick, no cap')
    t.match(await enter(url, c.id, 'pt-1'), { status: 200, body: { status: 'ACTIVE' } }, 'the same turn again')
    // Who waited before keeps the place and is admitted by the tick as usual.
    await patchQueue(url, c.id, { paused: false, maxActive: null })
    await waitFor('the earlier one admitted', async () => (await tokenState(url, c.id, 'pt-before', before.body.token)).body.status === 'ACTIVE')
  })

  t.test('reject: no new places, those in line keep theirs and are admitted', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { paused: true })
    const kept = await enter(url, c.id, 'rj-kept')
    const changed = await patchQueue(url, c.id, { mode: 'reject' })
    t.match(changed.body, { mode: 'reject', state: 'CLOSED' })
    t.match(await call(url, 'GET', `/api/queues/${c.id}`), { body: { state: 'CLOSED', mode: 'reject' } })
    t.match(await enter(url, c.id, 'rj-new'), { status: 409, body: { code: 'QUEUE_CLOSED' } })
    t.match(await enter(url, c.id, 'rj-kept'), { status: 200, body: { token: kept.body.token, status: 'WAITING', position: 1 } })
    await patchQueue(url, c.id, { paused: false })
    await waitFor('admitted as usual', async () => (await tokenState(url, c.id, 'rj-kept', kept.body.token)).body.status === 'ACTIVE')
    await patchQueue(url, c.id, { mode: 'fifo' })
    t.equal((await enter(url, c.id, 'rj-new')).status, 201, 'back to fifo: open again at once')
  })

  t.test('proofOfWork is kept and returned; without a proof no new place, a place already held comes back', async (t) => {
    const c = await createConcert(url)
    await patchQueue(url, c.id, { paused: true })
    const held = await enter(url, c.id, 'pow-held')
    t.match((await patchQueue(url, c.id, { proofOfWork: 50_000 })).body, { proofOfWork: 50_000 })
    t.equal((await stats(c.id)).proofOfWork, 50_000)
    t.match(await enter(url, c.id, 'pow-new'), { status: 403, body: { code: 'PROOF_OF_WORK_REQUIRED' } })
    t.match(await enter(url, c.id, 'pow-held'), { status: 200, body: { token: held.body.token } }, 're-entry needs no proof')
    t.match(await patchQueue(url, c.id, { proofOfWork: 10 }), { status: 400, body: { code: 'VALIDATION_ERROR', message: /proofOfWork/ } })
    t.match((await patchQueue(url, c.id, { proofOfWork: null })).body, { proofOfWork: null })
    t.equal((await enter(url, c.id, 'pow-new')).status, 201)
  })
})
