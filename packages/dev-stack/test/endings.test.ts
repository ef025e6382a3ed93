/**
 * However `pnpm start` ends, nothing it started is left: a crashed service stops the rest, a
 * SIGTERM to pnpm (which keeps it to itself) stops everything, and after a kill -9 the services
 * stop themselves and the next start stops the private servers left behind.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { answers } from '../src/addresses.ts'
import { postmasterPidFile } from '../src/private-postgres.ts'
import { redisPidFile } from '../src/private-redis.ts'
import { waitUntil } from '../src/wait.ts'
import { alive, allGone, pidIn, runStart, whenReady } from './support.ts'

t.test('a service that crashes stops the rest, and pnpm start exits 1', async (t) => {
  const run = await runStart(t)
  await whenReady(run)
  const started = run.tree()
  // The core's log lines carry its pid (pino's default field).
  const core = Number(/^core\s+\|.*"pid":(\d+)/m.exec(run.output())?.[1])
  t.ok(started.includes(core), 'found the core')
  process.kill(core, 'SIGKILL')
  await allGone(t, run, started, 1)
  t.match(run.output(), /core exited \(killed by SIGKILL\): stopping the rest/)
})

t.test('`pnpm start` itself: a SIGTERM to pnpm (which does not pass it on) still stops everything', async (t) => {
  const run = await runStart(t, { via: 'pnpm' })
  await whenReady(run)
  const started = run.tree()
  run.proc.kill('SIGTERM')
  await run.exited
  await waitUntil('every started process gone', async () => started.every((pid) => !alive(pid)), 30_000)
  t.same(started.filter(alive), [], `none of the ${started.length} processes below pnpm is left`)
  for (const [name, port] of Object.entries(run.ports)) t.notOk(await answers({ host: '127.0.0.1', port }), `nothing listens on the ${name} port`)
})

t.test('killed outright (kill -9): the services stop themselves, and the next start stops the servers it left', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'rushgate-dev-stack-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const first = await runStart(t, { dataDir })
  await whenReady(first)
  const redis = await pidIn(redisPidFile(dataDir))
  const postgres = await pidIn(postmasterPidFile(dataDir))
  const services = first.tree().filter((pid) => pid !== redis && pid !== postgres && alive(pid))
  first.proc.kill('SIGKILL')
  await first.exited
  await waitUntil('the core and the gateway gone', async () => !(await answers({ host: '127.0.0.1', port: first.ports.core })) && !(await answers({ host: '127.0.0.1', port: first.ports.gateway })), 20_000)
  t.pass('the core and the gateway noticed and stopped')
  t.ok(alive(redis) && alive(postgres), 'the private servers are still running (nothing could tell them)')

  const second = await runStart(t, { dataDir })
  await whenReady(second)
  t.match(second.output(), new RegExp(`stopped a private server \\(pid ${redis}\\)`), 'the next start stopped the Redis left behind')
  t.match(second.output(), new RegExp(`stopped a private server \\(pid ${postgres}\\)`), 'and the Postgres')
  t.notOk(alive(redis) || alive(postgres), 'they are gone')
  const started = second.tree()
  second.proc.kill('SIGTERM')
  await allGone(t, second, [...started, ...services], 0)
})
