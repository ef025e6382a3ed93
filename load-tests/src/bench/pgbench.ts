/**
 * The ceiling of holds and payments: what Postgres itself does on this machine, measured with
 * `pgbench`'s built-in simple-update script (`-N`: BEGIN; UPDATE one account; SELECT it; INSERT a
 * history row; END — one small write transaction, as a hold or payment is) on a scratch database of
 * its own, in the same run. As many clients as the core has connections (DB_POOL_MAX, 20), so both
 * get the same share of Postgres. pgbench comes with postgresql-client; without it the row is skipped.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import pg from 'pg'

export interface PgbenchResult {
  tps: number
  command: string
}

export interface PgbenchOptions {
  /** A database URL of the server to measure; the scratch database is made beside it. */
  adminUrl: string
  clients: number
  seconds: number
  /** `taskset -c` list for pgbench itself (the load generator's CPU), when pinned. */
  cpus?: string
  log: (line: string) => void
}

/** The pgbench binary: on PATH, or in a PostgreSQL installation's bin; null when there is none. */
export function findPgbench(): string | null {
  try {
    const found = execFileSync('which', ['pgbench'], { encoding: 'utf8' }).trim()
    if (found) return found
  } catch {}
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  for (const version of readdirSync(root).sort().reverse()) {
    const bin = `${root}/${version}/bin/pgbench`
    if (existsSync(bin)) return bin
  }
  return null
}

/** tps of `pgbench -N`, or the reason it was skipped. */
export async function runPgbench(opts: PgbenchOptions): Promise<PgbenchResult | { skipped: string }> {
  const bin = findPgbench()
  if (!bin) return { skipped: 'pgbench not found (on PATH or in /usr/lib/postgresql/*/bin): install postgresql-client to measure the ceiling' }
  const name = `rg_pgbench_${randomBytes(4).toString('hex')}`
  const url = new URL(opts.adminUrl)
  url.pathname = `/${name}`
  await admin(opts.adminUrl, `create database ${name}`)
  try {
    opts.log(`pgbench: initialising ${name} (scale 1)`)
    await run(bin, ['-i', '-q', '-s', '1', url.toString()])
    const args = ['-N', '-n', '-c', String(opts.clients), '-j', '2', '-T', String(opts.seconds), url.toString()]
    opts.log(`pgbench ${args.slice(0, -1).join(' ')} (${opts.seconds} s)`)
    const output = await run(bin, args, opts.cpus)
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1])
    if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${output}`)
    return { tps, command: `pgbench ${args.slice(0, -1).join(' ')}` }
  } finally {
    await admin(opts.adminUrl, `drop database if exists ${name} with (force)`).catch((err) => opts.log(`could not drop ${name}: ${err}`))
  }
}

function run(bin: string, args: string[], cpus?: string): Promise<string> {
  const [command, ...rest] = cpus ? ['taskset', '-c', cpus, bin, ...args] : [bin, ...args]
  return new Promise((resolve, reject) => {
    const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${bin} exited with ${code}:\n${output}`))))
  })
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
