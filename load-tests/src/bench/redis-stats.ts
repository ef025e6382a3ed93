/** What a Redis server says it has run, from INFO commandstats (scripts' inner calls included). */
import type { Redis } from 'ioredis'

/** Calls of each command so far. */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats')
  const calls = new Map<string, number>()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1] as string, Number(m[2]))
  return calls
}

export const totalOf = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0)

/** What ran between two counts, most first (the `most` first only): `hincrby 12, evalsha 5, …`. */
export function breakdown(before: Map<string, number>, after: Map<string, number>, most = Number.POSITIVE_INFINITY): string {
  return [...after]
    .map(([name, n]) => [name, n - (before.get(name) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, most)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ')
}
