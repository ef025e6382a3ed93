/**
 * A date's sections summary and one section's map through two gateways: served from each replica's
 * cache like the whole map (a change through one gateway shows on the other at once), with ETag/304
 * and compression; an unknown section is 404, and a date too large for a whole map asks for one.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import t from 'tap'
import { activeToken, admin, as, call, deletePrefix, randomPrefix, startCore, type StartedGateway, startGateway, testRedis } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'

const STRICT = { SEAT_MAP_STALE_MS: '0', SEAT_MAP_MAX_AGE_MS: '3600000', ADMIT_INTERVAL_MS: '100', ADMIT_BATCH: '100' }

const core = await startCore(coreEntry)
t.teardown(() => core.close())
const prefix = randomPrefix()
const redis = testRedis()
const start = () => startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env: STRICT })
const [a, b] = [await start(), await start()] as [StartedGateway, StartedGateway]
t.teardown(async () => {
  await Promise.all([a.close(), b.close()])
  await deletePrefix(redis, prefix)
  redis.disconnect()
})

const plan = {
  title: 'Arena',
  venue: 'KSPO Dome',
  grades: [
    { code: 'VIP', name: 'VIP "floor"', price: 198000 },
    { code: 'R', name: 'R석', price: 165000 },
  ],
  sections: [
    { code: 'F1', name: 'Floor', grade: 'VIP', standing: 6000 },
    { code: 'A', name: 'Block A', grade: 'R', rows: Array.from({ length: 10 }, (_, i) => ({ row: `${i + 1}`, seats: 50 })) },
  ],
  schedules: [{ startsAt: '2030-05-01T19:00:00Z' }],
}

t.test('sections summary and a section’s map: what is left, fresh on every gateway, ETag/304 and compression', async (t) => {
  const created = await call(a.url, 'POST', '/api/admin/concerts', { headers: admin, body: plan })
  t.equal(created.status, 201)
  const concertId = created.body.id as number
  const scheduleId = created.body.schedules[0].id as number
  const token = await activeToken(a.url, concertId, 'fan')
  const base = `/api/concerts/${concertId}/schedules/${scheduleId}`
  const get = (gw: StartedGateway, path: string, headers: Record<string, string> = {}) =>
    fetch(gw.url + base + path, { headers: { ...as('fan', token), ...headers } })

  const summary = await get(b, '/sections', { 'accept-encoding': 'identity' })
  t.equal(summary.status, 200)
  const etag = summary.headers.get('etag')!
  t.match(etag, /^W\/".+"$/)
  const body = (await summary.json()) as { grades: unknown[]; sections: { code: string; available: number }[] }
  t.same(body.grades, [
    { code: 'VIP', name: 'VIP "floor"', price: 198000, total: 6000, available: 6000 },
    { code: 'R', name: 'R석', price: 165000, total: 500, available: 500 },
  ])
  t.same(body.sections, [
    { code: 'F1', name: 'Floor', grade: 'VIP', price: 198000, kind: 'STANDING', total: 6000, available: 6000, rows: null },
    { code: 'A', name: 'Block A', grade: 'R', price: 165000, kind: 'SEATED', total: 500, available: 500, rows: 10 },
  ])
  t.equal((await get(b, '/sections', { 'if-none-match': etag })).status, 304)

  const section = await get(b, '/seats?section=A', { 'accept-encoding': 'identity' })
  t.equal(section.status, 200)
  const plain = Buffer.from(await section.arrayBuffer())
  t.ok(plain.length <= 80 * 1024, `a 500-place section's map is ${plain.length} bytes`)
  const places = JSON.parse(plain.toString()) as Record<string, unknown>[]
  t.equal(places.length, 500)
  t.same(places[0], { seatNumber: 6001, status: 'AVAILABLE', price: 165000, section: 'A', row: '1', seat: 1, grade: 'R', label: 'A-1-1' })
  const sectionTag = section.headers.get('etag')!
  const br = await get(b, '/seats?section=A', { 'accept-encoding': 'br' })
  t.equal(br.headers.get('content-encoding'), 'br')
  t.same(Buffer.from(await br.arrayBuffer()), plain)

  const held = await call(a.url, 'POST', `/api/concerts/${concertId}/reservations`, {
    headers: as('fan', token),
    body: { scheduleId, seatNumber: 6002 },
  })
  t.equal(held.status, 201)
  t.match(held.body, { seatNumber: 6002, section: 'A', row: '1', seat: 2, grade: 'R', label: 'A-1-2', price: 165000 })
  const after = await get(b, '/sections', { 'if-none-match': etag })
  t.equal(after.status, 200, 'a hold through A changes the summary on B at once')
  t.equal(((await after.json()) as typeof body).sections[1]!.available, 499)
  const changed = await get(b, '/seats?section=A', { 'if-none-match': sectionTag })
  t.equal(changed.status, 200)
  t.equal(((await changed.json()) as { status: string }[])[1]!.status, 'HELD')

  const unknown = await call(b.url, 'GET', `${base}/seats?section=ZZ`, { headers: as('fan', token) })
  t.equal(unknown.status, 404)
  t.equal(unknown.body.code, 'SECTION_NOT_FOUND')
  const whole = await call(b.url, 'GET', `${base}/seats`, { headers: as('fan', token) })
  t.equal(whole.status, 400)
  t.equal(whole.body.code, 'VALIDATION_ERROR')
  t.match(whole.body.message, /section: required/)
  const standing = await call(b.url, 'GET', `${base}/seats?section=F1`, { headers: as('fan', token) })
  t.equal(standing.status, 400)
  t.match(standing.body.message, /standing.*quantity/)
  const badCode = await call(b.url, 'GET', `${base}/seats?section=a%20b`, { headers: as('fan', token) })
  t.equal(badCode.status, 400)
  t.match(badCode.body.message, /section/)
})
