/**
 * `tsx src/rebuild.ts [--fans N] [--gateways G]`: a paused line of N waiting fans, each polling its
 * token at its natural rate (the `pollAfterMs` it is told), on G gateway processes sharing a private
 * Redis; the Redis is flushed (FLUSHALL) mid-rush. Measured: how long until every place is back in
 * Redis, in the same order (goal: within the longest pollAfterMs, 15 s), and what the rebuild costs
 * Redis and the gateways: CPU seconds and Redis commands over the rebuild, against the same span of
 * ordinary polling just before the flush. Writes results/rebuild-<time>.md.
 *
 * The line is filled through the gateway's own enter script (as the line bench does), so that the
 * fans' tokens are the gateway's; the polls go over HTTP like a browser's.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import { admin, call, createConcert, enter, setQueue, spawnGateway, startCore, startRedis } from '@rushgate/testkit'
import { Redis } from 'ioredis'
import { Pool } from 'undici'
import { enterArguments } from '../../apps/gateway/src/queue/join-batches.ts'
import { lineScript } from '../../apps/gateway/src/queue/scripts.ts'
import { TokenSigner } from '../../apps/gateway/src/queue/tokens.ts'
import { RedisKeys } from '../../apps/gateway/src/redis/keys.ts'
import { describeMachine, load, machine, stamp, table, writeResults } from './report.ts'

const { values } = parseArgs({ options: { fans: { type: 'string', default: '100000' }, gateways: { type: 'string', default: '2' } } })
const FANS = Number(values.fans)
const GATEWAYS = Number(values.gateways)
const SECRET = 'rebuild-load-test-secret-0123456789abcdef'
const PREFIX = 'rglt-rebuild'
const GOAL_MS = 15_000
const log = (line: string) => console.log(`[rebuild] ${line}`)

const CLK_TCK = 100
/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

const server = await startRedis()
const core = await startCore(coreEntry)
const env = {
  TOKEN_SECRET: SECRET,
  REBUILD_GRACE_MS: String(GOAL_MS),
  RATE_LIMIT_PER_MINUTE: '1000000000',
  JOIN_LIMIT_PER_MINUTE: '1000000000',
  GHOST_AFTER_SECONDS: '0',
  LOG_LEVEL: 'warn',
}
const gateways = await Promise.all(
  Array.from({ length: GATEWAYS }, () =>
    spawnGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix: PREFIX, redisUrl: server.url, env }, { timeoutMs: 120_000 }),
  ),
)
const redis = new Redis(server.url)
const keys = new RedisKeys(PREFIX)
const signer = new TokenSigner(SECRET)

try {
  const concert = await createConcert(gateways[0]!.url, 10)
  // Paused: nobody is admitted, the line stays whole; a first join gives the line its epoch.
  await setQueue(gateways[0]!.url, concert.id, { paused: true })
  const first = await enter(gateways[0]!.url, concert.id, 'fan-0')
  const fans: { user: string; token: string; seq: number; nextAt: number }[] = [
    { user: 'fan-0', token: first.body.token, seq: signer.verify(first.body.token)!.seq, nextAt: 0 },
  ]
  const sha = (await redis.script('LOAD', lineScript('rgEnter').lua)) as string
  const defaults = { activeTtlSeconds: 600, ghostAfterSeconds: 0, joinLimitPerMinute: '' as const }
  for (let from = 1; from < FANS; from += 5000) {
    const pipeline = redis.pipeline()
    const users: string[] = []
    for (let i = from; i < Math.min(FANS, from + 5000); i++) users.push(`fan-${i}`)
    for (let i = 0; i < users.length; i += 100) {
      const joins = users.slice(i, i + 100).map((user) => ({ user, proof: { kind: 'none' as const }, address: '' }))
      pipeline.evalsha(sha, ...(enterArguments(keys, concert.id, Date.now(), defaults, joins) as [number, ...string[]]))
    }
    for (const [err, answers] of (await pipeline.exec()) ?? []) {
      if (err) throw err
      for (const reply of (answers as unknown[][]).slice(1)) {
        const seq = Number(reply[1])
        const user = users[fans.length - from]!
        fans.push({ user, token: signer.issue(user, concert.id, seq), seq, nextAt: 0 })
      }
    }
  }
  const k = keys.concert(concert.id)
  log(`line of ${await redis.zcard(k.waiting)} waiting fans`)

  // The fans: each polls when its last answer said, on a gateway of its own.
  const pools = gateways.map((g) => new Pool(g.url, { connections: 64, pipelining: 1 }))
  let polls = 0
  let failures = 0
  let pollMaxMs = 0
  let running = true
  const inFlight = { n: 0 }
  const MAX_IN_FLIGHT = 256
  const start = Date.now()
  // Spread over one longest poll interval at first, as fans who joined at different times are.
  for (const [i, fan] of fans.entries()) fan.nextAt = start + Math.floor((i / fans.length) * GOAL_MS)
  let cursor = 0
  const order = [...fans.keys()]
  const poll = async (i: number) => {
    const fan = fans[i]!
    inFlight.n++
    try {
      const res = await pools[i % pools.length]!.request({
        method: 'GET',
        path: `/api/queues/${concert.id}/tokens/current`,
        headers: { 'x-user-id': fan.user, 'x-queue-token': fan.token },
      })
      const body = (await res.body.json()) as { pollAfterMs?: number; token?: string }
      polls++
      if (res.statusCode !== 200) {
        failures++
        fan.nextAt = Date.now() + 1000
      } else {
        pollMaxMs = Math.max(pollMaxMs, body.pollAfterMs ?? 0)
        fan.nextAt = Date.now() + (body.pollAfterMs ?? 1000)
      }
    } catch {
      failures++
      fan.nextAt = Date.now() + 1000
    } finally {
      inFlight.n--
    }
  }
  const pump = async () => {
    while (running) {
      const now = Date.now()
      let fired = 0
      for (let n = 0; n < order.length && inFlight.n < MAX_IN_FLIGHT; n++) {
        const i = order[cursor]!
        cursor = (cursor + 1) % order.length
        if (fans[i]!.nextAt <= now) {
          void poll(i)
          fired++
        }
        if (fired > 2000) break
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  const pumping = pump()

  const pids = gateways.map((g) => g.child.proc.pid!)
  const snapshot = async () => {
    const info = await redis.info()
    const num = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
    return {
      at: Date.now(),
      redisCpu: num('used_cpu_user') + num('used_cpu_sys'),
      commands: num('total_commands_processed'),
      gatewayCpu: pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      polls,
    }
  }
  // One full round of polls, then the span measured as the baseline.
  await new Promise((r) => setTimeout(r, GOAL_MS + 2000))
  const baseStart = await snapshot()
  await new Promise((r) => setTimeout(r, GOAL_MS))
  const baseEnd = await snapshot()
  const loadBefore = load()

  log('FLUSHALL')
  const flushed = await snapshot()
  await redis.flushall()
  const expected = [...fans].sort((a, b) => a.seq - b.seq).map((f) => f.user)
  let backAfterMs: number | null = null
  let sameOrder = false
  const deadline = Date.now() + 4 * GOAL_MS
  let count = 0
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250))
    count = await redis.zcard(k.waiting)
    if (count >= fans.length) {
      backAfterMs = Date.now() - flushed.at
      const got = await redis.zrange(k.waiting, "0", "-1")
      sameOrder = got.length === expected.length && got.every((u, i) => u === expected[i])
      break
    }
  }
  const rebuilt = await snapshot()
  const loadAfter = load()
  running = false
  await pumping
  await Promise.all(pools.map((p) => p.close()))

  const span = (a: typeof baseStart, b: typeof baseStart) => {
    const s = (b.at - a.at) / 1000
    return { seconds: s, redisCpuPerS: (b.redisCpu - a.redisCpu) / s, commandsPerS: (b.commands - a.commands) / s, gatewayCpuPerS: (b.gatewayCpu - a.gatewayCpu) / s, pollsPerS: (b.polls - a.polls) / s }
  }
  const base = span(baseStart, baseEnd)
  const rebuild = span(flushed, rebuilt)
  const m = machine()
  const runStamp = stamp()
  const result = {
    fans: fans.length,
    gateways: GATEWAYS,
    backAfterMs,
    placesBack: count,
    sameOrder,
    pollMaxMs,
    failures,
    base,
    rebuild,
    loadBefore,
    loadAfter,
  }
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)} ×` : 'n/a')
  const md = [
    `# Places rebuilt from tokens after a flush (${runStamp})`,
    '',
    describeMachine(m),
    `Load average before the flush ${loadBefore.toFixed(1)}, after the rebuild ${loadAfter.toFixed(1)}.`,
    '',
    `${fans.length.toLocaleString('en-US')} waiting fans on a paused line, polling at their pollAfterMs (longest told: ${pollMaxMs} ms) on ${GATEWAYS} gateways; Redis flushed mid-rush.`,
    '',
    table(
      ['measure', 'value'],
      [
        ['every place back after', backAfterMs === null ? `not within ${4 * GOAL_MS} ms (${count} back)` : `${backAfterMs} ms (goal ${GOAL_MS} ms)`],
        ['same order', sameOrder ? 'yes' : 'no'],
        ['poll failures (whole run)', failures],
      ],
    ),
    '',
    table(
      ['per second', 'polling (baseline)', 'rebuild', 'rebuild / baseline'],
      [
        ['polls', base.pollsPerS.toFixed(0), rebuild.pollsPerS.toFixed(0), ratio(rebuild.pollsPerS, base.pollsPerS)],
        ['Redis commands', base.commandsPerS.toFixed(0), rebuild.commandsPerS.toFixed(0), ratio(rebuild.commandsPerS, base.commandsPerS)],
        ['Redis CPU (s/s)', base.redisCpuPerS.toFixed(3), rebuild.redisCpuPerS.toFixed(3), ratio(rebuild.redisCpuPerS, base.redisCpuPerS)],
        ['gateways CPU (s/s)', base.gatewayCpuPerS.toFixed(3), rebuild.gatewayCpuPerS.toFixed(3), ratio(rebuild.gatewayCpuPerS, base.gatewayCpuPerS)],
      ],
    ),
    '',
  ].join('\n')
  console.log(md)
  for (const f of writeResults(`rebuild-${runStamp}`, { machine: m, ...result }, md)) log(`wrote ${f}`)
  const view = await call(gateways[0]!.url, 'GET', `/api/admin/queues/${concert.id}`, { headers: admin })
  log(`after: waiting ${view.body.waiting}, paused ${view.body.paused}`)
} finally {
  redis.disconnect()
  await Promise.all(gateways.map((g) => g.close()))
  await core.close()
  await server.close()
}
