/** What only the gateway's tests need beyond the test kit: a stack for one test, a join by script. */
import { coreEntry } from '@rushgate/core/entry-points'
import {
  type Answer,
  admin,
  call,
  deletePrefix,
  randomPrefix,
  type StartedCore,
  type StartedGateway,
  startCore,
  startStack as startInProcess,
  testRedis,
} from '@rushgate/testkit'
import type { Redis } from 'ioredis'
import { gatewayEntry } from '../entry-points.ts'
import type { LineScripts } from '../src/queue/scripts.ts'
import { enterArguments } from '../src/queue/join-batches.ts'
import type { RedisKeys } from '../src/redis/keys.ts'
import type { ScriptReply } from '../src/redis/scripts.ts'
import type { Test } from 'tap'

export interface Stack {
  core: StartedCore
  gw: StartedGateway
}

/** A core and a gateway (with `env`) in this process, closed when the test ends. */
export async function startStack(t: Test, env: Record<string, string> = {}): Promise<Stack> {
  const stack = await startInProcess({ core: coreEntry, gateway: gatewayEntry }, { gateway: env })
  t.teardown(() => stack.close())
  return { core: stack.core, gw: stack.gateway }
}

/**
 * For replicas of one deployment: a core in this process and a fresh key prefix on the shared
 * Redis for the gateways the test starts on it. The core closes and the prefix's keys are deleted
 * when the test ends; `redis` is a connection to that Redis, for the test to read the line.
 */
export async function sharedDeployment(t: Test): Promise<{ core: StartedCore; prefix: string; redis: Redis }> {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const prefix = randomPrefix()
  const redis = testRedis()
  t.teardown(async () => {
    await deletePrefix(redis, prefix)
    redis.disconnect()
  })
  return { core, prefix, redis }
}

/** PATCHes a line's settings and hands back the answer, whatever its status (the kit's `setQueue` throws on a refusal). */
export function patchQueue(gateway: string, concertId: number, patch: Record<string, unknown>): Promise<Answer> {
  return call(gateway, 'PATCH', `/api/admin/queues/${concertId}`, { headers: admin, body: patch })
}

/** A client that can write the line's epoch. */
export type LiveLines = { set(key: string, value: string, nx: 'NX'): Promise<unknown> }

/**
 * Gives a line driven straight through its scripts an epoch, as the gateway does when it first
 * meets a line (queue/line-restore.ts): without one, every line script answers that it is gone.
 */
export async function markLive(redis: LiveLines, keys: RedisKeys, concertId: number): Promise<void> {
  await redis.set(keys.concert(concertId).epoch, 'test', 'NX')
}

/**
 * One admission tick of a line through the gateway's admission script (scripts/admit-9.lua), with no
 * inventory read (no seat bound) unless given and no latency measured: for tests that drive a line
 * the real ticks never visit. Answers { admitted, expired, abandoned }.
 */
export async function admitByScript(
  redis: Pick<LineScripts, 'rgAdmit'> & LiveLines,
  keys: RedisKeys,
  concertId: number,
  now: number,
  tick: number,
  defaults: {
    admitPerTick: number
    activeTtlSeconds: number
    ghostAfterSeconds: number
    skips?: number
    /** The core's read for this tick: available, held, holders, dates. */
    inventory?: [number, number, number, number]
    /** The active set's size read before the inventory. */
    activeBefore?: number
  },
): Promise<number[]> {
  const k = keys.concert(concertId)
  await markLive(redis, keys, concertId)
  const reply = await redis.rgAdmit(
    k.waiting,
    k.active,
    k.activeSeq,
    k.settings,
    k.state,
    k.seen,
    k.ended,
    k.seq,
    k.epoch,
    now,
    tick,
    defaults.admitPerTick,
    defaults.activeTtlSeconds,
    defaults.ghostAfterSeconds,
    defaults.skips ?? 10_000,
    '1',
    ...(defaults.inventory ?? ['', '', '', '']),
    '',
    0,
    800,
    defaults.activeBefore ?? '',
  )
  return reply.slice(0, 3) as number[]
}

/**
 * One user through the gateway's enter script (scripts/enter-n.lua) as a batch of one, at `now`,
 * with no proof of work and no address counted: for tests that build a line faster than HTTP.
 */
export async function enterByScript(
  redis: Pick<LineScripts, 'rgEnter'> & LiveLines,
  keys: RedisKeys,
  concertId: number,
  user: string,
  now: number,
  defaults: { activeTtlSeconds: number; ghostAfterSeconds: number },
): Promise<ScriptReply> {
  const join = { user, proof: { kind: 'none' as const }, address: '' }
  await markLive(redis, keys, concertId)
  const [, reply] = await redis.rgEnter(...enterArguments(keys, concertId, now, { ...defaults, joinLimitPerMinute: '' }, [join]))
  if (!reply) throw new Error('the enter script gave no answer')
  return reply
}
