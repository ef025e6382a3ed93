/**
 * Seat maps from each replica's cache, on two gateways of one deployment: every kind of change
 * (hold, release, payment, refund, a hold running out) shows on the other gateway at once; between
 * changes the core is not asked again; ETag/304 and compression; the gate still comes first.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import t, { type Test } from 'tap'
import { activeToken, admin, as, call, createConcert, deletePrefix, randomPrefix, startCore, type StartedCore, type StartedGateway, startGateway, testRedis, waitFor } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'

/** Strict: a change is fetched at once (no stale window) and nothing but a change or an expiry refreshes a map. */
const STRICT = { SEAT_MAP_STALE_MS: '0', SEAT_MAP_MAX_AGE_MS: '3600000', ADMIT_INTERVAL_MS: '100', ADMIT_BATCH: '100' }

async function twoGateways(t: Test, core: StartedCore, env: Record<string, string> = STRICT): Promise<[StartedGateway, StartedGateway]> {
  const prefix = randomPrefix()
  const redis = testRedis()
  const start = () => startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env })
  const gateways = [await start(), await start()] as [StartedGateway, StartedGateway]
  t.teardown(async () => {
    await Promise.all(gateways.map((g) => g.close()))
    await deletePrefix(redis, prefix)
    redis.disconnect()
  })
  return gateways
}

/** Seat map counters of a gateway: hit, fetch, not_modified. */
async function counts(gw: StartedGateway): Promise<{ hit: number; fetch: number; not_modified: number }> {
  const text = await (await fetch(`${gw.url}/metrics`)).text()
  const out = { hit: 0, fetch: 0, not_modified: 0 }
  for (const m of text.matchAll(/^rushgate_seat_maps_total\{result="(\w+)"\} (\d+)/gm)) out[m[1] as keyof typeof out] = Number(m[2])
  return out
}

t.test('on two gateways, every change shows at once on the other, and nothing else makes the core build a map again', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const [a, b] = await twoGateways(t, core)
  const concert = await createConcert(a.url, 5, 1000)
  const buyer = await activeToken(a.url, concert.id, 'buyer')
  const watcher = await activeToken(b.url, concert.id, 'watcher')
  const path = `/api/concerts/${concert.id}/schedules/${concert.scheduleId}/seats`
  const statusOn = async (gw: StartedGateway, seat: number) => {
    const res = await call(gw.url, 'GET', path, { headers: as('watcher', watcher) })
    t.equal(res.status, 200)
    return res.body.find((s: { seatNumber: number }) => s.seatNumber === seat).status as string
  }

  t.equal(await statusOn(a, 1), 'AVAILABLE')
  t.equal(await statusOn(b, 1), 'AVAILABLE')
  const before = await counts(b)
  for (let i = 0; i < 10; i++) await statusOn(b, 1)
  const after = await counts(b)
  t.equal(after.fetch, before.fetch, 'unchanged: 10 reads and no fetch from the core')
  t.equal(after.hit - before.hit, 10)

  const held = await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
    headers: as('buyer', buyer),
    body: { scheduleId: concert.scheduleId, seatNumber: 1 },
  })
  t.equal(held.status, 201)
  t.notOk(held.headers.get('x-seat-maps-changed'), 'the core’s internal header is not passed on')
  t.equal(await statusOn(b, 1), 'HELD', 'hold through A: HELD on B at once')
  t.equal(await statusOn(a, 1), 'HELD')

  const released = await call(b.url, 'DELETE', `/api/concerts/${concert.id}/reservations/${held.body.id}`, { headers: as('buyer', buyer) })
  t.equal(released.status, 204)
  t.equal(await statusOn(a, 1), 'AVAILABLE', 'release through B: AVAILABLE on A at once')

  await call(a.url, 'POST', '/api/users/me/balance/charges', { headers: as('buyer'), body: { amount: 1000 } })
  const again = await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
    headers: as('buyer', buyer),
    body: { scheduleId: concert.scheduleId, seatNumber: 2 },
  })
  t.equal(await statusOn(b, 2), 'HELD')
  const paid = await call(a.url, 'POST', `/api/concerts/${concert.id}/payments`, {
    headers: as('buyer', buyer),
    body: { reservationIds: [again.body.id] },
  })
  t.equal(paid.status, 201)
  t.equal(await statusOn(b, 2), 'SOLD', 'payment through A: SOLD on B at once')

  const refunded = await call(b.url, 'POST', `/api/users/me/payments/${paid.body.id}/refund`, { headers: as('buyer') })
  t.equal(refunded.status, 200)
  t.equal(await statusOn(a, 2), 'AVAILABLE', 'refund through B (no token, no concert in its path): AVAILABLE on A at once')
  t.equal(await statusOn(b, 2), 'AVAILABLE')
})

t.test('when a hold runs out, then the map shows it AVAILABLE at once, without any write', async (t) => {
  const core = await startCore(coreEntry, { env: { HOLD_TTL_SECONDS: '2' } })
  t.teardown(() => core.close())
  const [a, b] = await twoGateways(t, core)
  const concert = await createConcert(a.url, 3, 1000)
  const holder = await activeToken(a.url, concert.id, 'holder')
  const watcher = await activeToken(b.url, concert.id, 'watcher')
  const path = `/api/concerts/${concert.id}/schedules/${concert.scheduleId}/seats`
  const read = async () => (await call(b.url, 'GET', path, { headers: as('watcher', watcher) })).body[0].status
  const held = await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
    headers: as('holder', holder),
    body: { scheduleId: concert.scheduleId, seatNumber: 1 },
  })
  t.equal(await read(), 'HELD')
  const fetches = (await counts(b)).fetch
  t.equal(await read(), 'HELD', 'still held: from the cache')
  t.equal((await counts(b)).fetch, fetches)
  const expiresAt = Date.parse(held.body.expiresAt)
  await waitFor('the hold to run out', async () => Date.now() > expiresAt + 5)
  t.equal(await read(), 'AVAILABLE', 'the first read after the hold’s end sees it free')
  t.equal((await counts(b)).fetch, fetches + 1, 'because the cache knew when the hold ends')
})

t.test('ETag and If-None-Match: 304 while the map is unchanged, 200 with a new ETag after a change; compressed when asked', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const [a, b] = await twoGateways(t, core)
  const concert = await createConcert(a.url, 1000, 1000)
  const token = await activeToken(a.url, concert.id, 'fan')
  const path = `/api/concerts/${concert.id}/schedules/${concert.scheduleId}/seats`
  const get = (gw: StartedGateway, headers: Record<string, string> = {}) =>
    fetch(gw.url + path, { headers: { ...as('fan', token), ...headers } })

  const first = await get(a, { 'accept-encoding': 'identity' })
  const etag = first.headers.get('etag')!
  t.match(etag, /^W\/".+"$/)
  t.equal(first.headers.get('cache-control'), 'private, no-cache')
  t.match(first.headers.get('vary'), /accept-encoding/i)
  t.equal(first.headers.get('content-encoding'), null, 'identity when asked for it')
  const plain = Buffer.from(await first.arrayBuffer())
  t.equal(JSON.parse(plain.toString()).length, 1000)

  const other = await get(b)
  t.equal(other.headers.get('etag'), etag, 'the same map has the same ETag on every replica')
  await other.arrayBuffer()
  const before = await counts(b)
  const notModified = await get(b, { 'if-none-match': etag })
  t.equal(notModified.status, 304)
  t.equal((await notModified.text()).length, 0, 'no body')
  t.equal(notModified.headers.get('etag'), etag)
  t.equal((await get(b, { 'if-none-match': `"x", ${etag.slice(2)}` })).status, 304, 'a strong form of the tag in a list matches too')
  t.equal((await counts(b)).not_modified - before.not_modified, 2)

  const raw = await fetch(b.url + path, { headers: { ...as('fan', token), 'accept-encoding': 'gzip, deflate' } })
  t.equal(raw.headers.get('content-encoding'), 'gzip')
  t.ok(Number(raw.headers.get('content-length')) < plain.length / 5, `gzip: ${raw.headers.get('content-length')} of ${plain.length} bytes`)
  // fetch decodes the body itself: what arrives is the same JSON.
  t.same(Buffer.from(await raw.arrayBuffer()), plain)
  const br = await fetch(b.url + path, { headers: { ...as('fan', token), 'accept-encoding': 'gzip;q=0.5, br' } })
  t.equal(br.headers.get('content-encoding'), 'br')
  t.same(Buffer.from(await br.arrayBuffer()), plain)
  const refused = await fetch(b.url + path, { headers: { ...as('fan', token), 'accept-encoding': 'br;q=0, gzip;q=0' } })
  t.equal(refused.headers.get('content-encoding'), null, 'q=0 refuses an encoding')
  await refused.arrayBuffer()

  await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, { headers: as('fan', token), body: { scheduleId: concert.scheduleId, seatNumber: 7 } })
  const changed = await get(b, { 'if-none-match': etag })
  t.equal(changed.status, 200, 'after a hold the old ETag no longer matches')
  t.not(changed.headers.get('etag'), etag)
  t.equal(((await changed.json()) as { status: string }[])[6]!.status, 'HELD')
})

t.test('the gate comes before the cache: no token, a waiting token, another concert’s token never see a map', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const [a] = await twoGateways(t, core)
  const concert = await createConcert(a.url, 5, 1000)
  const other = await createConcert(a.url, 5, 1000)
  const token = await activeToken(a.url, concert.id, 'in')
  const path = `/api/concerts/${concert.id}/schedules/${concert.scheduleId}/seats`
  t.equal((await call(a.url, 'GET', path, { headers: as('in', token) })).status, 200, 'cached now')
  t.match(await call(a.url, 'GET', path, { headers: as('in') }), { status: 401, body: { code: 'QUEUE_TOKEN_MISSING' } })
  const foreign = await activeToken(a.url, other.id, 'in')
  t.match(await call(a.url, 'GET', path, { headers: as('in', foreign) }), { status: 403, body: { code: 'QUEUE_TOKEN_WRONG_CONCERT' } })
  await call(a.url, 'PATCH', `/api/admin/queues/${concert.id}`, { headers: admin, body: { paused: true } })
  const waiting = (await call(a.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as('late') })).body.token
  t.match(await call(a.url, 'GET', path, { headers: as('late', waiting) }), { status: 403, body: { code: 'QUEUE_NOT_ACTIVE' } })
  const unknown = await call(a.url, 'GET', `/api/concerts/${concert.id}/schedules/${other.scheduleId}/seats`, { headers: as('in', token) })
  t.match(unknown, { status: 404, body: { code: 'SCHEDULE_NOT_FOUND' } }, 'another concert’s date is not found under this one, cache or not')
})

t.test('with a stale window (SEAT_MAP_STALE_MS), a change still shows within one second', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const [a, b] = await twoGateways(t, core, { ...STRICT, SEAT_MAP_STALE_MS: '250' })
  const concert = await createConcert(a.url, 5, 1000)
  const token = await activeToken(a.url, concert.id, 'quick')
  const path = `/api/concerts/${concert.id}/schedules/${concert.scheduleId}/seats`
  const read = async () => (await call(b.url, 'GET', path, { headers: as('quick', token) })).body[0].status
  t.equal(await read(), 'AVAILABLE')
  const held = await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
    headers: as('quick', token),
    body: { scheduleId: concert.scheduleId, seatNumber: 1 },
  })
  t.equal(held.status, 201)
  const answered = Date.now()
  await waitFor('the hold on gateway B', async () => (await read()) === 'HELD', 1000)
  t.pass(`shown ${Date.now() - answered} ms after the hold was answered`)
})
