/**
 * What the opening's fault tests share (opening-race, opening-kill, opening-redis-restart): a line
 * with a pre-queue on gateway processes, and the check that it opened exactly once — every
 * pre-queue user in the line once, in the HMAC order of the draw.
 */
import { createHmac } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { Redis as IORedis, type Redis } from 'ioredis'
import type { Test } from 'tap'
import { withLineScripts } from '../src/queue/scripts.ts'
import { RedisKeys } from '../src/redis/keys.ts'
import { admin, call, createConcert, deletePrefix, enter, randomPrefix, type ServiceProcess, spawnGateway, startCore, type StartedCore, testRedis } from '@rushgate/testkit'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '../entry-points.ts'
import { enterByScript, patchQueue } from './helpers.ts'

export const hmacOrder = (seed: string, users: string[]) => {
  const rank = new Map(users.map((u) => [u, createHmac('sha256', Buffer.from(seed, 'hex')).update(u, 'utf8').digest('hex')]))
  return [...users].sort((a, b) => (rank.get(a)! < rank.get(b)! ? -1 : 1))
}
export const quiet = { info() {}, warn() {}, error() {} } as unknown as FastifyBaseLogger

export interface Line {
  core: StartedCore
  gateways: ServiceProcess[]
  prefix: string
  redis: Redis
  concertId: number
  users: string[]
}

/** A core, `replicas` gateway processes on one prefix, and a paused line with `users` in its pre-queue. */
export async function preparedLine(t: Test, opts: { replicas: number; users: number; batch: number; redisUrl?: string }): Promise<Line> {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const prefix = randomPrefix()
  // A Redis of the test's own is a plain one, even in the suite's cluster run.
  const redis = opts.redisUrl ? new IORedis(opts.redisUrl, { maxRetriesPerRequest: 1 }) : testRedis()
  redis.on('error', () => {})
  t.teardown(async () => {
    await deletePrefix(redis, prefix).catch(() => {})
    redis.disconnect()
  })
  const env = {
    ADMIT_INTERVAL_MS: '100',
    OPENING_BATCH: String(opts.batch),
    LOG_LEVEL: 'warn',
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
  }
  // One after another: started at once on a busy machine, each takes as long as all of them.
  const gateways: ServiceProcess[] = []
  t.teardown(() => Promise.all(gateways.map((g) => g.close())))
  for (let i = 0; i < opts.replicas; i++) {
    gateways.push(await spawnGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env }))
  }
  const concert = await createConcert(gateways[0]!.url)
  // Paused: the line is read as the opening left it, before anyone is admitted.
  await patchQueue(gateways[0]!.url, concert.id, { paused: true, opensAt: new Date(Date.now() + 600_000).toISOString() })
  const users = Array.from({ length: opts.users }, (_, i) => `opener-${i}`)
  // Joins through each replica, then the rest straight through the enter script (quicker on a busy
  // machine; the joins are not what these files test).
  for (const [i, g] of gateways.entries()) {
    const joined = await enter(g.url, concert.id, users[i]!)
    if (joined.body.status !== 'PREQUEUE') throw new Error(`join: ${joined.status} ${JSON.stringify(joined.body)}`)
  }
  const keys = new RedisKeys(prefix)
  const k = keys.concert(concert.id)
  const scripts = withLineScripts(redis)
  for (let i = gateways.length; i < users.length; i += 100) {
    await Promise.all(users.slice(i, i + 100).map((u) => enterByScript(scripts, keys, concert.id, u, Date.now(), { activeTtlSeconds: 600, ghostAfterSeconds: 300 })))
  }
  t.equal(await redis.zcard(k.prequeue), users.length, `${users.length} in the pre-queue`)
  return { core, gateways, prefix, redis, concertId: concert.id, users }
}

/** The line after the opening is the draw, once each, and the draw is the HMAC order of the pre-queue. */
export async function checkOpenedOnce(t: Test, line: Line, via: string): Promise<void> {
  const k = new RedisKeys(line.prefix).concert(line.concertId)
  const draw = await call(via, 'GET', `/api/admin/queues/${line.concertId}/draw`, { headers: admin })
  t.equal(draw.status, 200, 'the draw is published')
  t.same(draw.body.order, hmacOrder(draw.body.seed, line.users), 'the order is the HMAC order, each user once')
  t.same(await line.redis.zrange(k.waiting, '0', '-1'), draw.body.order, 'the line stands in the draw order, each user once')
  t.equal(await line.redis.zcard(k.prequeue), 0, 'the pre-queue is empty')
  const [placed, openedAt] = await line.redis.hmget(k.state, 'placed', 'openedAt')
  t.equal(Number(placed), line.users.length, 'placed once each')
  t.ok(Number(openedAt) > 0, 'opened')
  const stats = await call(via, 'GET', `/api/admin/queues/${line.concertId}`, { headers: admin })
  t.match(stats.body, { waiting: line.users.length, active: 0, state: 'PAUSED' })
}

export function openSoon(line: Line, ms: number): Promise<unknown> {
  return patchQueue(line.gateways[0]!.url, line.concertId, { opensAt: new Date(Date.now() + ms).toISOString() })
}

