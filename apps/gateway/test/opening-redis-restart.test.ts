/**
 * Redis (persistent: an append-only file fsynced on every write, as in production) is killed and
 * restarted just before the opening: the gateways reconnect and the line opens once.
 */
import t from 'tap'
import { RedisKeys } from '../src/redis/keys.ts'
import { checkOpenedOnce, openSoon, preparedLine } from './opening-line.ts'
import { call, startRedis, waitFor } from '@rushgate/testkit'

t.test('when Redis is killed and restarted just before the opening, then the line opens once', async (t) => {
  const redis = await startRedis({ persistent: true })
  t.teardown(() => redis.close())
  const line = await preparedLine(t, { replicas: 2, users: 200, batch: 10, redisUrl: redis.url })
  const k = new RedisKeys(line.prefix).concert(line.concertId)
  await openSoon(line, 1500)
  await new Promise((r) => setTimeout(r, 1000))
  t.equal(await line.redis.hget(k.state, 'openedAt'), null, 'not opened before the restart')
  await redis.restart('SIGKILL')
  await waitFor('opened after the restart', async () => (await line.redis.hget(k.state, 'openedAt').catch(() => null)) !== null, 30_000)
  for (const g of line.gateways) {
    await waitFor('every gateway back on Redis', async () => (await call(g.url, 'GET', '/health/ready')).status === 200, 30_000)
  }
  await checkOpenedOnce(t, line, line.gateways[1]!.url)
})
