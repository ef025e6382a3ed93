/**
 * The seat bound of a tick (available − max(0, active − holders)) with the active set counted before
 * the inventory read: a turn paid between the read and the tick is still one of the holders the
 * core counted, but no longer active, and must not free a place twice.
 */
import t from 'tap'
import { admitByScript, enterByScript, startStack } from './helpers.ts'

const CONCERT = 626262

t.test('a turn paid between the inventory read and the tick frees no place', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '100000' })
  // A line the real ticks never visit (not in the concert set): only this test's calls admit.
  const { redis, keys, config } = gw.app.gateway
  const k = keys.concert(CONCERT)
  t.teardown(() => redis.del(k.prequeue, k.waiting, k.active, k.activeSeq, k.seq, k.settings, k.state, k.seen, k.ended, k.epoch))
  const now = Date.now()
  for (const u of ['a', 'b', 'c', 'd']) await enterByScript(redis, keys, CONCERT, u, now, config)
  const tick = (n: number, extra: { inventory?: [number, number, number, number]; activeBefore?: number }) =>
    admitByScript(redis, keys, CONCERT, now, now + n, { admitPerTick: 10, activeTtlSeconds: 600, ghostAfterSeconds: config.ghostAfterSeconds, ...extra })

  // Two places on sale, nothing held: a and b come in.
  t.same((await tick(1, { inventory: [2, 0, 0, 1], activeBefore: 0 }))[0], 2, 'two free places, two admitted')
  // a holds one place: one free, one held, one holder; b is active and holds nothing: nobody more.
  t.same((await tick(2, { inventory: [1, 1, 1, 1], activeBefore: 2 }))[0], 0, 'b speaks for the free place')
  t.equal(await redis.hget(k.state, 'heldBack'), 'NO_SEATS')

  // The core counted a as a holder, then a paid and its turn ended before the tick.
  await redis.zrem(k.active, 'a')
  await redis.hdel(k.activeSeq, 'a')
  t.same((await tick(3, { inventory: [1, 1, 1, 1], activeBefore: 2 }))[0], 0, 'counted before the read, b still speaks for the place')
  // What the bound gave when it counted the active set at the tick alone: a place freed twice.
  t.same((await tick(4, { inventory: [1, 1, 1, 1] }))[0], 1, 'counted at the tick alone, one too many')
})
