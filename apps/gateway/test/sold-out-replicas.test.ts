/**
 * Sold out, told on every replica within a tick: two gateways on one Redis, fans waiting on each
 * (polling, answered from the replica's memory, and listening to event streams). When the last
 * places are paid, every one of them learns 410 SOLD_OUT (a stream: `end` with SOLD_OUT) within a
 * tick of the read that found the concert sold out, whichever replica they ask.
 */
import { activeToken, as, call, charge, createConcert, enter, enterToken, hold, pay, type StartedGateway, startGateway, tokenState, waitFor } from '@rushgate/testkit'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'
import { openEvents } from './event-stream-client.ts'
import { patchQueue, sharedDeployment } from './helpers.ts'

const INTERVAL_MS = 500
/** What a busy 2-core machine may add on top of the contract's tick. */
const SLACK_MS = 500
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('sold out is told on two replicas within a tick, to polls and to streams', async (t) => {
  const { core, prefix } = await sharedDeployment(t)
  const env = { ADMIT_INTERVAL_MS: String(INTERVAL_MS) }
  const gateways: StartedGateway[] = []
  t.teardown(() => Promise.all(gateways.map((g) => g.close())))
  for (let i = 0; i < 2; i++) gateways.push(await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env }))
  const [gw0, gw1] = gateways.map((g) => g.url) as [string, string]
  const c = await createConcert(gw0, { schedules: [{ seats: 2, price: 100 }] })
  await patchQueue(gw0, c.id, { admitPerTick: 1 })
  const buyers = await Promise.all(['sr-b1', 'sr-b2'].map(async (id) => ({ id, token: await activeToken(gw0, c.id, id) })))

  // Two buyers who hold nothing yet speak for both places: the fans wait, on both replicas.
  const fans = ['sr-p0', 'sr-s0', 'sr-p1', 'sr-s1'].map((id, i) => ({ id, via: i < 2 ? gw0 : gw1, stream: id.includes('-s') }))
  const tokens = new Map<string, string>()
  for (const f of fans) tokens.set(f.id, await enterToken(f.via, c.id, f.id))
  for (const f of fans) t.match(await tokenState(f.via, c.id, f.id, tokens.get(f.id)!), { status: 200, body: { status: 'WAITING' } })
  await waitFor('both replicas answer the fans from memory', async () =>
    gateways.every((g) => g.app.gateway.line.mirror.version(c.id) !== null),
  )
  const streams = await Promise.all(
    fans.filter((f) => f.stream).map((f) => openEvents(f.via, `/api/queues/${c.id}/tokens/current/events?token=${encodeURIComponent(tokens.get(f.id)!)}`)),
  )
  t.teardown(() => {
    for (const s of streams) s.close()
  })
  for (const s of streams) t.equal(s.status, 200)

  const learnt = new Map<string, number>()
  let polling = true
  const pollers = fans
    .filter((f) => !f.stream)
    .map(async (f) => {
      while (polling) {
        const s = await tokenState(f.via, c.id, f.id, tokens.get(f.id)!)
        if (s.status === 410) {
          t.equal(s.body.reason, 'SOLD_OUT', `${f.id}: 410 SOLD_OUT`)
          learnt.set(f.id, Date.now())
          return
        }
        t.equal(s.body.status, 'WAITING', `${f.id} waits until then`)
        await sleep(50)
      }
    })
  const listeners = fans
    .filter((f) => f.stream)
    .map(async (f, i) => {
      const end = await streams[i]!.next((e) => e.event === 'end', 20_000)
      learnt.set(f.id, Date.now())
      t.match(end.data, { statusCode: 410, code: 'QUEUE_TOKEN_EXPIRED', reason: 'SOLD_OUT' }, `${f.id}: end with SOLD_OUT`)
      await streams[i]!.ended
    })

  // The last two places sold, on both replicas.
  for (const [i, b] of buyers.entries()) {
    await charge(gw0, b.id, 1000)
    const via = i === 0 ? gw0 : gw1
    const held = await hold(via, c.id, b.id, b.token, c.scheduleIds[0]!, i + 1)
    t.equal((await pay(via, c.id, b.id, b.token, [held.body.id])).status, 201, `${b.id} paid`)
  }
  const soldAt = Date.now()
  await Promise.race([Promise.all([...pollers, ...listeners]), sleep(20_000)])
  polling = false
  t.equal(learnt.size, fans.length, 'every fan learnt it')
  const times = [...learnt.values()]
  t.ok(Math.max(...times) - Math.min(...times) <= INTERVAL_MS + SLACK_MS, `within a tick of each other on both replicas (${times.map((x) => x - soldAt).join(', ')} ms after the sale)`)
  t.ok(Math.max(...times) - soldAt <= 2 * INTERVAL_MS + SLACK_MS, 'within two ticks of the last sale')

  for (const via of [gw0, gw1]) {
    t.match(await enter(via, c.id, 'sr-late'), { status: 409, body: { code: 'SOLD_OUT' } }, 'a join is refused on either replica')
    for (const f of fans) t.match(await tokenState(via, c.id, f.id, tokens.get(f.id)!), { status: 410, body: { reason: 'SOLD_OUT' } })
    t.match(await call(via, 'GET', `/api/queues/${c.id}`), { body: { state: 'SOLD_OUT', waiting: 0 } })
  }
  for (const b of buyers) t.match(await tokenState(gw1, c.id, b.id, b.token), { status: 410, body: { reason: 'PAID' } })
  t.equal((await call(gw1, 'DELETE', `/api/queues/${c.id}/tokens/current`, { headers: as('sr-p0', tokens.get('sr-p0')) })).body.reason, 'SOLD_OUT')
})
