/**
 * GET …/tokens/current/events: the state at once and on every change of place or status, `end`
 * with the reason, the JSON errors before the stream, presence through an open stream, and a
 * close that does not wait for open streams.
 */
import { as, call, createConcert, enter, setQueue, tokenState, waitFor } from '@rushgate/testkit'
import t from 'tap'
import { openEvents, type SseEvent } from './event-stream-client.ts'
import { startStack } from './helpers.ts'

const INTERVAL_MS = 200
const eventsPath = (concertId: number, token: string) => `/api/queues/${concertId}/tokens/current/events?token=${encodeURIComponent(token)}`
const isState = (match: (s: Record<string, unknown>) => boolean) => (e: SseEvent) =>
  e.event === 'state' && match(e.data as Record<string, unknown>)

t.test('state at once, again on each change of place and status, end with the reason', async (t) => {
  // Ticks a second apart: each change must be told before the next tick, even on a busy machine
  // (a stream is told the state it is in when it hears, so two ticks heard together are one change).
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '1000' })
  const concert = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true, admitPerTick: 1 })
  const tokens: string[] = []
  for (const u of ['a', 'b', 'c']) tokens.push((await enter(gw.url, concert.id, `ev-${u}`)).body.token)

  const c = await openEvents(gw.url, eventsPath(concert.id, tokens[2]!))
  t.equal(c.status, 200)
  t.match(c.contentType, /^text\/event-stream/)
  const first = await c.next((e) => e.event === 'state')
  t.match(first.data, { token: tokens[2], concertId: concert.id, status: 'WAITING', position: 3 }, 'the state at once')

  // Someone ahead leaves: the new place within a tick.
  t.equal((await call(gw.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as('ev-a', tokens[0]) })).status, 204)
  await c.next(isState((s) => s.position === 2), 3000)
  // Admission: b goes in, c is next; then c goes in.
  await setQueue(gw.url, concert.id, { paused: false })
  await c.next(isState((s) => s.position === 1), 5000)
  const active = await c.next(isState((s) => s.status === 'ACTIVE'), 5000)
  t.equal((active.data as { position: unknown }).position, null)
  const states = c.events.filter((e) => e.event === 'state').map((e) => (e.data as { status: string; position: number | null }))
  t.same(
    states.map((s) => `${s.status}:${s.position}`),
    ['WAITING:3', 'WAITING:2', 'WAITING:1', 'ACTIVE:null'],
    'one state per change, none repeated',
  )

  // Giving up the active slot ends the stream with the 410 body.
  t.equal((await call(gw.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as('ev-c', tokens[2]) })).status, 204)
  const end = await c.next((e) => e.event === 'end', 3000)
  t.match(end.data, { statusCode: 410, code: 'QUEUE_TOKEN_EXPIRED', reason: 'LEFT' })
  await c.ended
  t.pass('the server closed the stream')
})

t.test('end when a waiting place is left, and when the active time runs out', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const concert = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true, activeTtlSeconds: 1 })
  const left = (await enter(gw.url, concert.id, 'ev-left')).body.token
  const runsOut = (await enter(gw.url, concert.id, 'ev-out')).body.token
  const a = await openEvents(gw.url, eventsPath(concert.id, left), { 'x-user-id': 'ev-left' })
  const b = await openEvents(gw.url, `/api/queues/${concert.id}/tokens/current/events`, { 'x-queue-token': runsOut })
  await a.next((e) => e.event === 'state')
  await b.next((e) => e.event === 'state')
  await call(gw.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as('ev-left', left) })
  t.match((await a.next((e) => e.event === 'end', 3000)).data, { reason: 'LEFT' }, 'a waiting place left')
  await setQueue(gw.url, concert.id, { paused: false })
  await b.next(isState((s) => s.status === 'ACTIVE'), 3000)
  t.match((await b.next((e) => e.event === 'end', 5000)).data, { code: 'QUEUE_TOKEN_EXPIRED', reason: 'EXPIRED' }, 'the active time ran out')
  await Promise.all([a.ended, b.ended])
})

t.test('before the stream, the errors of GET …/tokens/current, as JSON', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const concert = await createConcert(gw.url)
  const other = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true })
  const token = (await enter(gw.url, concert.id, 'ev-err')).body.token
  const base = `/api/queues/${concert.id}/tokens/current/events`

  const missing = await openEvents(gw.url, base)
  t.equal(missing.status, 401)
  t.match(missing.body, { statusCode: 401, code: 'QUEUE_TOKEN_MISSING', message: /token/ })
  const invalid = await openEvents(gw.url, `${base}?token=nope.nope`)
  t.match(invalid.body, { statusCode: 401, code: 'QUEUE_TOKEN_INVALID' })
  const mismatch = await openEvents(gw.url, eventsPath(concert.id, token), { 'x-user-id': 'someone-else' })
  t.equal(mismatch.status, 403)
  t.match(mismatch.body, { code: 'QUEUE_TOKEN_USER_MISMATCH' }, 'an identity sent as well must be the token’s user')
  const badIdentity = await openEvents(gw.url, eventsPath(concert.id, token), { 'x-user-id': 'not valid!' })
  t.match(badIdentity.body, { statusCode: 401, code: 'UNAUTHENTICATED' })
  const wrongConcert = await openEvents(gw.url, eventsPath(other.id, token))
  t.match(wrongConcert.body, { statusCode: 403, code: 'QUEUE_TOKEN_WRONG_CONCERT' })
  const badId = await openEvents(gw.url, `/api/queues/abc/tokens/current/events?token=x`)
  t.match(badId.body, { statusCode: 400, code: 'VALIDATION_ERROR' })

  await call(gw.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as('ev-err', token) })
  const ended = await openEvents(gw.url, eventsPath(concert.id, token))
  t.equal(ended.status, 410)
  t.match(ended.body, { statusCode: 410, code: 'QUEUE_TOKEN_EXPIRED', reason: 'LEFT' })
})

t.test('an open stream keeps the place from being abandoned', async (t) => {
  // From the environment: a change of a line's ghostAfterSeconds judges nobody for a while.
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS), GHOST_AFTER_SECONDS: '2' })
  const concert = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true })
  const listening = (await enter(gw.url, concert.id, 'ev-listens')).body.token
  const silent = (await enter(gw.url, concert.id, 'ev-silent')).body.token
  const s = await openEvents(gw.url, eventsPath(concert.id, listening))
  await s.next((e) => e.event === 'state')
  // Well past ghostAfterSeconds with no poll from either.
  await new Promise((r) => setTimeout(r, 5000))
  await setQueue(gw.url, concert.id, { paused: false })
  await s.next(isState((st) => st.status === 'ACTIVE'), 3000)
  const gone = await tokenState(gw.url, concert.id, 'ev-silent', silent)
  t.equal(gone.status, 410)
  t.equal(gone.body.reason, 'ABANDONED', 'the silent place was abandoned, the listening one admitted')
  s.close()
})

t.test('app.close() ends 1,000 open streams at once', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: String(INTERVAL_MS) })
  const concert = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true })
  const streams = []
  for (let i = 0; i < 1000; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: 100 }, async (_, j) => {
        const token = (await enter(gw.url, concert.id, `ev-many-${i + j}`)).body.token as string
        return openEvents(gw.url, eventsPath(concert.id, token))
      }),
    )
    streams.push(...batch)
  }
  await waitFor('1,000 streams open', async () => gw.app.gateway.streams.size === 1000)
  t.equal(gw.app.gateway.streams.size, 1000)
  await gw.app.close()
  await Promise.all(streams.map((s) => s.ended))
  t.equal(gw.app.gateway.streams.size, 0, 'every stream closed by the server')
})
