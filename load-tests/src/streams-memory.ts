/**
 * `tsx src/streams-memory.ts [streams]`: memory per open event stream on one gateway process, and
 * how long after a tick every stream has heard its new place. Starts a core and a gateway process,
 * fills a paused line, reads the gateway's RSS (from /proc), opens the streams (from this process,
 * over several loopback addresses so the ports suffice), reads it again, then unpauses the line
 * and times until every stream had its next `state`.
 */
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import { call, createConcert, deletePrefix, enter, randomPrefix, setQueue, spawnGateway, startCore, testRedis } from '@rushgate/testkit'
import { inParallel } from './setup.ts'

const STREAMS = Number(process.argv[2] ?? 10_000)
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
const open = (i: number) =>
  new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress: `127.0.0.${2 + (i % 50)}`,
        path: `/api/queues/${concert.id}/tokens/current/events?token=${encodeURIComponent(tokens[i] as string)}`,
        agent: false,
      },
      (res) => {
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const n = chunk.split('event: state').length - 1
          if (n > 0) {
            heard[i] = (heard[i] ?? 0) + n
            states += n
          }
          resolve()
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
await inParallel(
  users.map((_, i) => i),
  200,
  (i) => open(i),
)
await new Promise((r) => setTimeout(r, 5000))
const after = rssKb(pid)
console.log(`${STREAMS} streams: gateway RSS ${before} kB before, ${after} kB after: ${((after - before) / STREAMS).toFixed(2)} kB a stream`)

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
console.log(
  allAt
    ? `every stream heard its new place ${allAt - unpausedAt} ms after the unpause (ticks every 1000 ms)`
    : `after 20 s, ${heard.filter((h) => h >= 2).length} of ${STREAMS} streams heard a new place (${states - firstStates} states)`,
)
await call(gw.url, 'GET', '/health/live')
await gw.close()
await core.close()
const redis = testRedis()
await deletePrefix(redis, prefix)
redis.disconnect()
process.exit(0)
