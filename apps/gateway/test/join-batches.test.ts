/**
 * Joins batched per turn (src/queue/join-batches.ts): the joins of one turn are one call of the
 * enter script, yet each user is entered as alone — one place per user, places in arrival order,
 * the address limit and a spent proof counted join by join — and two replicas' batches racing on
 * one line still give every user exactly one place.
 */
import t, { type Test } from 'tap'
import { JoinBatches, type Join, type JoinAnswer } from '../src/queue/join-batches.ts'
import type { LineScripts } from '../src/queue/scripts.ts'
import { enterByScript, startStack } from './helpers.ts'

const none = { kind: 'none' } as const

t.test('joins batched per turn', async (t) => {
  const { gw } = await startStack(t, { ADMIT_INTERVAL_MS: '100000' })
  const { redis, keys, config } = gw.app.gateway
  // Lines the ticks never visit (not in the concert set): only this test's joins touch them.
  let nextConcert = 727_000
  const line = (t: Test) => {
    const id = nextConcert++
    const k = keys.concert(id)
    const minute = Math.floor(Date.now() / 60_000)
    t.teardown(() =>
      redis.del(k.prequeue, k.waiting, k.active, k.activeSeq, k.seq, k.settings, k.state, k.seen, k.ended, k.epoch, keys.joins(id, minute), keys.joins(id, minute + 1)),
    )
    // The line's epoch, as the gateway writes it when it first meets a line (sent before any join).
    void redis.set(k.epoch, 'test')
    return { id, k }
  }
  /** The real script, with its calls counted. */
  const counted = () => {
    const calls: number[] = []
    const scripts: Pick<LineScripts, 'rgEnter'> = {
      rgEnter: (...args) => {
        // numkeys less the eleven keys of the line: one per join.
        calls.push(Number(args[0]) - 11)
        return redis.rgEnter(...args)
      },
    }
    return { scripts, calls }
  }
  const join = (user: string, extra: Partial<Join> = {}): Join => ({ user, proof: none, address: '10.0.0.1', ...extra })

  t.test('one turn is one call per hundred joins; one place per user, in the order they came', async (t) => {
    const { id, k } = line(t)
    const { scripts, calls } = counted()
    const batches = new JoinBatches(scripts, keys, { ...config, joinLimitPerMinute: 1_000_000 })
    // A turn before: Redis (on a cluster, this slot's node) has the script from now on. Until then
    // a call is retried as EVAL when its EVALSHA is refused, and the next call may overtake it.
    await batches.enter(id, join('first'))
    calls.length = 0
    // 240 users; every tenth asks twice, the second time later in the same turn.
    const order: string[] = []
    for (let i = 0; i < 240; i++) {
      order.push(`u${i}`)
      if (i % 10 === 9) order.push(`u${i - 5}`)
    }
    const answers = await Promise.all(order.map((u) => batches.enter(id, join(u))))
    t.same(calls, [100, 100, 64], 'three calls, of at most a hundred joins each')

    const first = new Map<string, JoinAnswer>()
    for (const [i, u] of order.entries()) {
      const a = answers[i]!
      t.equal(a.reply[0], 'WAITING')
      const seen = first.get(u)
      if (seen) {
        t.equal(a.reply[2], 0, `${u} again: no new place`)
        t.equal(a.reply[1], seen.reply[1], `${u} again: the same turn`)
      } else {
        t.equal(a.reply[2], 1, `${u}: a new place`)
        first.set(u, a)
      }
    }
    const turns = [...first.values()].map((a) => Number(a.reply[1]))
    t.same(turns, [...turns].sort((a, b) => a - b), 'turns rise in arrival order')
    t.equal(new Set(turns).size, 240, 'no two users share a turn')
    t.equal(await redis.get(k.seq), '241', 'a turn drawn for each new place, none for a user asking again')
    t.same(await redis.zrange(k.waiting, '0', '-1'), ['first', ...first.keys()], 'the line is the arrival order')
    for (const [u, a] of first) {
      if (Number(a.reply[4]) !== (await redis.zrank(k.waiting, u))! + 1) t.fail(`${u}'s place is its rank in the line`)
    }
    t.equal(answers[0]!.line.ghostAfterSeconds, config.ghostAfterSeconds, 'the settings read once come back to every join')
  })

  t.test("two replicas' batches racing on one line: every user one place", async (t) => {
    const { id, k } = line(t)
    const a = new JoinBatches(redis, keys, { ...config, joinLimitPerMinute: 1_000_000 })
    const b = new JoinBatches(redis, keys, { ...config, joinLimitPerMinute: 1_000_000 })
    const users = Array.from({ length: 300 }, (_, i) => `r${i}`)
    // Both replicas take every user, in opposite orders, turn after turn.
    const asked: string[] = []
    const answers: Promise<JoinAnswer>[] = []
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) {
        const [x, y] = [users[round * 100 + i]!, users[299 - round * 100 - i]!]
        asked.push(x, y)
        answers.push(a.enter(id, join(x)), b.enter(id, join(y)))
      }
      await new Promise((r) => setImmediate(r))
    }
    const replies = await Promise.all(answers)
    const turnOf = new Map<string, number>()
    let created = 0
    for (const [i, r] of replies.entries()) {
      const u = asked[i]!
      if (r.reply[2] === 1) created++
      const turn = Number(r.reply[1])
      if (turnOf.has(u)) t.equal(turn, turnOf.get(u), `${u}: one turn whichever replica asked`)
      else turnOf.set(u, turn)
    }
    t.equal(created, 300, 'one new place per user')
    t.equal(await redis.zcard(k.waiting), 300)
    t.equal(await redis.get(k.seq), '300', 'no turn drawn for a join that found a place')
  })

  t.test('the address limit and a spent proof count join by join inside a batch', async (t) => {
    const { id, k } = line(t)
    const batches = new JoinBatches(redis, keys, { ...config, joinLimitPerMinute: 3 })
    const limited = await Promise.all(['a1', 'a2', 'a3', 'a4', 'a5'].map((u) => batches.enter(id, join(u, { address: '10.9.9.9' }))))
    t.same(
      limited.map((a) => a.reply[0]),
      ['WAITING', 'WAITING', 'WAITING', 'JOIN_LIMITED', 'JOIN_LIMITED'],
    )
    t.equal(await redis.zcard(k.waiting), 3, 'a refused join takes no place')

    await redis.hset(k.settings, 'proofOfWork', '16')
    const proof = { kind: 'valid', challenge: `c${id}`, ttlMs: 60_000 } as const
    t.teardown(() => redis.del(keys.proofUsed(id, proof.challenge)))
    const spent = await Promise.all(['p1', 'p2'].map((u) => batches.enter(id, join(u, { proof, address: '10.8.8.8' }))))
    t.same(
      spent.map((a) => a.reply[0]),
      ['WAITING', 'PROOF_INVALID'],
      'one solution takes one place, even twice in one call',
    )
    t.equal(spent[1]!.reply[2], 'used')
  })

  t.test("what a join changes, the next join of the batch sees: an address's count, the active turns", async (t) => {
    const { id, k } = line(t)
    const batches = new JoinBatches(redis, keys, { ...config, joinLimitPerMinute: 3 })
    const x = { address: '10.1.1.1' }
    const y = { address: '10.2.2.2' }
    await Promise.all([batches.enter(id, join('x1', x)), batches.enter(id, join('x2', x))])
    const mixed = await Promise.all(['x3', 'y1', 'x4', 'y2', 'x5'].map((u) => batches.enter(id, join(u, u.startsWith('x') ? x : y))))
    t.same(
      mixed.map((a) => a.reply[0]),
      ['WAITING', 'WAITING', 'JOIN_LIMITED', 'WAITING', 'JOIN_LIMITED'],
      'the count of the turn before and of this batch, per address',
    )
    const joinsKey = keys.joins(id, Math.floor(Date.now() / 60_000))
    t.same(await redis.hgetall(joinsKey), { '10.1.1.1': '3', '10.2.2.2': '2' }, 'written back once per address')
    t.ok((await redis.pttl(joinsKey)) > 60_000, 'the minute is kept one minute beyond')

    // Three active turns, one of them run out and not yet cleaned up by a tick.
    const now = Date.now()
    await redis.zadd(k.active, now - 1000, 'gone', now + 60_000, 'on1', now + 60_000, 'on2')
    await redis.hset(k.activeSeq, { gone: '900001', on1: '900002', on2: '900003' })
    const b2 = new JoinBatches(redis, keys, { ...config, joinLimitPerMinute: 1_000_000 })
    const [w1, back, w2] = await Promise.all(['w1', 'gone', 'w2'].map((u) => b2.enter(id, join(u))))
    t.equal(w1!.reply[6], 3, 'three active turns counted before')
    t.equal(back!.reply[0], 'WAITING', 'a turn that ran out takes a new place')
    t.equal(back!.reply[6], 2, 'and is no longer counted')
    t.equal(w2!.reply[6], 2, 'by the next join either')
  })

  t.test('places, estimates and presence inside a batch: the line and the pre-queue counted as they grow', async (t) => {
    const { id, k } = line(t)
    await redis.hset(k.settings, 'ghostAfterSeconds', '2')
    const long = Date.now() - 10_000
    const b = new JoinBatches(redis, keys, { ...config, joinLimitPerMinute: 1_000_000 })
    // g1 last seen long ago (its place is lost), w1 just now.
    await enterByScript(redis, keys, id, 'g1', long, config)
    await b.enter(id, join('w1'))
    const [n1, g1, w1, n2] = await Promise.all(['n1', 'g1', 'w1', 'n2'].map((u) => b.enter(id, join(u))))
    t.same([n1!.reply[3], n1!.reply[2]], [3, 1], 'n1: a new place, third')
    t.same([g1!.reply[3], g1!.reply[2], g1!.reply[11]], [3, 1, 1], 'g1: its lost place ended, a new one third')
    t.same([w1!.reply[3], w1!.reply[2]], [1, 0], 'w1: its own place, first now')
    t.same([n2!.reply[3], n2!.reply[2]], [4, 1], 'n2: fourth')
    t.same(await redis.zrange(k.waiting, '0', '-1'), ['w1', 'n1', 'g1', 'n2'])
    const second = Math.ceil(Date.now() / 1000)
    for (const a of [n1, g1, w1, n2]) {
      const [mark] = (await redis.bitfield(k.seen, 'GET', 'u32', `#${a!.reply[1]}`)) as number[]
      t.ok(mark! >= second - 2 && mark! <= second, `turn ${a!.reply[1]} marked present`)
    }

    // Before the opening: the pre-queue's estimate (its middle) grows with each new place.
    const { id: pid, k: pk } = line(t)
    await redis.hset(pk.settings, 'opensAt', String(Date.now() + 600_000))
    await redis.hset(pk.state, 'seedCommitment', 'c0ffee')
    const pre = await Promise.all(['q1', 'q2', 'q3', 'q1', 'q4', 'q5'].map((u) => b.enter(pid, join(u))))
    t.same(
      pre.map((a) => [a.reply[0], a.reply[2], a.reply[4]]),
      [
        ['PREQUEUE', 1, 1],
        ['PREQUEUE', 1, 1],
        ['PREQUEUE', 1, 2],
        ['PREQUEUE', 0, 2],
        ['PREQUEUE', 1, 2],
        ['PREQUEUE', 1, 3],
      ],
    )
    t.equal(await redis.zcard(pk.prequeue), 5)
  })

  t.test('a call Redis refuses fails every join of its batch, and the next turn is sent anew', async (t) => {
    const { id, k } = line(t)
    const batches = new JoinBatches(redis, keys, { ...config, joinLimitPerMinute: 1_000_000 })
    await redis.hset(k.seq, 'not', 'a counter')
    const failed = await Promise.allSettled(['e1', 'e2', 'e3'].map((u) => batches.enter(id, join(u))))
    t.same(
      failed.map((f) => f.status),
      ['rejected', 'rejected', 'rejected'],
    )
    await redis.del(k.seq)
    const after = await batches.enter(id, join('e1'))
    t.equal(after.reply[0], 'WAITING')
    t.equal(await redis.zcard(k.waiting), 1, 'the failed call took no place')
  })
})
