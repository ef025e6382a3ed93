/**
 * A gateway started while Redis is unreachable (a plain REDIS_URL, or Sentinels that do not answer)
 * stays up and unready, past the start's old 10 s limit, and becomes ready when Redis answers.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { as, call, createConcert, freePort, randomPrefix, startRedis, waitFor } from '@rushgate/testkit'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

const db = await scratchDatabase('redis_unreachable')
const core = await spawnCore(db.url)
t.teardown(async () => {
  await core.kill()
  await db.drop()
})

t.test('a gateway started while Redis is unreachable stays up unready, and is ready once Redis answers', async (t) => {
  const redis = await startRedis()
  await redis.stop()
  t.teardown(() => redis.close())
  // Sentinels that do not answer yet either: no Sentinel listens on these ports.
  const sentinels = `127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}`
  const [direct, viaSentinel] = await Promise.all([
    spawnGateway({ coreUrl: core.url, prefix: randomPrefix('rg_noredis'), redisUrl: redis.url }, { waitFor: 'live' }),
    spawnGateway({ coreUrl: core.url, prefix: randomPrefix('rg_nosentinel'), env: { REDIS_SENTINELS: sentinels } }, { waitFor: 'live' }),
  ])
  t.teardown(() => Promise.all([direct.kill(), viaSentinel.kill()]))
  // Longer than the start's old 10 s timeout, after which it exited.
  await sleep(12_000)
  for (const [name, gateway] of [['REDIS_URL', direct], ['REDIS_SENTINELS', viaSentinel]] as const) {
    t.ok(gateway.child.alive(), `${name}: still running`)
    const ready = await call(gateway.url, 'GET', '/health/ready', { timeoutMs: 3000 })
    t.equal(ready.status, 503, `${name}: unready`)
    t.equal(ready.body.checks?.redis, 'down', `${name}: because of Redis`)
  }
  await redis.start()
  const started = Date.now()
  await waitFor('ready once Redis answers', async () => (await call(direct.url, 'GET', '/health/ready', { timeoutMs: 3000 })).status === 200, 10_000)
  t.comment(`ready ${Date.now() - started} ms after Redis started`)
  const concert = await createConcert(direct.url, 10)
  const joined = await call(direct.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as('late-redis-user') })
  t.equal(joined.status, 201, 'and takes joins')
})
