/**
 * `tsx src/streams-memory.ts [streams] [--http2 [streams-per-connection]]`: memory per open event
 * stream on one gateway process, and how long after a tick every stream has heard its new place.
 * Starts a core and a gateway process, fills a paused line, reads the gateway's RSS (from /proc),
 * opens the streams (from this process), reads it again, then unpauses the line and times until
 * every stream had its next `state`.
 *
 * Over HTTP/1.1 each stream is a socket of its own (spread over several loopback addresses so the
 * ports suffice), so the gateway's file-descriptor limit caps the count. With --http2 the streams
 * share cleartext HTTP/2 connections (1,000 each by default), as a load balancer in front of the
 * gateways would carry them.
 */
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { type ClientHttp2Session, connect } from 'node:http2'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import { call, createConcert, deletePrefix, enter, randomPrefix, setQueue, spawnGateway, startCore, testRedis } from '@rushgate/testkit'
import { percentile } from './report.ts'
import { inParallel } from './setup.ts'

const args = process.argv.slice(2)
const STREAMS = Number(args[0] ?? 10_000)
const http2At = args.indexOf('--http2')
const PER_CONNECTION = http2At < 0 ? 0 : Number(args[http2At + 1] ?? 1000) || 1000
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])

const core = await startCore(coreEntry)
const prefix = randomPrefix()
const gw = await spawnGateway(gatewayEntry, {
  coreUrl: core.url,
  internalToken: core.internalToken,
  prefix,
  env: { LOG_LEVEL: 'warn', ADMIT_INTERVAL_MS: '1000', JOIN_LIMIT_PER_MINUTE: '100000000' },
})
const pid = gw.child.proc.pid as number
const concert = await createConcert(gw.url)
await setQueue(gw.url, concert.id, { paused: true, admitPerTick: 1 })
const users = Array.from({ length: STREAMS }, (_, i) => `sm-${i}`)
const tokens = await inParallel(users, 50, async (u) => (await enter(gw.url, concert.id, u)).body.token as string)
await new Promise((r) => setTimeout(r, 3000))
const before = rssKb(pid)

const port = new URL(gw.url).port
const heard: number[] = new Array(STREAMS).fill(0)
let states = 0
/** When each stream heard its second state (its first after the unpause). */
const heardAt: number[] = new Array(STREAMS).fill(0)
/** Each stream's text after its last complete event: an event may arrive split over two chunks. */
const rest: string[] = new Array(STREAMS).fill('')
const onData = (i: number) => (chunk: string) => {
  const events = (rest[i] + chunk).split('\n\n')
  rest[i] = events.pop() ?? ''
  const n = events.filter((e) => e.startsWith('event: state')).length
  if (n > 0) {
    heard[i] = (heard[i] ?? 0) + n
    states += n
    if (heard[i]! >= 2 && !heardAt[i]) heardAt[i] = Date.now()
  }
}
const eventsPath = (i: number) => `/api/queues/${concert.id}/tokens/current/events?token=${encodeURIComponent(tokens[i] as string)}`
const openHttp1 = (i: number) =>
  new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % 50)}`, path: eventsPath(i), agent: false }, (res) => {
      res.setEncoding('utf8')
      res.on('data', onData(i))
      res.once('data', () => resolve())
    })
    req.on('error', reject)
    req.end()
  })
const sessions: ClientHttp2Session[] = []
const openHttp2 = (i: number) =>
  new Promise<void>((resolve, reject) => {
    const c = Math.floor(i / PER_CONNECTION)
    if (!sessions[c]) {
      const session = connect(gw.url)
      // A load balancer opens the connection's flow-control window wide (HAProxy does), so one
      // stream's bytes never wait on another's.
      session.on('connect', () => session.setLocalWindowSize(2 ** 30))
      sessions[c] = session
    }
    const session = sessions[c]
    const req = session.request({ ':path': eventsPath(i) })
    req.setEncoding('utf8')
    req.on('data', onData(i))
    req.once('data', () => resolve())
    req.on('error', reject)
  })
const open = PER_CONNECTION > 0 ? openHttp2 : openHttp1
await inParallel(
  users.map((_, i) => i),
  200,
  (i) => open(i),
)
await new Promise((r) => setTimeout(r, 5000))
const after = rssKb(pid)
const over = PER_CONNECTION > 0 ? `over ${sessions.length} HTTP/2 connections` : 'over HTTP/1.1, a socket each'
console.log(`${STREAMS} streams ${over}: gateway RSS ${before} kB before, ${after} kB after: ${((after - before) / STREAMS).toFixed(2)} kB a stream`)

const firstStates = states
const unpausedAt = Date.now()
await setQueue(gw.url, concert.id, { paused: false })
let allAt = 0
while (Date.now() - unpausedAt < 20_000) {
  if (heard.every((h) => h >= 2)) {
    allAt = Date.now()
    break
  }
  await new Promise((r) => setTimeout(r, 20))
}
const toldAfterMs = heardAt.filter((at) => at > 0).map((at) => at - unpausedAt)
console.log(
  `after the unpause: first stream told at ${percentile(toldAfterMs, 0)} ms, median ${percentile(toldAfterMs, 50)} ms, p99 ${percentile(toldAfterMs, 99)} ms`,
)
console.log(
  allAt
    ? `every stream heard its new place ${allAt - unpausedAt} ms after the unpause (ticks every 1000 ms)`
    : `after 20 s, ${heard.filter((h) => h >= 2).length} of ${STREAMS} streams heard a new place (${states - firstStates} states)`,
)
await call(gw.url, 'GET', '/health/live')
for (const session of sessions) session.destroy()
await gw.close()
await core.close()
const redis = testRedis()
await deletePrefix(redis, prefix)
redis.disconnect()
process.exit(0)
