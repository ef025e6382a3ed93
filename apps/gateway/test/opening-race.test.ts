/**
 * Three gateway processes and three more runs from this process race to open one line (a slow
 * opening, placed five users per script call, so tick jobs of several replicas overlap it): the
 * line opens once.
 */
import t from 'tap'
import { Opening } from '../src/queue/opening.ts'
import { withLineScripts } from '../src/queue/scripts.ts'
import { RedisKeys } from '../src/redis/keys.ts'
import { checkOpenedOnce, openSoon, preparedLine, quiet } from './opening-line.ts'
import { call, testRedis, waitFor } from '@rushgate/testkit'

t.test('when three replicas and three more runs race to open a line, then it opens once', async (t) => {
  const line = await preparedLine(t, { replicas: 3, users: 600, batch: 5 })
  await openSoon(line, 800)
  // Three more runs from here, as replicas whose tick jobs overlap would: started at the opening.
  const keys = new RedisKeys(line.prefix)
  const racers = [0, 1, 2].map(() => {
    const client = withLineScripts(testRedis())
    t.teardown(() => client.disconnect())
    return new Opening(client, keys, 7, quiet)
  })
  await waitFor('opensAt', async () => (await call(line.gateways[1]!.url, 'GET', `/api/queues/${line.concertId}`)).body.state !== 'PREQUEUE')
  const results = await Promise.all(racers.map((r) => r.run(line.concertId)))
  t.same(results, [true, true, true], 'every run sees the line opened')
  await checkOpenedOnce(t, line, line.gateways[2]!.url)
})
