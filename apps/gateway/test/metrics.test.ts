/**
 * /metrics of several replicas adds up: the line gauges are the deployment's figures and only one
 * replica (the holder of a Redis lease) exports them, so summing every replica's /metrics per
 * concert gives the line, not the line times the replicas; the counters count what each replica
 * did, so their sum is the deployment's figure. (Redis being down: see redis-outage.test.ts.)
 */
import t from 'tap'
import { admin, call, createConcert, enter, type StartedGateway, setQueue, startGateway, waitFor } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'
import { startStack } from './helpers.ts'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The samples of a Prometheus text exposition (labels without escaped quotes, which ours never have). */
function samples(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) continue
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!]))
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return out
}

/** Scrapes every replica and sums `name` per concert, as `sum by (concert)` over the replicas would. */
async function sumByConcert(gateways: StartedGateway[], name: string): Promise<{ sums: Map<string, number>; exporters: number }> {
  const sums = new Map<string, number>()
  let exporters = 0
  for (const gw of gateways) {
    const res = await call(gw.url, 'GET', '/metrics')
    const mine = samples(res.body as string).filter((s) => s.name === name)
    if (mine.length > 0) exporters++
    for (const s of mine) sums.set(s.labels.concert!, (sums.get(s.labels.concert!) ?? 0) + s.value)
  }
  return { sums, exporters }
}

t.test('two replicas: the line gauges summed per concert equal the line, and the counters add up', async (t) => {
  const { core, gw: a } = await startStack(t, { ADMIT_INTERVAL_MS: '100' })
  const b = await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix: a.prefix, env: { ADMIT_INTERVAL_MS: '100' } })
  t.teardown(() => b.close())
  const gateways = [a, b]

  const first = await createConcert(a.url)
  const second = await createConcert(b.url)
  // Two active at most: the rest stay waiting, so both gauges have something to count.
  await setQueue(a.url, first.id, { maxActive: 2 })
  await setQueue(a.url, second.id, { paused: true })
  await Promise.all(Array.from({ length: 5 }, (_, i) => enter(gateways[i % 2]!.url, first.id, `first-${i}`)))
  await Promise.all(Array.from({ length: 3 }, (_, i) => enter(gateways[i % 2]!.url, second.id, `second-${i}`)))
  const stats = async (id: number) => (await call(a.url, 'GET', `/api/admin/queues/${id}`, { headers: admin })).body
  await waitFor('two admitted', async () => (await stats(first.id)).active === 2)

  const waiting = await sumByConcert(gateways, 'rushgate_queue_waiting')
  t.equal(waiting.exporters, 1, 'one replica exports the line gauges')
  t.equal(waiting.sums.get(String(first.id)), 3, 'waiting summed over replicas = the line (5 entered, 2 active)')
  t.equal(waiting.sums.get(String(second.id)), 3, 'waiting of the paused line')
  const active = await sumByConcert(gateways, 'rushgate_queue_active')
  t.equal(active.sums.get(String(first.id)), 2, 'active summed over replicas = the active users')
  t.equal(active.sums.get(String(second.id)), 0)

  const labels = samples((await call(a.url, 'GET', '/metrics')).body).concat(samples((await call(b.url, 'GET', '/metrics')).body))
  t.ok(
    labels.filter((s) => s.name.startsWith('rushgate_queue_')).every((s) => s.labels.scope === 'deployment'),
    'the line gauges say they are the deployment figures (scope="deployment")',
  )

  // The admission tick's figures: exported by the same one replica, per concert.
  const stock = await sumByConcert(gateways, 'rushgate_line_seats_available')
  t.equal(stock.exporters, 1, 'one replica exports the stock gauges')
  t.equal(stock.sums.get(String(first.id)), 10, 'seats available')
  t.equal((await sumByConcert(gateways, 'rushgate_line_seats_held')).sums.get(String(first.id)), 0, 'seats held')
  t.equal((await sumByConcert(gateways, 'rushgate_line_effective_admit_per_tick')).sums.get(String(first.id)), 100, 'admitPerTick, adaptive off')
  const heldBack = labels
    .concat(samples((await call(a.url, 'GET', '/metrics')).body), samples((await call(b.url, 'GET', '/metrics')).body))
    .filter((s) => s.name === 'rushgate_line_held_back' && s.labels.concert === String(first.id))
  const reasons = Object.fromEntries(heldBack.map((s) => [s.labels.reason, s.value]))
  t.same(
    reasons,
    { PREQUEUE: 0, PAUSED: 0, SOLD_OUT: 0, REBUILDING: 0, NO_SEATS: 1, MAX_ACTIVE: 0, CORE_SLOW: 0, EMPTY: 0 },
    'held_back: 1 for the reason of the last tick (ten free places, two active holding none: fewer than admitPerTick), 0 for the others',
  )
  t.equal(
    samples((await call(a.url, 'GET', '/metrics')).body)
      .concat(samples((await call(b.url, 'GET', '/metrics')).body))
      .filter((s) => s.name === 'rushgate_line_core_p95_ms').length,
    0,
    'no p95 without requests to the core',
  )

  // Admissions are counted where the tick ran: their sum over replicas is what the line admitted.
  const admissions = await sumByConcert(gateways, 'rushgate_admissions_total')
  t.equal(admissions.sums.get(String(first.id)), (await stats(first.id)).admittedTotal, 'admissions summed over replicas = admittedTotal')

  t.test('when the exporting replica stops, the other exports at its next scrape', async (t) => {
    const exporter = (await sumByConcert([a], 'rushgate_queue_waiting')).exporters === 1 ? a : b
    const other = exporter === a ? b : a
    t.equal((await sumByConcert([other], 'rushgate_queue_waiting')).exporters, 0, 'the other one does not export yet')
    // Closing gives the lease up (close() of the replica with its own prefix would also delete the keys).
    await exporter.app.close()
    const after = await sumByConcert([other], 'rushgate_queue_waiting')
    t.equal(after.exporters, 1, 'the remaining replica took the lease over')
    t.equal(after.sums.get(String(first.id)), 3)
  })
})
