/**
 * CPU time of the processes of a measurement, read from /proc/<pid>/stat (Linux), so a row can say
 * how many µs of CPU each process spent per request. On two shared cores req/s swings with whatever
 * else runs; CPU per request barely does, so it says where a ratio comes from.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Redis } from 'ioredis'
import pg from 'pg'

/** The clock tick of /proc figures: 100 Hz on every Linux this runs on (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100

/** Processes to account: a name (`server`, `redis`, `autocannon`) and its pid. */
export type Watched = Record<string, number>

/** user + system CPU of a process so far, in µs, or undefined when it cannot be read. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The name field may hold spaces and parentheses; the fields after its last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/** Reads every watched process's CPU time; call again with the result to get what each spent. */
export function snapshot(watched: Watched): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, cpuMicros(pid)]))
}

/** µs of CPU per request of each watched process between two snapshots. */
export function perRequest(
  before: Record<string, number | undefined>,
  after: Record<string, number | undefined>,
  requests: number,
): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, start] of Object.entries(before)) {
    const end = after[name]
    if (start !== undefined && end !== undefined && requests > 0) out[name] = (end - start) / requests
  }
  return out
}

/** The pid of a Redis running on this machine, or undefined (remote, or not readable). */
export async function localRedisPid(redisUrl: string): Promise<number | undefined> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])
    // Only when that pid here really is a redis-server (a remote Redis's pid means nothing here).
    return pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis-server') ? pid : undefined
  } catch {
    return undefined
  } finally {
    redis.disconnect()
  }
}

/**
 * Moves this process (autocannon runs in it) with all its threads onto the last CPU and returns the
 * `taskset` list of the others for the servers, so the load generator never takes CPU from the
 * server it measures, the baseline or the gateway alike. Undefined (nothing pinned) on one CPU or
 * without `taskset`. Redis is not ours to move: the kernel places it.
 */
export function pinLoadGenerator(): { loadGenerator: string; servers: string } | undefined {
  const cpus = availableParallelism()
  if (cpus < 2) return undefined
  const last = String(cpus - 1)
  try {
    execFileSync('taskset', ['-a', '-p', '-c', last, String(process.pid)], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  return { loadGenerator: last, servers: cpus === 2 ? '0' : `0-${cpus - 2}` }
}

/** Processes found when asked (Postgres backends come and go with the pool): a name and how to list their pids. */
export type WatchedGroups = Record<string, () => Promise<number[]>>

/** CPU µs of every process of each group so far, by pid. */
export async function groupSnapshot(groups: WatchedGroups): Promise<Record<string, Map<number, number>>> {
  const out: Record<string, Map<number, number>> = {}
  for (const [name, list] of Object.entries(groups)) {
    const cpu = new Map<number, number>()
    for (const pid of await list().catch(() => [] as number[])) {
      const us = cpuMicros(pid)
      if (us !== undefined) cpu.set(pid, us)
    }
    out[name] = cpu
  }
  return out
}

/** µs of CPU per request of each group between two snapshots (a process that started in between counts whole). */
export function groupPerRequest(
  before: Record<string, Map<number, number>>,
  after: Record<string, Map<number, number>>,
  requests: number,
): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, end] of Object.entries(after)) {
    if (requests === 0 || end.size === 0) continue
    let spent = 0
    for (const [pid, us] of end) spent += us - (before[name]?.get(pid) ?? 0)
    out[name] = spent / requests
  }
  return out
}

/** The pids of the Postgres backends serving `databaseUrl` (the core's pool), when Postgres runs here. */
export async function postgresBackends(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1))
    const r = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database])
    return r.rows.map((row) => row.pid).filter((pid) => cpuMicros(pid) !== undefined)
  } finally {
    await client.end()
  }
}
