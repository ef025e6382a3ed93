/**
 * A private PostgreSQL 15 cluster on a free loopback port, so a test can stop it, crash it
 * (`-m immediate`) and start it again without touching the shared server. Tests run as root;
 * Postgres refuses to, so then every command runs as the `postgres` OS user (`PG_BIN` overrides
 * where the binaries are).
 */
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { run } from './child-process.ts'
import { freePort, waitFor } from './ports.ts'

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
/** Postgres will not run as root: as root, every command runs as the `postgres` OS user. */
const AS_ROOT = process.getuid?.() === 0

export type StopMode = 'smart' | 'fast' | 'immediate'

export interface PrivatePostgres {
  port: number
  /** A connection string for one database of this cluster (default `postgres`). */
  url(database?: string): string
  createDatabase(name: string): Promise<string>
  start(): Promise<void>
  stop(mode?: StopMode): Promise<void>
  /** `pg_ctl restart -m <mode>`; `immediate` is a crash: no checkpoint, recovery from WAL on start. */
  restart(mode?: StopMode): Promise<void>
  /** Stops the cluster and removes its directory. */
  close(): Promise<void>
}

const asPostgres = (command: string, args: string[]) =>
  AS_ROOT ? run('runuser', ['-u', 'postgres', '--', `${BIN}/${command}`, ...args]) : run(`${BIN}/${command}`, args)

async function giveToPostgres(dir: string): Promise<void> {
  if (!AS_ROOT) return
  const uid = Number((await run('id', ['-u', 'postgres'])).trim())
  const gid = Number((await run('id', ['-g', 'postgres'])).trim())
  await chown(dir, uid, gid)
}

async function ready(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

export async function startPostgres(): Promise<PrivatePostgres> {
  const port = await freePort()
  const root = await mkdtemp(join(tmpdir(), 'rushgate-pg-'))
  await giveToPostgres(root)
  const data = join(root, 'data')
  await asPostgres('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'])
  // The socket lives in the private directory; fsync is off because the OS never crashes in a test
  // (an immediate stop still loses everything not in the WAL, which is what the tests need).
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(root, 'log'), ...args])
  const start = async () => {
    await pgCtl('-o', options, '-w', '-t', '30', 'start')
    await waitFor(`postgres on ${port}`, () => ready(url()), 15_000, 100)
  }
  const stop = async (mode: StopMode = 'fast') => {
    await pgCtl('-m', mode, '-w', '-t', '30', 'stop')
  }
  await start()
  return {
    port,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() })
      await client.connect()
      try {
        await client.query(`create database "${name.replace(/"/g, '')}"`)
      } finally {
        await client.end()
      }
      return url(name)
    },
    start,
    stop,
    async restart(mode = 'fast') {
      await stop(mode)
      await start()
    },
    async close() {
      await stop('immediate').catch(() => {})
      await rm(root, { recursive: true, force: true })
    },
  }
}
