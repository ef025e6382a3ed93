/**
 * `tsx src/enter-cost.ts [--users N]`: what a join costs Redis, by how many joins share one call of
 * the gateway's enter script (scripts/enter-n.lua; the gateway sends the joins of one event-loop
 * turn as one call, join-batches.ts). For each batch size, N new users join a fresh line in calls of
 * that many, from 50 client addresses counted against the join limit, as the gateway sends them;
 * then `INFO commandstats` gives the Redis commands per join (the script calls and the commands
 * they run) and the microseconds Redis spent in them, and `INFO cpu` the Redis process's CPU per
 * join, its networking included. Counts do not depend on the machine's noise; times do, so compare
 * the batch sizes of one run. Needs a Redis nobody else uses (CONFIG RESETSTAT); keys are prefixed
 * `rglt-enter-<random>` and deleted afterwards.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { deletePrefix } from '@rushgate/testkit'
import { Redis } from 'ioredis'
import { enterArguments, type Join } from '../../apps/gateway/src/queue/join-batches.ts'
import { lineScript } from '../../apps/gateway/src/queue/scripts.ts'
import { RedisKeys } from '../../apps/gateway/src/redis/keys.ts'

const { values } = parseArgs({ options: { users: { type: 'string', default: '30000' } } })
const users = Number(values.users)
const SIZES = [1, 10, 30, 100]
const ADDRESSES = 50
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = `rglt-enter-${randomBytes(4).toString('hex')}`
const defaults = { activeTtlSeconds: 600, ghostAfterSeconds: 300, joinLimitPerMinute: 1_000_000 }

// Each batch size has a concert of its own.
const keys = new RedisKeys(prefix)
const redis = new Redis(redisUrl) as Redis & { rgEnter(...args: (string | number)[]): Promise<unknown> }
redis.defineCommand('rgEnter', lineScript('rgEnter'))

/** Calls and µs per command name since the last CONFIG RESETSTAT. */
async function commandStats(): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>()
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line)
    if (m) stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) })
  }
  return stats
}

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu')
  const read = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return read('used_cpu_user') + read('used_cpu_sys')
}

async function measure(size: number, concert: number): Promise<string> {
  const join = (i: number): Join => ({ user: `u${i}`, proof: { kind: 'none' }, address: `10.0.0.${i % ADDRESSES}` })
  // Loads the script; its user is not counted.
  await redis.rgEnter(...enterArguments(keys, concert, Date.now(), defaults, [join(-1)]))
  await redis.config('RESETSTAT')
  const cpuBefore = await redisCpuSeconds()
  for (let i = 0; i < users; i += size) {
    const batch = Array.from({ length: Math.min(size, users - i) }, (_, j) => join(i + j))
    await redis.rgEnter(...enterArguments(keys, concert, Date.now(), defaults, batch))
  }
  const cpu = (await redisCpuSeconds()) - cpuBefore
  const stats = await commandStats()
  // The two INFO calls after the reset are this tool's own.
  stats.delete('info')
  const script = (stats.get('evalsha')?.calls ?? 0) + (stats.get('eval')?.calls ?? 0)
  const scriptUsec = (stats.get('evalsha')?.usec ?? 0) + (stats.get('eval')?.usec ?? 0)
  let inner = 0
  for (const [name, s] of stats) if (name !== 'evalsha' && name !== 'eval') inner += s.calls
  const per = (n: number, digits = 2) => (n / users).toFixed(digits)
  return `| ${size} | ${per(script, 3)} | ${per(inner)} | ${per(scriptUsec)} | ${per(cpu * 1e6)} |`
}

console.log(`${users.toLocaleString('en')} new users per batch size, ${ADDRESSES} addresses, Node ${process.version}\n`)
console.log('| joins per call | script calls per join | commands per join (inside the script) | Redis µs in the script per join | Redis CPU µs per join |')
console.log('| --- | --- | --- | --- | --- |')
try {
  for (const [i, size] of SIZES.entries()) console.log(await measure(size, i + 1))
} finally {
  await deletePrefix(redis, prefix)
  redis.disconnect()
}
