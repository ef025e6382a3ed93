/**
 * `pnpm start` as root from a folder only root can enter (a clone under /root): Postgres runs as
 * the `postgres` user, who cannot reach the data folder there, so the cluster goes under that
 * user's home; the start says where, gets ready, and stops everything on SIGTERM.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { canReach, postgresDir, postgresOsUser, postmasterPidFile } from '../src/private-postgres.ts'
import { waitUntil } from '../src/wait.ts'
import { allGone, pidIn, runStart, whenReady } from './support.ts'

const user = postgresOsUser()
if (!user) {
  t.skip(process.getuid?.() === 0 ? 'no postgres OS user on this machine' : 'as root only (as another user Postgres runs as that user)', () => {})
} else {
  t.test('started as root from a folder only root can enter: the cluster goes where postgres can reach it', async (t) => {
    const closed = await mkdtemp(join(tmpdir(), 'rushgate-root-only-'))
    await chmod(closed, 0o700)
    const dataDir = join(closed, '.rushgate')
    const cluster = postgresDir(dataDir, user)
    t.teardown(async () => {
      await rm(closed, { recursive: true, force: true })
      await rm(cluster, { recursive: true, force: true })
    })
    t.notOk(canReach(user, closed), 'the postgres user cannot enter the folder')
    t.ok(cluster.startsWith(`${user.home}/`), `the cluster goes under ${user.home}`)
    t.ok(canReach(user, cluster), 'which it can reach')

    const run = await runStart(t, { dataDir })
    await whenReady(run)
    await waitUntil('the postgres line', async () => /postgres: nothing answered/.test(run.output()), 10_000)
    t.match(run.output(), `data in ${cluster}, since the postgres user cannot reach ${dataDir}`, 'the one line says where the data is, and why')
    const postgres = await pidIn(postmasterPidFile(dataDir))
    const started = run.tree()
    t.ok(started.includes(postgres), 'the private Postgres is its own child')
    const concerts = await (await fetch(`http://127.0.0.1:${run.ports.gateway}/api/concerts`)).json()
    t.ok(Array.isArray(concerts) && concerts.length >= 3, 'the core migrated and seeded it')

    run.proc.kill('SIGTERM')
    await allGone(t, run, started, 0)
  })
}
