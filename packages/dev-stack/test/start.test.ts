/**
 * `pnpm start` against a Redis port and a Postgres port where nothing listens: it starts private
 * servers there and says so, both services get ready, and SIGTERM stops every process it started;
 * without the server programs it says what to install and starts nothing.
 */

import t from 'tap'
import { postmasterPidFile } from '../src/private-postgres.ts'
import { redisPidFile } from '../src/private-redis.ts'
import { waitUntil } from '../src/wait.ts'
import { allGone, pidIn, runStart, whenReady } from './support.ts'

t.test('nothing at the Redis and Postgres addresses: private servers run there, and SIGTERM stops everything', async (t) => {
  const run = await runStart(t)
  await whenReady(run)
  // It says so itself once it has seen the gateway ready (it polls too).
  await waitUntil('the ready line', async () => /ready: the page at http:\/\//.test(run.output()), 10_000)
  const out = run.output()
  t.match(out, new RegExp(`redis: nothing answered at 127\\.0\\.0\\.1:${run.ports.redis}, so a private redis-server runs there`), 'says so for Redis')
  t.match(out, new RegExp(`postgres: nothing answered at 127\\.0\\.0\\.1:${run.ports.postgres}, so a private PostgreSQL runs there`), 'and for Postgres')

  const redis = await pidIn(redisPidFile(run.dataDir))
  const postgres = await pidIn(postmasterPidFile(run.dataDir))
  const started = run.tree()
  t.ok(started.includes(redis) && started.includes(postgres), 'the private servers are its own children')
  const demo = await (await fetch(`http://127.0.0.1:${run.ports.gateway}/api/concerts`)).json()
  t.ok(Array.isArray(demo) && demo.length >= 3, 'the demo concerts are there')

  run.proc.kill('SIGTERM')
  await allGone(t, run, started, 0)
  t.match(run.output(), /stopped the private redis-server[\s\S]*stopped the private postgres/)
})

t.test('without redis-server installed it says in one line what to do, and starts nothing', async (t) => {
  // node is run by its full path; PATH holds nothing else.
  const run = await runStart(t, { env: { PATH: '/nonexistent' } })
  t.equal(await run.exited, 1)
  const lines = run.output().trim().split('\n')
  const problem = lines.filter((line) => line.startsWith('redis:'))
  t.equal(problem.length, 1, 'one line about Redis')
  t.match(problem[0], /redis-server is not installed: install Redis 7 .*docker compose up/)
  t.notMatch(run.output(), /postgres: nothing answered/, 'no private Postgres was started')
  t.same(run.tree(), [])
})
