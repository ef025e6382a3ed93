/**
 * JOIN_LIMIT_PER_MINUTE: new places per client address and minute, counted in Redis so that three
 * replicas on one prefix share it, whatever user id each join claims; a re-entry is not counted.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import { awayFromWindowEdge, call, createConcert, randomPrefix, setQueue, startCore, startGateway } from '@rushgate/testkit'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'

const LIMIT = 5

t.test('new places per client address, across three replicas', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const prefix = randomPrefix()
  const env = { JOIN_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: 'true' }
  const gateways = await Promise.all(
    [0, 1, 2].map(() => startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env })),
  )
  t.teardown(() => Promise.all(gateways.map((g) => g.close())))
  const concert = await createConcert(gateways[0]!.url)
  await setQueue(gateways[0]!.url, concert.id, { paused: true })
  const join = (i: number, user: string, address = '203.0.113.7') =>
    call(gateways[i % 3]!.url, 'POST', `/api/queues/${concert.id}/tokens`, { user, headers: { 'x-forwarded-for': address } })

  await awayFromWindowEdge()
  for (let i = 0; i < LIMIT; i++) t.equal((await join(i, `bot-${i}`)).status, 201, `new place ${i + 1} of ${LIMIT}`)
  // Re-entries of places already held, on every replica: not new places, never refused.
  for (let i = 0; i < 6; i++) t.equal((await join(i, `bot-${i % LIMIT}`)).status, 200, 're-entry')
  const over = await join(LIMIT, 'bot-rotated')
  t.match(over, { status: 429, body: { code: 'RATE_LIMITED', message: /new places a minute/ } })
  const retryAfter = Number(over.headers.get('retry-after'))
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} s, to the end of the minute`)
  t.equal((await join(LIMIT + 1, 'bot-another')).status, 429, 'on another replica too')
  t.equal((await join(0, 'bot-0')).status, 200, 'a place already held still comes back')
  t.equal((await join(1, 'human', '198.51.100.9')).status, 201, 'another address is not limited')
})
