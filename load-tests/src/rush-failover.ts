/**
 * `pnpm rush:failover [--users N] [--seats N] [--kill-at-share 0.4] [--kill-after-ms MS] [--duration S] [--waits 0,1] [--cost-joins N] [--cost-rounds N (0: skip)]`
 *
 * Redis behind Sentinel (the test kit's primary, replica and three Sentinels) loses its primary
 * (kill -9) in the middle of a rush, once with REDIS_WAIT_REPLICAS=0 and once with 1, each on a fresh
 * stack: the users join with no pre-queue, so the kill falls among joins, polls and streams.
 * Reported: places lost (users whose acknowledged join later ended 410 EXPIRED), the longest time
 * without an admission around the kill, the 503s answered, how long Sentinel took, and the rush's
 * invariants (no seat sold twice, nobody admitted twice, …).
 *
 * Before that, in the same run, what REDIS_WAIT_REPLICAS=1 costs a join: two gateways on one
 * Sentinel-watched Redis, one with 0 and one with 1, take rounds of joins in turn (the order
 * swapped each round), and the ratio of their times is reported.
 * Writes results/rush-failover-<time>.{md,json}; exits non-zero on an invariant violation.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import { type PrivateSentinel, spawnGateway, startRedisSentinel } from '@rushgate/testkit'
import { Api, HttpClient } from './client.ts'
import { describeMachine, fmt, load, machine, percentile, stamp, table, writeResults } from './report.ts'
import { type RushSummary, runRush } from './rush/run.ts'
import { createConcert } from './setup.ts'
import { startStack } from './stack.ts'

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '3000' },
    seats: { type: 'string', default: '1000' },
    'kill-after-ms': { type: 'string', default: '60000' },
    'kill-at-share': { type: 'string', default: '0.4' },
    'cost-joins': { type: 'string', default: '1000' },
    'cost-rounds': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    waits: { type: 'string', default: '0,1' },
    duration: { type: 'string', default: '180' },
  },
})
const log = (line: string) => process.stderr.write(`[rush:failover] ${line}\n`)
const users = Number(values.users)
const seats = Number(values.seats)
const killAfterMs = Number(values['kill-after-ms'])
const killAtShare = Number(values['kill-at-share'])
const costJoins = Number(values['cost-joins'])
const costRounds = Number(values['cost-rounds'])
const concurrency = Number(values.concurrency)
const loadAtStart = load()

const sentinelEnv = (sentinel: PrivateSentinel, wait: number) => ({
  REDIS_SENTINELS: sentinel.sentinels,
  REDIS_SENTINEL_NAME: sentinel.name,
  REDIS_WAIT_REPLICAS: String(wait),
  REDIS_WAIT_TIMEOUT_MS: '200',
})

/** `count` joins of fresh users, `concurrency` at a time; their latencies (ms) and the wall time. */
async function joins(url: string, concertId: number, count: number, label: string): Promise<{ ms: number[]; wallMs: number }> {
  const http = new HttpClient(url, concurrency)
  const ms: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const user = `${label}-${next++}`
        const t = performance.now()
        const reply = await http.call('POST', `/api/queues/${concertId}/tokens`, { 'x-user-id': user })
        if (reply.status !== 201) throw new Error(`join ${user}: ${reply.status}`)
        ms.push(performance.now() - t)
      }
    }),
  )
  const wallMs = performance.now() - started
  await http.close()
  return { ms, wallMs }
}

/** Phase 1: a join with REDIS_WAIT_REPLICAS=1 against 0, alternating on one Redis. */
async function joinCost() {
  const sentinel = await startRedisSentinel()
  const stack = await startStack({ log, gatewayEnv: sentinelEnv(sentinel, 0) })
  const waiting = await spawnGateway(gatewayEntry, {
    coreUrl: stack.coreUrl,
    internalToken: stack.internalToken,
    prefix: stack.redisPrefix,
    env: {
      ...sentinelEnv(sentinel, 1),
      LOG_LEVEL: 'warn',
      ADMIN_TOKEN: stack.adminToken,
      TOKEN_SECRET: stack.tokenSecret,
      RATE_LIMIT_PER_MINUTE: '10000000',
      JOIN_LIMIT_PER_MINUTE: '10000000',
      TRUST_USER_HEADER: 'true',
    },
  })
  try {
    const api = new Api(new HttpClient(stack.gatewayUrl, 4), stack.adminToken)
    const created = await api.createConcert({
      title: `failover cost ${randomBytes(3).toString('hex')}`,
      venue: 'Load tests',
      schedules: [{ startsAt: new Date(Date.now() + 86_400_000).toISOString(), seats: 10, price: 1000 }],
    })
    const concertId = (created.body as { id: number }).id
    // Paused: every join is a waiting place, none admitted meanwhile.
    await api.patchQueue(concertId, { paused: true })
    const gateways = [
      { wait: 0, url: stack.gatewayUrl },
      { wait: 1, url: waiting.url },
    ]
    const rounds: { wait: number; p50: number; p99: number; joinsPerSecond: number }[] = []
    // A warm-up round each, not counted.
    for (const g of gateways) await joins(g.url, concertId, Math.min(200, costJoins), `warm-${g.wait}`)
    for (let r = 0; r < costRounds; r++) {
      for (const g of r % 2 === 0 ? gateways : [...gateways].reverse()) {
        const { ms, wallMs } = await joins(g.url, concertId, costJoins, `cost-${r}-${g.wait}`)
        rounds.push({ wait: g.wait, p50: percentile(ms, 50), p99: percentile(ms, 99), joinsPerSecond: Math.round((costJoins / wallMs) * 1000) })
        log(`round ${r + 1}, WAIT ${g.wait}: ${rounds.at(-1)!.joinsPerSecond} joins/s, p50 ${rounds.at(-1)!.p50.toFixed(1)} ms`)
      }
    }
    return rounds
  } finally {
    await waiting.kill()
    await stack.stop()
    await sentinel.close()
  }
}

interface FailoverResult {
  wait: number
  summary: RushSummary
  sentinelMs: number
  lost: number
  acknowledged: number
  noAdmissionMs: number
  killAtMs: number
  /** A probe's join every 100 ms: when the last one answered 503, after the kill (ms). */
  lastJoin503Ms: number | null
  probes: { atMs: number; status: number }[]
}

/** Phase 2: the rush with the primary killed `killAfterMs` after it began. */
async function failover(wait: number): Promise<FailoverResult> {
  const sentinel = await startRedisSentinel()
  const stack = await startStack({ log, gatewayEnv: { ...sentinelEnv(sentinel, wait), ADMIT_INTERVAL_MS: '1000', RATE_LIMIT_PER_MINUTE: '600', LOG_LEVEL: process.env.GATEWAY_LOG_LEVEL ?? 'warn' } })
  let killAtMs = 0
  let sentinelMs = 0
  let killed: Promise<void> = Promise.resolve()
  let probing: Promise<void> = Promise.resolve()
  let probesDone = false
  const probes: { atMs: number; status: number }[] = []
  try {
    // The probes join a line of their own: a probe's place in the rush's line would be admitted
    // like a fan's, counted by the line and seen by no fan, and hold back a seat for its whole turn.
    const probeHttp = new HttpClient(stack.gatewayUrl, 1)
    const probeLine = await createConcert(new Api(probeHttp, stack.adminToken), 'Failover probes', 1)
    await probeHttp.close()
    const { record, summary } = await runRush(
      stack,
      {
        users,
        concerts: 1,
        seats,
        admitBatch: 100,
        admitIntervalMs: 1000,
        maxActive: null,
        duration: Number(values.duration),
        prequeue: false,
        connections: 128,
        progress: false,
        ticketLimit: null,
        greedyEvery: 0,
        refundEvery: 0,
        listen: true,
      },
      log,
      {
        opened: (now, [id]) => {
          if (process.env.DEBUG_FAILOVER) {
            setTimeout(() => log(stack.gatewayOutput!().split('\n').filter((l) => /"statusCode":503|"err"/.test(l)).slice(-4).map((l) => l.slice(0, 1500)).join('\n')), 5000)
          }
          // A join of a fresh user every 100 ms beside the rush, to see when joins fail and succeed again.
          probing = (async () => {
            const http = new HttpClient(stack.gatewayUrl, 2)
            for (let i = 0; !probesDone; i++) {
              const atMs = now()
              const reply = await http.call('POST', `/api/queues/${probeLine.id}/tokens`, { 'x-user-id': `probe-${i}` }).catch(() => ({ status: -1 }))
              probes.push({ atMs, status: reply.status })
              await new Promise((r) => setTimeout(r, 100))
            }
            await http.close()
          })()
          killed = new Promise<void>((done) => {
            const kill = async () => {
              killAtMs = now()
              const old = await sentinel.killPrimary()
              log(`WAIT ${wait}: killed the primary at ${(killAtMs / 1000).toFixed(1)} s`)
              await sentinel.failedOver(old)
              sentinelMs = now() - killAtMs
              log(`WAIT ${wait}: Sentinel named the new primary ${sentinelMs.toFixed(0)} ms later`)
              done()
            }
            // The kill falls among the joins: once a share of the users hold a place (or after --kill-after-ms).
            const api = new Api(new HttpClient(stack.gatewayUrl, 1), stack.adminToken)
            const started = now()
            const watch = async () => {
              for (;;) {
                const line = await api.queue(id!).catch(() => null)
                const placed = line?.status === 200 ? (line.body as { waiting: number; admittedTotal: number }).waiting + (line.body as { admittedTotal: number }).admittedTotal : 0
                if (placed >= users * killAtShare || now() - started > killAfterMs) return kill()
                await new Promise((r) => setTimeout(r, 100))
              }
            }
            void watch()
          })
        },
      },
    )
    await killed
    probesDone = true
    await probing
    // 503 only: once the concert sold out a join is a 409, which is the line working.
    const last503 = probes.filter((p) => p.atMs > killAtMs && (p.status === 503 || p.status === -1)).at(-1)
    const lastJoin503Ms = last503 ? last503.atMs - killAtMs : null
    const acknowledged = record.users.filter((u) => u.joinPosition !== null).length
    // Expired without a sold-out: a place the new primary did not have (nothing else ends a turn here).
    const lost = record.users.filter((u) => u.outcome === 'expired').length
    const admittedAt = record.users
      .map((u) => u.firstActiveEnd)
      .filter((t): t is number => t !== null)
      .sort((a, b) => a - b)
    const before = admittedAt.filter((t) => t <= killAtMs).at(-1) ?? killAtMs
    const after = admittedAt.find((t) => t > killAtMs)
    const noAdmissionMs = after === undefined ? Number.NaN : after - before
    // What the gateway said, for a run that went wrong: each distinct message once, with its count.
    const said = new Map<string, number>()
    for (const line of stack.gatewayOutput?.().split('\n') ?? []) {
      const message = /"(?:err|message|msg)":"([^"]{0,120})/.exec(line)?.[1]
      if (message) said.set(message, (said.get(message) ?? 0) + 1)
    }
    log(`WAIT ${wait}: the gateway said ${JSON.stringify(Object.fromEntries(said))}`)
    return { wait, summary, sentinelMs, lost, acknowledged, noAdmissionMs, killAtMs, lastJoin503Ms, probes }
  } finally {
    await stack.stop()
    await sentinel.close()
  }
}

const cost = costRounds > 0 ? await joinCost() : []
const results: FailoverResult[] = []
for (const wait of values.waits.split(',').map(Number)) results.push(await failover(wait))

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const of = (wait: number, field: 'p50' | 'p99' | 'joinsPerSecond') => mean(cost.filter((r) => r.wait === wait).map((r) => r[field]))
const m = machine()
const markdown = [
  '# A Sentinel failover during a rush, and what REDIS_WAIT_REPLICAS=1 costs a join',
  '',
  `Machine: ${describeMachine(m)}. 1-minute load average ${loadAtStart} at the start, ${load()} at the end (other work included).`,
  `Redis: the test kit's primary, one replica and three Sentinels (down after 1 s, quorum 2). Each rush: ${fmt.int(users)} users, ${fmt.int(seats)} seats, no pre-queue (the kill falls among the joins), event streams, 100 a tick every 1,000 ms; the primary killed (SIGKILL) once ${Math.round(killAtShare * 100)} % of the users held a place (or ${killAfterMs} ms after the start).`,
  '',
  table(
    ['REDIS_WAIT_REPLICAS', 'joins acknowledged', 'places lost', 'users still waiting at the end', 'Sentinel took', 'last join answered 503', 'longest time without an admission', '503s answered', 'tickets', 'invariant violations'],
    results.map((r) => [
      r.wait,
      fmt.int(r.acknowledged),
      fmt.int(r.lost),
      fmt.int(r.summary.outcomes.aborted ?? 0),
      `${(r.sentinelMs / 1000).toFixed(1)} s`,
      r.lastJoin503Ms === null ? 'never' : `${(r.lastJoin503Ms / 1000).toFixed(1)} s after the kill`,
      `${(r.noAdmissionMs / 1000).toFixed(1)} s`,
      fmt.int(r.summary.unavailable),
      fmt.int(r.summary.seatsSold),
      r.summary.violations,
    ]),
  ),
  '',
  ...(cost.length === 0 ? [] : costSection()),
].join('\n')
/** The join-cost rounds' table, when they ran. */
function costSection(): string[] {
  return [
  `A join with REDIS_WAIT_REPLICAS=1 against 0 (${costRounds} rounds of ${fmt.int(costJoins)} joins each, ${concurrency} at once, alternating on one Redis with its replica):`,
    '',
    table(
      ['REDIS_WAIT_REPLICAS', 'joins per second', 'join p50', 'join p99'],
      [0, 1].map((w) => [w, fmt.int(of(w, 'joinsPerSecond')), `${of(w, 'p50').toFixed(1)} ms`, `${of(w, 'p99').toFixed(1)} ms`]),
    ),
    '',
    `Ratio 1 against 0: p50 × ${(of(1, 'p50') / of(0, 'p50')).toFixed(2)}, p99 × ${(of(1, 'p99') / of(0, 'p99')).toFixed(2)}, joins per second × ${(of(1, 'joinsPerSecond') / of(0, 'joinsPerSecond')).toFixed(2)}.`,
    '',
  ]
}

const files = writeResults(`rush-failover-${stamp()}`, { machine: m, options: values, cost, results }, markdown)
console.log(markdown)
log(`wrote ${files.join(', ')}`)
process.exit(results.some((r) => r.summary.violations > 0) ? 1 : 0)
