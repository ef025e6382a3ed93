/**
 * The replica running the opening is killed halfway (one user placed per script call, so there is
 * a halfway): replicas started afterwards finish it, and the line opens once.
 */
import t from 'tap'
import { RedisKeys } from '../src/redis/keys.ts'
import { checkOpenedOnce, openSoon, preparedLine } from './opening-line.ts'
import { spawnGateway, waitFor } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'

t.test('when the replica running the opening is killed halfway, then another finishes it, once', async (t) => {
  // One replica at first, so the one running the opening is the one killed; two more come later.
  const line = await preparedLine(t, { replicas: 1, users: 600, batch: 1 })
  const k = new RedisKeys(line.prefix).concert(line.concertId)
  await openSoon(line, 500)
  let at = 0
  await waitFor(
    'the opening under way',
    async () => {
      const [placed, openedAt] = await line.redis.hmget(k.state, 'placed', 'openedAt')
      at = Number(placed ?? 0)
      if (openedAt) throw new Error('the opening finished before the kill')
      return at > 0
    },
    15_000,
  )
  const [runner] = await line.redis.hmget(k.state, 'openingBy')
  t.equal(Number(runner?.split(':').pop()), line.gateways[0]!.child.proc.pid, 'the killed process is the one placing')
  line.gateways[0]!.kill()
  t.ok(at < line.users.length, `killed with ${at} of ${line.users.length} placed`)
  const env = { ADMIT_INTERVAL_MS: '100', OPENING_BATCH: '50', LOG_LEVEL: 'warn' }
  for (let i = 0; i < 2; i++) {
    line.gateways.push(await spawnGateway(gatewayEntry, { coreUrl: line.core.url, internalToken: line.core.internalToken, prefix: line.prefix, env }))
  }
  await waitFor('opened by a survivor', async () => (await line.redis.hget(k.state, 'openedAt')) !== null, 30_000)
  await checkOpenedOnce(t, line, line.gateways[1]!.url)
})
