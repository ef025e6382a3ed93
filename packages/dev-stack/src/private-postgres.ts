/**
 * A private PostgreSQL for `pnpm start`: a cluster of its own in `<data>/postgres` (initdb on the
 * first start, trust authentication, so the core's DATABASE_URL needs no password), listening on
 * the address the core will use, over TCP only (no Unix socket to clash with the machine's own
 * server), its output in `<data>/postgres.log`. The core creates its database on first start.
 * Postgres refuses to run as root: as root it runs as the `postgres` OS user, who owns the cluster,
 * and where that user cannot reach the data folder (a clone under /root, mode 700) the cluster goes
 * under that user's home directory instead, one per data folder.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, existsSync, readFileSync, statSync } from 'node:fs'
import { chmod, chown, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Address } from './addresses.ts'
import type { PostgresBinaries } from './binaries.ts'
import { runToEnd, startChild, type Supervised, untilReady } from './children.ts'
import { stopLeftover } from './leftovers.ts'
import { openLog, tailOf } from './server-log.ts'

const run = promisify(execFile)

export type OsUser = { uid: number; gid: number; home: string }

/** Whether `user` may enter `dir` and every folder above it (by the owner, group and other bits). */
export function canReach(user: OsUser, dir: string): boolean {
  for (let at = resolve(dir); ; at = dirname(at)) {
    let stat: ReturnType<typeof statSync>
    try {
      stat = statSync(at)
    } catch {
      // Not created yet: made by us, as the folders below a reachable one are, with the default mode.
      if (at === dirname(at)) return true
      continue
    }
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001
    if ((stat.mode & bit) === 0) return false
    if (at === dirname(at)) return true
  }
}

/**
 * The cluster's folder: `<data>/postgres`, or, when Postgres runs as another user who cannot reach
 * the folder `<data>` is in, `<that user's home>/rushgate-<hash of the data folder>`.
 */
export function postgresDir(dataDir: string, user = postgresOsUser()): string {
  if (!user || canReach(user, dirname(resolve(dataDir)))) return join(dataDir, 'postgres')
  return join(user.home, `rushgate-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`)
}
export const postmasterPidFile = (dataDir: string) => join(postgresDir(dataDir), 'postmaster.pid')

/**
 * Who runs Postgres: this user (undefined), or the `postgres` OS user when this is root; null
 * when this is root and there is no `postgres` user.
 */
export function postgresOsUser(): OsUser | undefined | null {
  if (process.getuid?.() !== 0) return undefined
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('postgres:'))
  if (!entry) return null
  const [, , uid, gid, , home] = entry.split(':')
  return { uid: Number(uid), gid: Number(gid), home: home || '/var/lib/postgresql' }
}

/** Stops a private Postgres an earlier, killed `pnpm start` left behind (fast shutdown); its pid, or null. */
export const stopLeftoverPostgres = (dataDir: string) => stopLeftover(postmasterPidFile(dataDir), 'postgres', 'SIGINT')

async function initCluster(bin: PostgresBinaries, superuser: string, dataDir: string, user: OsUser | undefined, logFile: string) {
  const dir = postgresDir(dataDir, user)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  if (user) {
    // The postgres user must own its folder and reach it (through ours, when it is in ours).
    if (dir.startsWith(resolve(dataDir))) await chmod(dataDir, 0o755)
    await chown(dir, user.uid, user.gid)
  }
  const log = openLog(logFile)
  try {
    await runToEnd('initdb', bin.initdb, ['-D', dir, '-U', superuser, '--auth=trust', '-E', 'UTF8', '--locale=C'], { output: log, user })
  } catch (err) {
    throw new Error(`${(err as Error).message}; the end of ${logFile}:\n${tailOf(logFile)}`)
  } finally {
    closeSync(log)
  }
}

export async function startPrivatePostgres(
  bin: PostgresBinaries,
  address: Address,
  superuser: string,
  dataDir: string,
  user: OsUser | undefined,
): Promise<Supervised> {
  const logFile = join(dataDir, 'postgres.log')
  if (!existsSync(join(postgresDir(dataDir, user), 'PG_VERSION'))) await initCluster(bin, superuser, dataDir, user, logFile)
  const log = openLog(logFile)
  const child = startChild(
    'postgres',
    bin.postgres,
    ['-D', postgresDir(dataDir, user), '-p', String(address.port), '-c', `listen_addresses=${address.host}`, '-c', 'unix_socket_directories='],
    { output: log, user },
  )
  closeSync(log)
  const ready = () =>
    run(bin.pgIsready, ['-q', '-h', address.host, '-p', String(address.port)]).then(
      () => true,
      () => false,
    )
  try {
    await untilReady(child, 'postgres', ready, 30_000)
  } catch (err) {
    await child.stop('SIGQUIT', 5_000)
    throw new Error(`${(err as Error).message}; the end of ${logFile}:\n${tailOf(logFile)}`)
  }
  // SIGINT is Postgres's fast shutdown: sessions are ended, the cluster is checkpointed.
  return { child, stop: () => child.stop('SIGINT', 20_000) }
}
