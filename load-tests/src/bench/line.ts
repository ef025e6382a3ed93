/**
 * Scale of the line: one concert with N (default 1,000,000) waiting users, the Redis memory each one
 * costs, and the latency of a position lookup at that size.
 *
 * The line is filled with the gateway's own enter script (`enter-n.lua` as the gateway sends it, from
 * apps/gateway, as EVALSHA of 100 users a call, pipelined) and its own key layout (`RedisKeys`); each join marks
 * the user present, as the gateway does, so presence is on; the tokens of a sample of the users are
 * signed with its `TokenSigner` and the stack's TOKEN_SECRET — exactly what N calls of `POST /tokens`
 * would leave, minus the HTTP. So any sampled user can then be polled through the gateway's status
 * route (ZRANK inside the status script), and the lookups are spread over the whole depth of the line.
 *
 * Memory is measured twice: `MEMORY USAGE` of every key of the concert (exact, whatever the layout,
 * immune to other users of the same Redis), and the growth of INFO `used_memory` (includes allocator
 * overhead; noisy when others use the server). The concert's keys are UNLINKed afterwards; nothing
 * else is touched.
 */
import { Headers as H } from '@rushgate/shared'
import type { RequestParams } from 'autocannon'
import { Redis } from 'ioredis'
import { RedisKeys } from '../../../apps/gateway/src/redis/keys.ts'
import { enterArguments } from '../../../apps/gateway/src/queue/join-batches.ts'
import { lineScript } from '../../../apps/gateway/src/queue/scripts.ts'
import { TokenSigner } from '../../../apps/gateway/src/queue/tokens.ts'
import { type Api, expectStatus } from '../client.ts'
import { createConcert } from '../setup.ts'
import type { Stack } from '../stack.ts'
import { measure, type Row } from './measure.ts'

const ENTER = lineScript('rgEnter')
const BATCH = 2000
/** Users per call of the enter script, as the gateway batches the joins of one turn. */
const PER_CALL = 100
/** As the bench's gateway runs, counting no client address. */
const DEFAULTS = { activeTtlSeconds: 600, ghostAfterSeconds: 300, joinLimitPerMinute: '' as const }
/** Tokens kept for the lookups: enough to spread them over the whole line. */
const SAMPLE = 20_000

export interface LineResult {
  waiting: number
  method: string
  fillMs: number
  /** MEMORY USAGE of all the concert's keys */
  memoryBytes: number
  bytesPerUser: number
  keys: Record<string, number>
  /** growth of INFO used_memory over the fill */
  usedMemoryDelta: number
  encoding: Record<string, string>
  poll: Row
  /** the same lookup over one connection */
  single: Row
  /** ZRANK alone, round trip from this process, ms */
  zrankP50: number
  zrankP99: number
}

/**
 * Puts `waiting` users (`<userPrefix><i>`) in the concert's line with the gateway's own enter script,
 * pipelined; returns the signed tokens of about SAMPLE of them, spread over the whole depth.
 */
export async function fillLine(
  redis: Redis,
  redisKeys: RedisKeys,
  o: { concertId: number; waiting: number; userPrefix: string; signer: TokenSigner; log: (l: string) => void },
): Promise<{ user: string; token: string }[]> {
  const { concertId, waiting, userPrefix, signer, log } = o
  const sha = (await redis.script('LOAD', ENTER.lua)) as string
  const every = Math.max(1, Math.floor(waiting / SAMPLE))
  const sample: { user: string; token: string }[] = []
  for (let from = 0; from < waiting; from += BATCH) {
    const pipeline = redis.pipeline()
    const now = Date.now()
    const users: string[] = []
    for (let i = from; i < Math.min(waiting, from + BATCH); i++) users.push(`${userPrefix}${i}`)
    for (let i = 0; i < users.length; i += PER_CALL) {
      const joins = users.slice(i, i + PER_CALL).map((user) => ({ user, proof: { kind: 'none' as const }, address: '' }))
      pipeline.evalsha(sha, ...(enterArguments(redisKeys, concertId, now, DEFAULTS, joins) as [number, ...string[]]))
    }
    const results = (await pipeline.exec()) ?? []
    results.forEach(([err, answers], call) => {
      if (err) throw err
      // The script answers the settings, then per user its status and turn; the gateway signs the turn into the token the same way.
      ;(answers as unknown[][]).slice(1).forEach((reply, j) => {
        const i = from + call * PER_CALL + j
        if (i % every === 0) {
          const user = users[call * PER_CALL + j]!
          sample.push({ user, token: signer.issue(user, concertId, Number(reply[1])) })
        }
      })
    })
    if ((from / BATCH) % 50 === 0) log(`line: ${from.toLocaleString('en-US')} users in`)
  }
  return sample
}

export async function runLineBench(o: { stack: Stack; api: Api; waiting: number; runId: string; log: (l: string) => void }): Promise<LineResult> {
  const { stack, api, waiting, runId, log } = o
  const concert = await createConcert(api, `bench line ${runId}`, 10)
  // Paused: the admission tick leaves the line alone while it is measured.
  expectStatus(await api.patchQueue(concert.id, { paused: true }), 200, 'pause')
  const keys = new RedisKeys(stack.redisPrefix).concert(concert.id)
  const signer = new TokenSigner(stack.tokenSecret)
  const redis = new Redis(stack.redisUrl)
  try {
    const usedBefore = await usedMemory(redis)
    const started = performance.now()
    const sample = await fillLine(redis, new RedisKeys(stack.redisPrefix), { concertId: concert.id, waiting, userPrefix: `w${runId}-`, signer, log })
    const fillMs = performance.now() - started
    const usedAfter = await usedMemory(redis)
    const usage: Record<string, number> = {}
    const encoding: Record<string, string> = {}
    for (const key of await concertKeys(redis, stack.redisPrefix, concert.id)) {
      const name = key.slice(key.lastIndexOf(':') + 1)
      usage[name] = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))
      encoding[name] = String(await redis.call('OBJECT', 'ENCODING', key))
    }
    const memoryBytes = Object.values(usage).reduce((a, b) => a + b, 0)
    log(`line: ${waiting} users in ${(fillMs / 1000).toFixed(1)} s, ${memoryBytes} bytes; measuring lookups`)

    let n = 0
    const setupRequest = (req: RequestParams) => {
      // A stride through the sample visits the front, the middle and the back of the line alike.
      const s = sample[(n++ * 7919) % sample.length]!
      return { ...req, headers: { [H.userId]: s.user, [H.queueToken]: s.token } }
    }
    const poll = await measure(
      {
        bench: 'line',
        name: `GET …/tokens/current, ${waiting.toLocaleString('en-US')} waiting`,
        url: stack.gatewayUrl,
        requests: [{ method: 'GET', path: `/api/queues/${concert.id}/tokens/current`, setupRequest }],
      },
      { connections: 100, duration: 10 },
    )
    // The same lookup one at a time: the latency of the path itself, without 100 connections queueing
    // on two cores; and ZRANK alone, timed from here, at the same depths.
    const single = await measure(
      {
        bench: 'line',
        name: `same, 1 connection`,
        url: stack.gatewayUrl,
        requests: [{ method: 'GET', path: `/api/queues/${concert.id}/tokens/current`, setupRequest }],
      },
      { connections: 1, duration: 5 },
    )
    const zrank: number[] = []
    for (let i = 0; i < 5000; i++) {
      const s = sample[(i * 7919) % sample.length]!
      const t = performance.now()
      await redis.zrank(keys.waiting, s.user)
      zrank.push(performance.now() - t)
    }
    zrank.sort((a, b) => a - b)
    return {
      waiting,
      single,
      zrankP50: zrank[Math.floor(zrank.length * 0.5)]!,
      zrankP99: zrank[Math.floor(zrank.length * 0.99)]!,
      method: "with the gateway's enter-n.lua (EVALSHA of 100 users, pipelined in batches of 2,000; presence marked at each join) and its key layout",
      fillMs,
      memoryBytes,
      bytesPerUser: memoryBytes / waiting,
      keys: usage,
      usedMemoryDelta: usedAfter - usedBefore,
      encoding,
      poll,
    }
  } finally {
    // UNLINK frees a million-element key in the background: Redis stays responsive.
    const left = await concertKeys(redis, stack.redisPrefix, concert.id)
    if (left.length > 0) await redis.unlink(...left)
    redis.disconnect()
  }
}

/** Every key of one concert (they share its hash tag), found with SCAN. */
async function concertKeys(redis: Redis, prefix: string, concertId: number): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:{c:${concertId}}:*`, 'COUNT', 1000)
    cursor = next
    keys.push(...found)
  } while (cursor !== '0')
  return keys
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
}
