/**
 * CPU time of the processes of a measurement, read from /proc/<pid>/stat (Linux), so a row can say
 * how many µs of CPU each process spent per request. On two shared cores req/s swings with whatever
 * else runs; CPU per request barely does, so it says where a ratio comes from.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Redis } from 'ioredis'

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
