/**
 * Adaptive admission against a core slowed by the test kit's throttling proxy (real core, Postgres
 * and Redis): effectiveAdmitPerTick halves at once while the core's p95 is above targetLatencyMs
 * (or a request fails), climbs back by a tenth of admitPerTick a tick once it keeps up, and holds
 * still at a steady latency. The p95 is the deployment's: two gateways, one of them behind the slow
 * proxy, and every tick sees the slow one's requests whichever replica runs it. PATCH validates the
 * new settings.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import { activeToken, admin, as, call, CoreThrottle, createConcert, type StartedGateway, startCore, startGateway, waitFor } from '@rushgate/testkit'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'
import { patchQueue, sharedDeployment } from './helpers.ts'

/** Five ticks (a window) are longer than the slow core's delay: every window holds answers. */
const INTERVAL_MS = 500
/**
 * Far from what a fast core answers in, even on a busy 2-core machine, and far from the slow core's
 * delay: the controller's decisions, not the machine's noise, are what the test sees.
 */
const TARGET_MS = 1000
const SLOW_MS = 2000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Sample {
  at: string
  effectiveAdmitPerTick: number
  coreP95Ms: number | null
}

/** The ticks where the value moved otherwise than the rule says: halved (never below 1), or up by `step` to `max`. */
function offRule(values: number[], step: number, max: number): string[] {
  const off: string[] = []
  for (let i = 1; i < values.length; i++) {
    const [a, b] = [values[i - 1]!, values[i]!]
    if (b !== a && b !== Math.max(1, Math.floor(a / 2)) && b !== Math.min(max, a + step)) off.push(`${a} → ${b}`)
  }
  return off
}

/** Active users asking for the dates in a loop: requests the gateways forward to the core. */
function traffic(gateways: string[], concertId: number, users: { id: string; token: string }[]): () => Promise<void> {
  let running = true
  const loops = users.map(async (u, i) => {
    for (let n = i; running; n++) {
      await call(gateways[n % gateways.length]!, 'GET', `/api/concerts/${concertId}/schedules`, { headers: as(u.id, u.token) }).catch(() => {})
      await sleep(20)
    }
  })
  return async () => {
    running = false
    await Promise.all(loops)
  }
}

t.test('effectiveAdmitPerTick falls at once with a slow core, recovers step by step, and holds at a steady latency', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const proxy = new CoreThrottle(core.url)
  t.teardown(() => proxy.close())
  const gw = await startGateway(gatewayEntry, { coreUrl: await proxy.start(), internalToken: core.internalToken, env: { ADMIT_INTERVAL_MS: String(INTERVAL_MS) } })
  t.teardown(() => gw.close())
  const c = await createConcert(gw.url, 500)
  // Enough of them that every tick's window holds requests, slow ones included.
  const users = await Promise.all(Array.from({ length: 8 }, async (_, i) => ({ id: `ad-${i}`, token: await activeToken(gw.url, c.id, `ad-${i}`) })))
  t.match((await patchQueue(gw.url, c.id, { adaptive: true, targetLatencyMs: TARGET_MS, admitPerTick: 20 })).body, {
    adaptive: true,
    targetLatencyMs: TARGET_MS,
  })
  const stop = traffic([gw.url], c.id, users)
  t.teardown(stop)
  const history = async (): Promise<Sample[]> => (await call(gw.url, 'GET', `/api/admin/queues/${c.id}/history?minutes=5`, { headers: admin })).body
  const effective = async () => (await call(gw.url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body.effectiveAdmitPerTick
  /** The samples after `since` (an ISO time). */
  const after = async (since: string) => (await history()).filter((s) => s.at > since)
  const now = () => new Date().toISOString()

  // A core that keeps up: admitPerTick, tick after tick.
  await sleep(INTERVAL_MS * 8)
  let mark = now()
  await sleep(INTERVAL_MS * 10)
  let steady = await after(mark)
  t.ok(steady.length >= 5, `ticks sampled (${steady.length})`)
  t.same([...new Set(steady.map((s) => s.effectiveAdmitPerTick))], [20], 'steady under the target: admitPerTick every tick')
  t.ok(steady.every((s) => s.coreP95Ms !== null && s.coreP95Ms < TARGET_MS), 'the p95 is measured, under the target')

  // The core slows down: halved at every tick while the p95 is above the target, never below 1.
  mark = now()
  proxy.set({ delayMs: SLOW_MS })
  await waitFor('down to 1', async () => (await effective()) === 1, 30_000)
  const falling = (await after(mark)).map((s) => s.effectiveAdmitPerTick)
  const firstDrop = falling.findIndex((v) => v < 20)
  t.same(falling.slice(firstDrop, firstDrop + 4), [10, 5, 2, 1], `halved at each tick (${falling.join(' ')})`)
  t.same(offRule(falling, 2, 20), [], 'only the rule moved it')
  t.ok((await history()).at(-1)!.coreP95Ms! >= SLOW_MS, 'the samples carry the p95 the ticks saw')

  // Steady above the target: stays at 1.
  await sleep(INTERVAL_MS * 3)
  mark = now()
  await sleep(INTERVAL_MS * 10)
  steady = await after(mark)
  t.same([...new Set(steady.map((s) => s.effectiveAdmitPerTick))], [1], `steady above the target: no oscillation (${steady.length} ticks)`)

  // The core keeps up again: once the slow windows are gone, +2 (a tenth of admitPerTick) a tick.
  // (A window the busy machine makes slow again halves it on the way: the rule, not noise, is checked.)
  mark = now()
  proxy.set({ delayMs: 0 })
  await waitFor('back to 20', async () => (await effective()) === 20, 60_000)
  const rising = (await after(mark)).map((s) => s.effectiveAdmitPerTick)
  t.same(offRule(rising, 2, 20), [], `up by 2 a tick, or halved (${rising.join(' ')})`)
  const firstRise = rising.findIndex((v) => v > 1)
  t.same(rising.slice(firstRise, firstRise + 2), [3, 5], 'the climb starts one step a tick')

  // An error in the window counts as too slow.
  mark = now()
  proxy.set({ failing: true })
  await waitFor('halved on errors', async () => (await effective()) <= 10, 10_000)
  proxy.set({ failing: false })
  t.ok((await after(mark)).some((s) => s.effectiveAdmitPerTick === 10), 'a window with an error halves it')
  await stop()
})

t.test('the p95 is every gateway’s: a slow replica’s requests count whichever replica runs the tick', async (t) => {
  const { core, prefix } = await sharedDeployment(t)
  const proxy = new CoreThrottle(core.url, { delayMs: 300 })
  t.teardown(() => proxy.close())
  const env = { ADMIT_INTERVAL_MS: String(INTERVAL_MS) }
  const gateways: StartedGateway[] = []
  t.teardown(() => Promise.all(gateways.map((g) => g.close())))
  gateways.push(await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env }))
  gateways.push(await startGateway(gatewayEntry, { coreUrl: await proxy.start(), internalToken: core.internalToken, prefix, env }))
  const [fast, slow] = gateways.map((g) => g.url) as [string, string]
  const c = await createConcert(fast, 100)
  const users = await Promise.all(['ag-1', 'ag-2', 'ag-3', 'ag-4'].map(async (id) => ({ id, token: await activeToken(fast, c.id, id) })))
  await patchQueue(fast, c.id, { adaptive: true, targetLatencyMs: 200, admitPerTick: 8 })
  // Both replicas forward; half the requests go through the slow one.
  const stop = traffic([fast, slow], c.id, users)
  t.teardown(stop)
  await sleep(INTERVAL_MS * 8)
  const since = new Date().toISOString()
  await sleep(INTERVAL_MS * 10)
  const samples: Sample[] = (await call(fast, 'GET', `/api/admin/queues/${c.id}/history?minutes=5`, { headers: admin })).body
  const recent = samples.filter((s) => s.at > since)
  t.ok(recent.length >= 5, `ticks sampled (${recent.length})`)
  t.ok(
    recent.every((s) => s.coreP95Ms !== null && s.coreP95Ms >= 300),
    `every tick saw the slow replica's requests (${recent.map((s) => s.coreP95Ms).join(' ')})`,
  )
  t.ok(recent.every((s) => s.effectiveAdmitPerTick === 1), 'so every tick kept admission down')
  for (const url of [fast, slow]) {
    const view = (await call(url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body
    t.ok(view.coreP95Ms >= 300, `the admin view on either replica says so (${view.coreP95Ms})`)
  }
  await stop()
})

t.test('PATCH validates adaptive and targetLatencyMs, and a refused one changes nothing', async (t) => {
  const { core, prefix } = await sharedDeployment(t)
  const gw = await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env: { ADMIT_INTERVAL_MS: '3600000' } })
  t.teardown(() => gw.close())
  const c = await createConcert(gw.url)
  const before = (await call(gw.url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body
  t.match(before, { adaptive: false, targetLatencyMs: 800 }, 'the defaults')
  for (const [body, field] of [
    [{ adaptive: 'yes' }, 'adaptive'],
    [{ adaptive: 1 }, 'adaptive'],
    [{ adaptive: null }, 'adaptive'],
    [{ targetLatencyMs: 49 }, 'targetLatencyMs'],
    [{ targetLatencyMs: 10_001 }, 'targetLatencyMs'],
    [{ targetLatencyMs: 800.5 }, 'targetLatencyMs'],
    [{ targetLatencyMs: '800' }, 'targetLatencyMs'],
    [{ targetLatencyMs: null }, 'targetLatencyMs'],
    [{ adaptive: true, targetLatencyMs: 0 }, 'targetLatencyMs'],
  ] as const) {
    const res = await patchQueue(gw.url, c.id, body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(res.body, { code: 'VALIDATION_ERROR', message: new RegExp(field) })
  }
  t.same((await call(gw.url, 'GET', `/api/admin/queues/${c.id}`, { headers: admin })).body, before, 'nothing changed')
  t.match((await patchQueue(gw.url, c.id, { adaptive: true, targetLatencyMs: 50 })).body, { adaptive: true, targetLatencyMs: 50 })
  t.match((await patchQueue(gw.url, c.id, { targetLatencyMs: 10_000 })).body, { adaptive: true, targetLatencyMs: 10_000 })
  t.match((await patchQueue(gw.url, c.id, { adaptive: false })).body, { adaptive: false, targetLatencyMs: 10_000 })

  // The OpenAPI document says the same.
  const doc = (await call(gw.url, 'GET', '/docs/json')).body
  const json = (op: { requestBody?: unknown; responses: Record<string, unknown> }, status?: string) =>
    ((status ? op.responses[status] : op.requestBody) as { content: Record<string, { schema: { properties: Record<string, unknown> } }> })
      .content['application/json']!.schema.properties
  const queue = doc.paths['/api/admin/queues/{concertId}']
  t.match(json(queue.patch), { adaptive: { type: 'boolean' }, targetLatencyMs: { type: 'integer', minimum: 50, maximum: 10_000 } }, 'the PATCH body')
  t.ok(['seatsAvailable', 'seatsHeld', 'heldBack', 'adaptive', 'targetLatencyMs', 'effectiveAdmitPerTick', 'coreP95Ms'].every((f) => f in json(queue.get, '200')), 'the admin view')
  t.ok(['seatsAvailable', 'seatsHeld', 'heldBack'].every((f) => f in json(doc.paths['/api/queues/{concertId}'].get, '200')), 'the public view')
  t.ok('seatsLeft' in json(doc.paths['/api/queues/{concertId}/tokens/current'].get, '200'), 'the token state')
  t.match(JSON.stringify(json(doc.paths['/api/queues/{concertId}'].get, '200').state), /SOLD_OUT/, 'the SOLD_OUT state')
  const sample = doc.paths['/api/admin/queues/{concertId}/history'].get.responses['200'].content['application/json'].schema.items.properties
  t.ok(['effectiveAdmitPerTick', 'coreP95Ms'].every((f) => f in sample), 'the history samples')
})
