/**
 * Does the line's Redis cost grow with its pollers? A line of `--waiting` users (1,000,000 by
 * default) on a private Redis, open and admitting, polled by 1..`--gateways` gateway processes at
 * several total rates (an open loop of this process, undici); for each, the Redis server's own CPU (INFO cpu: used_cpu_user + used_cpu_sys)
 * and commands (INFO commandstats) per second, beside the same line with nobody polling, measured
 * in the same run. Polls are of sampled tokens spread over the whole line, each replica having seen
 * each sampled token once (the steady state: every poll of a waiting place answered from memory).
 *
 *   pnpm --filter @rushgate/load-tests redis-flat [--waiting 1000000] [--gateways 3] [--rates 1000,4000,8000] [--duration 10]
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import { Headers as H } from '@rushgate/shared'
import { createConcert, randomPrefix, type ServiceProcess, setQueue, spawnGateway, startCore, startRedis } from '@rushgate/testkit'
import { Redis } from 'ioredis'
import { Pool } from 'undici'
import { TokenSigner } from '../../apps/gateway/src/queue/tokens.ts'
import { RedisKeys } from '../../apps/gateway/src/redis/keys.ts'
import { fillLine } from './bench/line.ts'
import { breakdown, commandCalls, totalOf } from './bench/redis-stats.ts'
import { inParallel } from './setup.ts'

const { values } = parseArgs({
  options: {
    waiting: { type: 'string', default: '1000000' },
    gateways: { type: 'string', default: '3' },
    rates: { type: 'string', default: '1000,4000,8000' },
    duration: { type: 'string', default: '10' },
  },
})
const waiting = Number(values.waiting)
const maxGateways = Number(values.gateways)
const rates = values.rates.split(',').map(Number)
const duration = Number(values.duration)
const log = (line: string) => console.error(`[redis-flat] ${line}`)

interface RedisCounters {
  /** seconds of CPU the server has used */
  cpu: number
  calls: Map<string, number>
}

async function counters(redis: Redis): Promise<RedisCounters> {
  const cpu = await redis.info('cpu')
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0)
  return { cpu: field('used_cpu_user') + field('used_cpu_sys'), calls: await commandCalls(redis) }
}

interface Row {
  gateways: number
  askedRate: number
  polls: number
  pollsPerSecond: number
  redisCpuMsPerSecond: number
  commandsPerSecond: number
  commandsPerPoll: number
  p99: number
  unexpected: number
  /** the commands that ran most, with their counts */
  top: string
}

const secret = randomBytes(24).toString('hex')
const redisServer = await startRedis()
const core = await startCore(coreEntry)
const prefix = randomPrefix()
const gateways: ServiceProcess[] = []
const stopAll = async () => {
  await Promise.allSettled(gateways.map((g) => g.terminate()))
  await core.close()
  await redisServer.stop()
}
try {
  for (let i = 0; i < maxGateways; i++) {
    gateways.push(
      await spawnGateway(gatewayEntry, {
        coreUrl: core.url,
        internalToken: core.internalToken,
        prefix,
        redisUrl: redisServer.url,
        env: { TOKEN_SECRET: secret, ADMIT_INTERVAL_MS: '1000', RATE_LIMIT_PER_MINUTE: '100000000' },
      }),
    )
  }
  const first = gateways[0]!.url
  const concert = await createConcert(first)
  await setQueue(first, concert.id, { paused: true })
  const redis = new Redis(redisServer.url)
  const started = performance.now()
  const sample = await fillLine(redis, new RedisKeys(prefix), {
    concertId: concert.id,
    waiting,
    userPrefix: 'flat-',
    signer: new TokenSigner(secret),
    log,
  })
  log(`${waiting.toLocaleString('en-US')} in line in ${((performance.now() - started) / 1000).toFixed(0)} s; ${sample.length} sampled tokens`)
  // Open and admitting 100 a second: the ticks do their real work (admission, snapshot, publish).
  await setQueue(first, concert.id, { paused: false, admitPerTick: 100 })
  await new Promise((r) => setTimeout(r, 2500))
  const path = `/api/queues/${concert.id}/tokens/current`
  // Every replica sees every sampled token once, as a poller's first poll there would.
  for (const g of gateways) {
    await inParallel(sample, 50, (s) => fetch(g.url + path, { headers: { [H.userId]: s.user, [H.queueToken]: s.token } }).then((r) => r.arrayBuffer()))
  }
  log('every replica has seen every sampled token')

  /**
   * Polls at `rate` a second in total, spread evenly over the gateways, in slices of 10 ms (an open
   * loop: a slow answer does not slow the next polls; at most 2,000 in flight, beyond that a poll
   * is skipped and counted as not answered).
   */
  const pollAt = async (targets: ServiceProcess[], rate: number) => {
    const pools = targets.map((g) => new Pool(g.url, { connections: 32, pipelining: 1 }))
    const latencies: number[] = []
    let unexpected = 0
    let inFlight = 0
    let k = 0
    let owed = 0
    const poll = async (pool: Pool) => {
      const s = sample[(k++ * 7919) % sample.length]!
      const t = performance.now()
      inFlight++
      try {
        const res = await pool.request({ method: 'GET', path, headers: { [H.userId]: s.user, [H.queueToken]: s.token } })
        await res.body.dump()
        if (res.statusCode !== 200) unexpected++
        latencies.push(performance.now() - t)
      } catch {
        unexpected++
      } finally {
        inFlight--
      }
    }
    const end = performance.now() + duration * 1000
    const running: Promise<void>[] = []
    let last = performance.now()
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 10))
      const now = performance.now()
      owed += ((now - last) / 1000) * rate
      last = now
      for (; owed >= 1; owed--) {
        if (inFlight >= 2000) unexpected++
        else running.push(poll(pools[k % pools.length]!))
      }
    }
    await Promise.all(running)
    await Promise.all(pools.map((p) => p.close()))
    latencies.sort((a, b) => a - b)
    return { polls: latencies.length, unexpected, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 }
  }

  const measureWith = async (n: number, askedRate: number): Promise<Row> => {
    const before = await counters(redis)
    const t0 = performance.now()
    let polls = 0
    let unexpected = 0
    let p99 = 0
    if (askedRate === 0) await new Promise((r) => setTimeout(r, duration * 1000))
    else {
      const result = await pollAt(gateways.slice(0, n), askedRate)
      polls = result.polls
      unexpected = result.unexpected
      p99 = result.p99
    }
    const after = await counters(redis)
    const seconds = (performance.now() - t0) / 1000
    const commands = totalOf(after.calls) - totalOf(before.calls) - 2
    const row: Row = {
      gateways: n,
      askedRate,
      polls,
      pollsPerSecond: polls / seconds,
      redisCpuMsPerSecond: ((after.cpu - before.cpu) * 1000) / seconds,
      commandsPerSecond: commands / seconds,
      commandsPerPoll: polls > 0 ? commands / polls : Number.NaN,
      p99,
      unexpected,
      top: breakdown(before.calls, after.calls, 4),
    }
    log(JSON.stringify(row))
    return row
  }

  const rows: Row[] = [await measureWith(maxGateways, 0)]
  for (let n = 1; n <= maxGateways; n++) for (const rate of rates) rows.push(await measureWith(n, rate))
  rows.push(await measureWith(maxGateways, 0))
  redis.disconnect()

  const f = (x: number, d = 0) => (Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }))
  const idle = rows.filter((r) => r.askedRate === 0)
  const idleCpu = idle.reduce((a, r) => a + r.redisCpuMsPerSecond, 0) / idle.length
  const lines = [
    `# Redis cost of a line of ${f(waiting)} as its pollers grow`,
    '',
    `${new Date().toISOString()}. Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.versions.node}; a private Redis, ${maxGateways} gateway processes, the polling client (undici, an open loop at the asked rate) in this process, all on the same CPUs (load average ${loadavg()[0]?.toFixed(2)} at the end). The line is open and admits 100 a tick (1 s). ${sample.length.toLocaleString('en-US')} sampled tokens spread over the line, ${duration} s per row.`,
    '',
    `| gateways | asked polls/s | polls/s | Redis CPU, ms per s | × nobody polling | Redis commands/s | commands per poll | p99 ms | not 200 | most run |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.gateways} | ${r.askedRate === 0 ? 'nobody polling' : f(r.askedRate)} | ${f(r.pollsPerSecond)} | ${f(r.redisCpuMsPerSecond, 1)} | ${f(r.redisCpuMsPerSecond / idleCpu, 2)} | ${f(r.commandsPerSecond)} | ${f(r.commandsPerPoll, 4)} | ${r.askedRate === 0 ? '–' : f(r.p99)} | ${r.unexpected} | ${r.top} |`,
    ),
  ]
  const file = join(import.meta.dirname, '..', 'results', `redis-flat-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z.md`)
  await writeFile(file, `${lines.join('\n')}\n`)
  console.log(lines.join('\n'))
  log(`written to ${file}`)
} finally {
  await stopAll()
}
