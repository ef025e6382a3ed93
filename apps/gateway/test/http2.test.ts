/**
 * Cleartext HTTP/2 on the gateway's port (dual-protocol.ts), as a load balancer speaks it: the
 * same answers as HTTP/1.1, many event streams on one connection, HTTP/1.1 untouched beside it
 * (also when its first bytes arrive one at a time), and a close that ends HTTP/2 connections too.
 */
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2'
import { connect as connectTcp } from 'node:net'
import { as, createConcert, enter, setQueue, tokenState, waitFor } from '@rushgate/testkit'
import t, { type Test } from 'tap'
import { openEventsHttp2 } from './event-stream-client.ts'
import { startStack } from './helpers.ts'

const eventsPath = (concertId: number, token: string) => `/api/queues/${concertId}/tokens/current/events?token=${encodeURIComponent(token)}`

function session(t: Test, url: string): ClientHttp2Session {
  const s = connectHttp2(url)
  t.teardown(() => s.destroy())
  return s
}

/** One HTTP/2 request: status, headers and the JSON body. */
function get(s: ClientHttp2Session, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }>((resolve, reject) => {
    const req = s.request({ ':path': path, ...headers })
    let text = ''
    let head: Record<string, unknown> = {}
    req.setEncoding('utf8')
    req.on('response', (h) => {
      head = h
    })
    req.on('data', (chunk: string) => {
      text += chunk
    })
    req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: JSON.parse(text) }))
    req.on('error', reject)
  })
}

/** Raw HTTP/1.1 bytes written `step` bytes at a time; resolves with the whole answer. */
function trickle(port: number, raw: string, step: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', async () => {
      for (let i = 0; i < raw.length; i += step) {
        socket.write(raw.slice(i, i + step))
        await new Promise((r) => setTimeout(r, 5))
      }
    })
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      answer += chunk
      if (answer.includes('\r\n\r\n')) socket.end()
    })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
}

t.test('an HTTP/2 client gets the answers an HTTP/1.1 client gets, on the same port', async (t) => {
  const { gw } = await startStack(t)
  const concert = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true })
  const joined = await enter(gw.url, concert.id, 'h2-a')
  const s = session(t, gw.url)

  const live = await get(s, '/health/live')
  t.equal(live.status, 200)
  const polled = await get(s, `/api/queues/${concert.id}/tokens/current`, as('h2-a', joined.body.token))
  t.equal(polled.status, 200)
  t.same(polled.body, (await tokenState(gw.url, concert.id, 'h2-a', joined.body.token)).body, 'the same state as over HTTP/1.1')
  t.equal(polled.headers['x-content-type-options'], 'nosniff')
  t.notOk('connection' in polled.headers, 'no HTTP/1.1 connection header in an HTTP/2 answer')

  const refused = await get(s, `/api/queues/${concert.id}/tokens/current`, as('h2-b', joined.body.token))
  t.equal(refused.status, 403)
  t.equal(refused.body.code, 'QUEUE_TOKEN_USER_MISMATCH', 'errors in the contract body')
})

t.test('HTTP/1.1 whose first bytes come one at a time is still HTTP/1.1', async (t) => {
  const { gw } = await startStack(t)
  const port = Number(new URL(gw.url).port)
  const answer = await trickle(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 1)
  t.match(answer, /^HTTP\/1\.1 200 /)
  // "P" could be PRI (HTTP/2) or POST: the gateway waits for the next byte.
  const post = await trickle(port, 'POST /api/queues/1/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', 1)
  t.match(post, /^HTTP\/1\.1 401 /, 'a POST is read as HTTP/1.1 (no identity: 401)')
})

t.test('a thousand event streams on one HTTP/2 connection: each told of its place, all ended by close()', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '200' })
  const concert = await createConcert(gw.url)
  await setQueue(gw.url, concert.id, { paused: true, admitPerTick: 1 })
  const tokens: string[] = []
  for (let i = 0; i < 1000; i += 100) {
    const batch = await Promise.all(Array.from({ length: 100 }, (_, j) => enter(gw.url, concert.id, `h2-many-${i + j}`)))
    tokens.push(...batch.map((b) => b.body.token as string))
  }
  const s = session(t, gw.url)
  const streams = await Promise.all(tokens.map((token) => openEventsHttp2(s, eventsPath(concert.id, token))))
  t.ok(streams.every((st) => st.status === 200))
  await waitFor('1,000 streams open', async () => gw.app.gateway.streams.size === 1000)
  for (const [i, st] of streams.entries()) {
    const first = await st.next((e) => e.event === 'state')
    if ((first.data as { position: number }).position !== i + 1) t.fail(`stream ${i} placed at ${JSON.stringify(first.data)}`)
  }
  // One admitted: the first stream is told ACTIVE, every other its place one closer.
  await setQueue(gw.url, concert.id, { paused: false })
  await streams[0]!.next((e) => e.event === 'state' && (e.data as { status: string }).status === 'ACTIVE', 3000)
  await streams[999]!.next((e) => e.event === 'state' && (e.data as { position: number }).position <= 999, 3000)
  t.pass('pushed over HTTP/2')

  const closing = gw.app.close()
  await Promise.all(streams.map((st) => st.ended))
  await closing
  t.equal(gw.app.gateway.streams.size, 0, 'every stream ended by the server')
  await waitFor('the HTTP/2 connection ended', async () => s.closed || s.destroyed)
})
