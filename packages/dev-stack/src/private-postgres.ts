/**
 * A private PostgreSQL for `pnpm start`: a cluster of its own in `<data>/postgres` (initdb on the
 * first start, trust authentication, so the core's DATABASE_URL needs no password), listening on
 * the address the core will use, over TCP only (no Unix socket to clash with the machine's own
 * server), its output in `<data>/postgres.log`. The core creates its database on first start.
 * Postgres refuses to run as root: as root it runs as the `postgres` OS user, who owns the cluster.
 */
import { execFile } from 'node:child_process'
import { closeSync, existsSync, readFileSync } from 'node:fs'
import { chmod, chown, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Address } from './addresses.ts'
import type { PostgresBinaries } from './binaries.ts'
import { runToEnd, startChild, type Supervised, untilReady } from './children.ts'
import { stopLeftover } from './leftovers.ts'
import { openLog, tailOf } from './server-log.ts'

const run = promisify(execFile)

export const postgresDir = (dataDir: string) => join(dataDir, 'postgres')
export const postmasterPidFile = (dataDir: string) => join(postgresDir(dataDir), 'postmaster.pid')

export type OsUser = { uid: number; gid: number }

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
  const [, , uid, gid] = entry.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

/** Stops a private Postgres an earlier, killed `pnpm start` left behind (fast shutdown); its pid, or null. */
export const stopLeftoverPostgres = (dataDir: string) => stopLeftover(postmasterPidFile(dataDir), 'postgres', 'SIGINT')

async function initCluster(bin: PostgresBinaries, superuser: string, dataDir: string, user: OsUser | undefined, logFile: string) {
  const dir = postgresDir(dataDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  if (user) {
    // The postgres user must reach its folder through ours, and own it.
    await chmod(dataDir, 0o755)
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
  if (!existsSync(join(postgresDir(dataDir), 'PG_VERSION'))) await initCluster(bin, superuser, dataDir, user, logFile)
  const log = openLog(logFile)
  const child = startChild(
    'postgres',
    bin.postgres,
    ['-D', postgresDir(dataDir), '-p', String(address.port), '-c', `listen_addresses=${address.host}`, '-c', 'unix_socket_directories='],
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
