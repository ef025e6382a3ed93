/**
 * `tsx src/latency-cost.ts [--ticks N]`: the Redis commands the core-latency aggregation of adaptive
 * admission costs per tick (apps/gateway/src/core/latency.ts), counted exactly on a private Redis
 * that nothing else uses (`INFO commandstats` after CONFIG RESETSTAT). Each tick, every replica
 * records its requests to the core for each concert and writes its window (one script call:
 * HSET + PEXPIRE), and the tick reads each concert's last five windows (one script call: five
 * HGETALL). Counted for 1 and 3 replicas, 1 and 3 concerts, and 100 and 10,000 requests a replica a
 * tick: the commands must not follow the requests. Writes results/latency-cost-<time>.md.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { startRedis } from '@rushgate/testkit'
import type { FastifyBaseLogger } from 'fastify'
import { CoreLatency, withLatencyScripts } from '../../apps/gateway/src/core/latency.ts'
import { loadConfig } from '../../apps/gateway/src/config.ts'
import { createRedis, whenReady } from '../../apps/gateway/src/redis/client.ts'
import { RedisKeys } from '../../apps/gateway/src/redis/keys.ts'
import { describeMachine, machine, stamp, table, writeResults } from './report.ts'

const { values } = parseArgs({ options: { ticks: { type: 'string', default: '20' } } })
const TICKS = Number(values.ticks)
const INTERVAL_MS = 1000
const silent = { warn() {}, error() {}, info() {}, debug() {} } as unknown as FastifyBaseLogger

const server = await startRedis()
const config = loadConfig({ LOG_LEVEL: 'silent', REDIS_URL: `redis://127.0.0.1:${server.port}` })
const redis = withLatencyScripts(createRedis(config, silent, 'http'))
if (!(await whenReady(redis, 5000))) throw new Error('the private Redis does not answer')

/** Calls per command name since the last CONFIG RESETSTAT. */
async function commands(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
    if (m && !/^(info|config|script)/.test(m[1]!)) out[m[1]!] = Number(m[2])
  }
  return out
}

interface Row {
  replicas: number
  concerts: number
  requests: number
  perTick: Record<string, number>
}
const rows: Row[] = []

try {
  for (const replicas of [1, 3]) {
    for (const concerts of [1, 3]) {
      for (const requests of [100, 10_000]) {
        const keys = new RedisKeys(`rglt-latency-${randomBytes(3).toString('hex')}`)
        const gateways = Array.from({ length: replicas }, () => new CoreLatency(redis, keys, INTERVAL_MS, silent))
        const start = Math.floor(Date.now() / INTERVAL_MS)
        // Scripts are loaded before counting: the first EVALSHA of each would otherwise add an EVAL.
        gateways[0]!.record(0, 1, false)
        await gateways[0]!.flush(start - 1)
        await gateways[0]!.read(0, start * INTERVAL_MS)
        await redis.config('RESETSTAT')
        for (let tick = 0; tick < TICKS; tick++) {
          for (const gw of gateways) {
            for (let c = 1; c <= concerts; c++) for (let i = 0; i < requests; i++) gw.record(c, 5 + (i % 400), i % 1000 === 0)
            await gw.flush(start + tick)
          }
          for (let c = 1; c <= concerts; c++) await gateways[0]!.read(c, (start + tick + 1) * INTERVAL_MS)
        }
        const counted = await commands()
        rows.push({
          replicas,
          concerts,
          requests,
          perTick: Object.fromEntries(Object.entries(counted).map(([name, n]) => [name, n / TICKS])),
        })
      }
    }
  }
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.perTick)))].sort()
  const m = machine()
  const markdown = [
    '# Redis commands of the core-latency aggregation, per tick',
    '',
    `Machine: ${describeMachine(m)}; a private Redis nobody else uses, ${TICKS} ticks per row, counted by INFO commandstats.`,
    'Each tick: every replica writes its window of each concert it forwarded requests for (record-latency-1: HSET + PEXPIRE),',
    'and the tick reads each concert’s last five windows (read-latency-5: five HGETALL).',
    '',
    table(
      ['replicas', 'concerts', 'requests a replica a concert a tick', ...names.map((n) => `${n} / tick`), 'all commands / tick', 'script calls: replicas × concerts + concerts'],
      rows.map((r) => {
        const all = Object.values(r.perTick).reduce((a, b) => a + b, 0)
        return [r.replicas, r.concerts, r.requests.toLocaleString('en'), ...names.map((n) => r.perTick[n] ?? 0), all, r.replicas * r.concerts + r.concerts]
      }),
    ),
    '',
  ].join('\n')
  const files = writeResults(`latency-cost-${stamp()}`, { machine: m, ticks: TICKS, rows }, markdown)
  console.log(markdown)
  process.stderr.write(`wrote ${files.join(', ')}\n`)
} finally {
  redis.disconnect()
  await server.close()
}
