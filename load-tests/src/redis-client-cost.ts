/**
 * `tsx src/redis-client-cost.ts [--seconds S] [--concurrency N]`: the CPU this process spends per
 * Redis command, by how commands reach the socket — one write each, ioredis's auto-pipelining, or the
 * gateway's `coalesceWrites` (one corked write per event-loop turn) — for the gateway's own `enter`
 * script and for a plain GET. No HTTP: it isolates the Redis client, which the gateway's profile
 * showed as the largest cost of token issue. N workers each send a command and await its answer,
 * again and again; the figures are user and system µs of this process per command
 * (`process.cpuUsage`). Its keys are prefixed `rglt-client-<random>` and deleted afterwards.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { coalesceWrites } from '../../apps/gateway/src/redis/client.ts'
import { enterArguments } from '../../apps/gateway/src/queue/join-batches.ts'
import { lineScript } from '../../apps/gateway/src/queue/scripts.ts'
import { RedisKeys } from '../../apps/gateway/src/redis/keys.ts'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '4' }, concurrency: { type: 'string', default: '100' } },
})
const seconds = Number(values.seconds)
const concurrency = Number(values.concurrency)
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const ENTER = lineScript('rgEnter')
const prefix = `rglt-client-${randomBytes(4).toString('hex')}`
// One concert in the gateway's own key layout.
const redisKeys = new RedisKeys(prefix)

type Mode = 'one write each' | 'ioredis auto-pipelining' | 'coalesceWrites (the gateway)'
const MODES: Mode[] = ['one write each', 'ioredis auto-pipelining', 'coalesceWrites (the gateway)']

function connect(mode: Mode): Redis & { rgEnter(...args: (string | number)[]): Promise<unknown> } {
  const redis = new Redis(redisUrl, { enableAutoPipelining: mode === 'ioredis auto-pipelining', commandTimeout: 1000 })
  if (mode === 'coalesceWrites (the gateway)') coalesceWrites(redis)
  redis.defineCommand('rgEnter', ENTER)
  return redis as never
}

async function measure(mode: Mode, command: 'enter script' | 'GET'): Promise<string> {
  const redis = connect(mode)
  let user = 0
  const call =
    command === 'GET'
      ? () => redis.get(`${prefix}:string`)
      : () =>
          // One user a call (a turn with one join): no proof of work, no address counted.
          redis.rgEnter(
            ...enterArguments(redisKeys, 1, Date.now(), { activeTtlSeconds: 600, ghostAfterSeconds: 300, joinLimitPerMinute: '' }, [
              { user: `u${user++ % 50_000}`, proof: { kind: 'none' }, address: '' },
            ]),
          )
  const run = async (ms: number) => {
    let done = 0
    const end = Date.now() + ms
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          await call()
          done++
        }
      }),
    )
    return done
  }
  await run(1000) // warm-up: JIT, the script loaded on the connection
  const before = process.cpuUsage()
  const done = await run(seconds * 1000)
  const cpu = process.cpuUsage(before)
  redis.disconnect()
  const per = (us: number) => (us / done).toFixed(2).padStart(6)
  return `| ${command} | ${mode} | ${Math.round(done / seconds).toLocaleString('en')} | ${per(cpu.user)} | ${per(cpu.system)} | ${per(cpu.user + cpu.system)} |`
}

console.log(`${concurrency} workers, ${seconds} s each, Node ${process.version}\n`)
console.log('| command | writes | commands/s | user µs | system µs | CPU µs per command |')
console.log('| --- | --- | --- | --- | --- | --- |')
try {
  for (const command of ['enter script', 'GET'] as const) {
    for (const mode of MODES) console.log(await measure(mode, command))
  }
} finally {
  const cleanup = new Redis(redisUrl)
  const k = redisKeys.concert(1)
  await cleanup.del(k.prequeue, k.waiting, k.active, k.activeSeq, k.seq, k.settings, k.state, k.seen, k.ended, `${prefix}:string`)
  cleanup.disconnect()
}
