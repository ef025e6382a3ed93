/**
 * The admission tick's inventory read has a connection of its own: with every connection of the
 * API's pool stuck (here behind a lock on the seats), a seat map waits and a balance read fails with
 * 503, while the inventory read still answers, with the right figures.
 */
import t from 'tap'
import pg from 'pg'
import { call, createConcert, query, startCore, waitFor } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '2' } })
t.teardown(() => core.close())

t.test('the inventory read answers while the main pool is exhausted', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 4, price: 100 }] })
  const scheduleId = concert.scheduleIds[0]!
  const blocker = new pg.Client({ connectionString: core.databaseUrl })
  await blocker.connect()
  t.teardown(() => blocker.end())
  await blocker.query('begin')
  await blocker.query('lock table seats in access exclusive mode')

  // Both of the API's connections wait on the lock (until the statement timeout).
  const maps = [1, 2].map(() => call(core, 'GET', `/api/concerts/${concert.id}/schedules/${scheduleId}/seats`))
  await waitFor(
    'both API connections waiting on the lock',
    async () => {
      const [row] = await query(core.databaseUrl, `select count(*)::int as n from pg_stat_activity where application_name = 'rushgate-core' and wait_event_type = 'Lock'`)
      return row.n === 2
    },
    5000,
    20,
  )

  const [balance, inventory] = await Promise.all([
    call(core, 'GET', '/api/users/me/balance', { user: 'ann' }),
    call(core, 'GET', `/api/inventory?concertIds=${concert.id}`),
  ])
  t.equal(inventory.status, 200, 'the inventory read answers')
  t.same(inventory.body, [{ concertId: concert.id, dates: 1, available: 4, held: 0, holders: 0 }])
  t.equal(balance.status, 503, 'a read on the exhausted pool fails fast')
  t.equal(balance.body.code, 'UPSTREAM_UNAVAILABLE')

  await blocker.query('rollback')
  for (const map of await Promise.all(maps)) t.ok([200, 503].includes(map.status), `a waiting seat map answers (${map.status})`)
})
