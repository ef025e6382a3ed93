/**
 * REDIS_WAIT_REPLICAS=1: a join is answered only once a replica has its place; with the replica
 * gone the WAIT times out, the join, the leave and the ticks still go on, and each timeout counts
 * in rushgate_redis_wait_timeouts_total. A private primary and a replica of it; the shared Redis is
 * never touched.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import { as, call, createConcert, enter, startCore, startGateway, startRedis, waitActive, waitFor } from '@rushgate/testkit'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'
import { RedisKeys } from '../src/redis/keys.ts'

async function waitTimeouts(url: string): Promise<number> {
  const text = (await call(url, 'GET', '/metrics')).text
  const line = text.split('\n').find((l) => l.startsWith('rushgate_redis_wait_timeouts_total'))
  return Number(line?.split(' ')[1] ?? Number.NaN)
}

t.test('joins wait for the replica; without it they time out, still answer, and are counted', async (t) => {
  const primary = await startRedis()
  const replica = await startRedis({ replicaOf: primary.port })
  t.teardown(async () => {
    await replica.close()
    await primary.close()
  })
  const linked = async () => (await replica.command('INFO', 'replication')).includes('master_link_status:up')
  await waitFor('the replica in sync', linked, 10_000)
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const gw = await startGateway(gatewayEntry, {
    coreUrl: core.url,
    internalToken: core.internalToken,
    env: { REDIS_URL: primary.url, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '100', ADMIT_INTERVAL_MS: '100' },
  })
  t.teardown(() => gw.close())
  const keys = new RedisKeys(gw.prefix)
  const concert = await createConcert(gw.url, 500)
  await call(gw.url, 'PATCH', `/api/admin/queues/${concert.id}`, { headers: { authorization: 'Bearer test-admin-token-0123456789' }, body: { paused: true } })

  // Every join answered is on the replica when its answer arrives: checked at once, join by join.
  const onReplica = async (user: string) => {
    const k = keys.concert(concert.id)
    // Waiting, or already admitted by a tick.
    for (const line of [k.waiting, k.active]) if (!(await replica.command('ZSCORE', line, user)).startsWith('$-1')) return true
    return false
  }
  const users = Array.from({ length: 60 }, (_, i) => `wait-user-${i}`)
  const missing: string[] = []
  await Promise.all(
    users.map(async (user) => {
      const res = await enter(gw.url, concert.id, user)
      t.equal(res.status, 201, `${user} joined`)
      if (!(await onReplica(user))) missing.push(user)
    }),
  )
  t.same(missing, [], 'every answered join was already on the replica')
  t.equal(await waitTimeouts(gw.url), 0, 'no WAIT timed out while the replica was there')

  // The replica goes: joins and leaves still answer, after a WAIT that times out.
  await replica.kill()
  const late = await Promise.all(['late-1', 'late-2', 'late-3'].map((user) => enter(gw.url, concert.id, user)))
  for (const res of late) t.equal(res.status, 201, 'a join answers without the replica')
  const left = await call(gw.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: as('late-3', late[2]!.body.token) })
  t.equal(left.status, 204, 'a leave answers without the replica')
  const timedOut = await waitTimeouts(gw.url)
  t.ok(timedOut >= 2, `the join batch and the leave timed out and were counted (${timedOut})`)
  // The ticks go on too (each one's WAIT times out as well).
  await call(gw.url, 'PATCH', `/api/admin/queues/${concert.id}`, { headers: { authorization: 'Bearer test-admin-token-0123456789' }, body: { paused: false } })
  await waitActive(gw.url, concert.id, users[0]!, (await enter(gw.url, concert.id, users[0]!)).body.token, 20_000)
  t.ok((await waitTimeouts(gw.url)) > timedOut, 'and the ticks’ WAITs count as well')

  // Back in sync: waits succeed again, the counter stops.
  await replica.start()
  await waitFor('the replica in sync again', linked, 20_000)
  const settled = await waitTimeouts(gw.url)
  const after = await enter(gw.url, concert.id, 'after-1')
  t.equal(after.status, 201)
  t.ok(await onReplica('after-1'), 'on the replica when answered')
  // The ticks that ran during the resync may have timed out; a fresh join's own WAIT did not.
  t.ok((await waitTimeouts(gw.url)) - settled <= 1, 'no join timed out once the replica was back')
})
