/**
 * Abuse. One user holds one place per line however hard they push; a token is
 * useless to anyone but its user; the admin API takes nothing but its token; the core refuses
 * traffic that does not carry the gateway's credential.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { activeToken, ADMIN_TOKEN, as, call, charge, createConcert, hold, INTERNAL_TOKEN, isContractError, pay, queueStats, setQueue, tokenState } from '@rushgate/testkit'
import { REPO_ROOT, startStack } from '../support/stack.ts'

const { core, gateway } = await startStack((fn) => t.teardown(fn), 'abuse')
const concert = await createConcert(gateway.url, 6, 1000)
const C = concert.id
const S = concert.scheduleIds[0]!

t.test('when one user enters the same line 25 times at once, then they hold one place', async (t) => {
  await setQueue(gateway.url, C, { maxActive: 1 })
  await activeToken(gateway.url, C, 'abuse-first')
  const answers = await Promise.all(
    Array.from({ length: 25 }, () => call(gateway.url, 'POST', `/api/queues/${C}/tokens`, { headers: as('abuse-greedy') })),
  )
  t.equal(answers.filter((a) => a.status === 201).length, 1, 'one 201')
  t.equal(answers.filter((a) => a.status === 200).length, 24, 'the rest 200 with the same token')
  t.equal(new Set(answers.map((a) => a.body?.token)).size, 1, 'one token')
  t.equal(new Set(answers.map((a) => a.body?.position)).size, 1, 'one place')
  const again = await call(gateway.url, 'POST', `/api/queues/${C}/tokens`, { headers: as('abuse-greedy') })
  t.equal(again.body.token, answers[0]!.body.token, 'entering later still gives the same token')
  t.equal((await queueStats(gateway.url, C)).body.waiting, 1, 'the line holds one waiting user')
  await setQueue(gateway.url, C, { maxActive: null })
})

t.test("when a user replays another user's token, then it is 403 QUEUE_TOKEN_USER_MISMATCH everywhere", async (t) => {
  await charge(gateway.url, 'abuse-owner', 5000)
  await charge(gateway.url, 'abuse-thief', 5000)
  const token = await activeToken(gateway.url, C, 'abuse-owner')
  const held = await hold(gateway.url, C, 'abuse-owner', token, S, 1)
  t.equal(held.status, 201)
  const thief = as('abuse-thief', token)
  const attempts = [
    await tokenState(gateway.url, C, 'abuse-thief', token),
    await call(gateway.url, 'DELETE', `/api/queues/${C}/tokens/current`, { headers: thief }),
    await hold(gateway.url, C, 'abuse-thief', token, S, 2),
    await pay(gateway.url, C, 'abuse-thief', token, [held.body.id]),
    await call(gateway.url, 'GET', `/api/concerts/${C}/schedules`, { headers: thief }),
    await call(gateway.url, 'DELETE', `/api/concerts/${C}/reservations/${held.body.id}`, { headers: thief }),
  ]
  for (const a of attempts) {
    t.equal(a.status, 403, `403 (${a.text.slice(0, 100)})`)
    t.equal(a.body?.code, 'QUEUE_TOKEN_USER_MISMATCH')
    t.ok(isContractError(a))
  }
  const owner = await tokenState(gateway.url, C, 'abuse-owner', token)
  t.equal(owner.body.status, 'ACTIVE', "the owner's token still works")
  t.equal((await call(gateway.url, 'GET', '/api/users/me/balance', { headers: as('abuse-thief') })).body.balance, 5000, 'the thief paid nothing')
  t.equal((await call(gateway.url, 'GET', '/api/users/me/balance', { headers: as('abuse-owner') })).body.balance, 5000, 'the owner lost nothing')
})

t.test('when a client sends its own X-Queue-Active-Until or X-Internal-Token, then the gateway does not pass them on', async (t) => {
  const token = await activeToken(gateway.url, C, 'abuse-forger')
  const state = await tokenState(gateway.url, C, 'abuse-forger', token)
  const far = new Date(Date.now() + 30 * 86_400_000).toISOString()
  const res = await call(gateway.url, 'POST', `/api/concerts/${C}/reservations`, {
    headers: { ...as('abuse-forger', token), 'x-queue-active-until': far, 'x-internal-token': 'forged-internal-token-value' },
    body: { scheduleId: S, seatNumber: 3 },
  })
  t.equal(res.status, 201, 'the hold works (the forged internal token was replaced by the real one)')
  t.ok(Date.parse(res.body.expiresAt) <= Date.parse(state.body.activeUntil) + 1000, 'the hold ends no later than the real token')
})

t.test('when the admin API gets anything but its token, then it is 401', async (t) => {
  const bad: Record<string, string>[] = [
    {},
    { authorization: 'Bearer ' },
    { authorization: 'Bearer wrong' },
    { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
    { authorization: `Bearer ${ADMIN_TOKEN}x` },
    { authorization: `Bearer ${ADMIN_TOKEN.toUpperCase()}` },
    { authorization: `Bearer  ${ADMIN_TOKEN} ` },
    { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
    { authorization: ADMIN_TOKEN },
    { 'x-admin-token': ADMIN_TOKEN },
    { 'x-internal-token': INTERNAL_TOKEN },
    { authorization: `Bearer ${INTERNAL_TOKEN}` },
    { 'x-user-id': 'admin' },
  ]
  const routes: [string, string, unknown][] = [
    ['GET', `/api/admin/queues/${C}`, undefined],
    ['PATCH', `/api/admin/queues/${C}`, { paused: true }],
    ['POST', '/api/admin/concerts', { title: 'x', venue: 'y', schedules: [{ startsAt: '2027-01-01T19:00:00Z', seats: 1, price: 1 }] }],
  ]
  let checked = 0
  for (const headers of bad) {
    for (const [method, path, body] of routes) {
      const a = await call(gateway.url, method, path, { headers, body })
      if (a.status !== 401 || a.body?.code !== 'UNAUTHENTICATED') t.fail(`${method} ${path} with ${JSON.stringify(headers).slice(0, 60)}: ${a.status} ${a.text.slice(0, 80)}`)
      checked++
    }
  }
  t.pass(`${checked} admin requests without the right token were 401 UNAUTHENTICATED`)
  t.equal((await queueStats(gateway.url, C)).body.paused, false, 'nothing was paused by them')
  const concerts = await call(gateway.url, 'GET', '/api/concerts')
  t.equal(concerts.body.length, 1, 'no concert was created by them')
})

t.test('the admin token is compared in constant time (read from the code path, not timed)', async (t) => {
  // The check must go through crypto.timingSafeEqual (over equal-length digests or buffers);
  // a plain === on the secret would leak its prefix through timing.
  const files: string[] = []
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.name.endsWith('.ts')) files.push(path)
    }
  }
  await walk(join(REPO_ROOT, 'apps/gateway/src'))
  const sources = await Promise.all(files.map(async (f) => ({ f, text: await readFile(f, 'utf8') })))
  const adminCheck = sources.filter((s) => /adminToken|ADMIN_TOKEN/.test(s.text) && /timingSafeEqual/.test(s.text))
  t.ok(adminCheck.length > 0, `the admin token check uses timingSafeEqual (${adminCheck.map((s) => s.f.slice(REPO_ROOT.length)).join(', ')})`)
  const plain = sources.filter((s) => /===?\s*(config\.|opts\.|options\.)?adminToken\b|adminToken\s*===?/.test(s.text))
  t.same(plain.map((s) => s.f.slice(REPO_ROOT.length)), [], 'and nowhere compares it with ===')
})

t.test('when traffic reaches the core without the internal token, then it is 401', async (t) => {
  const routes: [string, string, unknown][] = [
    ['GET', '/api/concerts', undefined],
    ['GET', '/api/users/me/balance', undefined],
    ['POST', '/api/users/me/balance/charges', { amount: 100 }],
    ['POST', `/api/concerts/${C}/reservations`, { scheduleId: S, seatNumber: 4 }],
    ['POST', `/api/concerts/${C}/payments`, { reservationIds: [1] }],
    ['POST', '/api/admin/concerts', { title: 'x', venue: 'y', schedules: [{ startsAt: '2027-01-01T19:00:00Z', seats: 1, price: 1 }] }],
  ]
  const credentials: Record<string, string>[] = [
    { 'x-user-id': 'abuse-direct' },
    { 'x-user-id': 'abuse-direct', 'x-internal-token': 'wrong' },
    { 'x-user-id': 'abuse-direct', 'x-internal-token': INTERNAL_TOKEN.slice(0, -1) },
    { 'x-user-id': 'abuse-direct', authorization: `Bearer ${INTERNAL_TOKEN}` },
    { 'x-user-id': 'abuse-direct', 'x-internal-token': ADMIN_TOKEN },
  ]
  for (const headers of credentials) {
    for (const [method, path, body] of routes) {
      const a = await call(core.url, method, path, { headers, body })
      t.equal(a.status, 401, `${method} ${path} with ${Object.keys(headers).join('+')}: 401`)
      t.equal(a.body?.code, 'UNAUTHENTICATED')
    }
  }
  t.equal((await call(core.url, 'GET', '/health/live')).status, 200, 'health needs no token')
  t.equal((await call(core.url, 'GET', '/metrics')).status, 200, 'metrics need no token')
  const balance = await call(gateway.url, 'GET', '/api/users/me/balance', { headers: as('abuse-direct') })
  t.equal(balance.body.balance, 0, 'none of them charged anything')
  t.equal((await call(gateway.url, 'GET', '/api/concerts')).body.length, 1, 'none of them created a concert')
})
