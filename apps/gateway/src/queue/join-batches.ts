/**
 * The joins that reach this replica in one turn of the event loop go to Redis as one call of the
 * enter script per concert (scripts/enter-n.lua), which enters them one after the other, in the
 * order they arrived. Why: the script's own cost — the call, its prelude, reading the line's
 * settings — and the client's cost per command were most of what a join cost Redis and a large
 * part of what it cost the gateway (load-tests/RESULTS.md); under a rush dozens of joins share a
 * turn. A join waits for nothing but the end of the turn it arrived in, and a batch is still one
 * atomic script: every rule of a single enter holds for each user in it. Batches reach Redis in the
 * order they were sent (one connection per node keeps it), except just after Redis lost its
 * scripts: a call whose EVALSHA is refused is sent again as EVAL, and a later one may pass it.
 */
import type { GatewayConfig } from '../config.ts'
import type { RedisKeys } from '../redis/keys.ts'
import type { Replication } from '../redis/replication.ts'
import type { ScriptReply } from '../redis/scripts.ts'
import type { JoinProof } from './join-guard.ts'
import { type LineConfig, parseLineConfig } from './line-config.ts'
import { stillGone } from './line-restore.ts'
import type { LineScripts } from './scripts.ts'

const MINUTE_MS = 60_000
const PROOF_ARG = { none: '0', valid: '1', invalid: '2' } as const
/** At most this many users in one call: a call holds Redis for about 10 µs a user. */
const MAX_BATCH = 100

export interface Join {
  user: string
  proof: JoinProof
  /** Counted against JOIN_LIMIT_PER_MINUTE when the join takes a new place. */
  address: string
}

/** What the script answered for one join, with the line's settings it read and its clock. */
export interface JoinAnswer {
  reply: ScriptReply
  line: LineConfig
  now: number
}

interface Waiting {
  join: Join
  resolve(answer: JoinAnswer): void
  reject(err: unknown): void
}

export class JoinBatches {
  private waiting = new Map<number, Waiting[]>()
  private scheduled = false

  constructor(
    private readonly redis: Pick<LineScripts, 'rgEnter'>,
    private readonly keys: RedisKeys,
    private readonly config: GatewayConfig,
    /** Restores a line whose state is gone (line-restore.ts); the batch is then sent again, once. */
    private readonly restore: (concertId: number) => Promise<void> = async () => {},
  ) {}

  /** When REDIS_WAIT_REPLICAS is set, a batch is answered once its places reached the replicas. */
  replication: Pick<Replication, 'after'> | null = null

  /** Enters `join` with the other joins of this turn; resolves with its own answer. */
  enter(concertId: number, join: Join): Promise<JoinAnswer> {
    const list = this.waiting.get(concertId) ?? []
    if (list.length === 0) this.waiting.set(concertId, list)
    if (!this.scheduled) {
      this.scheduled = true
      // After this turn's I/O: every join read from a socket in it is in the batch.
      setImmediate(this.flush)
    }
    // Not `{ ...join, resolve, reject }`: on Node 20 a spread with more fields costs about 1.5 µs,
    // named fields a few dozen ns (load-tests: `pnpm spread-cost`).
    return new Promise((resolve, reject) => {
      list.push({ join, resolve, reject })
    })
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const batches = this.waiting
    this.waiting = new Map()
    for (const [concertId, joins] of batches) {
      for (let i = 0; i < joins.length; i += MAX_BATCH) this.send(concertId, joins.slice(i, i + MAX_BATCH))
    }
  }

  private send(concertId: number, joins: Waiting[], again = false): void {
    const now = Date.now()
    const { config } = this
    const answered = this.redis.rgEnter(...enterArguments(this.keys, concertId, now, config, joins.map((w) => w.join)))
    // A place the replicas may lack is not given out: a failed WAIT fails the batch (503; a retried
    // join finds its place, if it survived, as a re-entry).
    const { replication } = this
    const replicated = replication ? answered.then((reply) => replication.after(concertId).then(() => reply)) : answered
    replicated.then(
      ([settings, ...replies]) => {
        if (settings === 'VANISHED') {
          if (again) for (const join of joins) join.reject(stillGone(concertId))
          else
            this.restore(concertId).then(
              () => this.send(concertId, joins, true),
              (err: unknown) => {
                for (const join of joins) join.reject(err)
              },
            )
          return
        }
        const line = parseLineConfig(settings, config)
        for (const [i, join] of joins.entries()) join.resolve({ reply: replies[i]!, line, now })
      },
      (err: unknown) => {
        for (const join of joins) join.reject(err)
      },
    )
  }
}

/** The defaults the enter script applies; `joinLimitPerMinute` '' counts no address. */
export type EnterDefaults = Pick<GatewayConfig, 'activeTtlSeconds' | 'ghostAfterSeconds'> & { joinLimitPerMinute: number | '' }

/** What one call of the enter script (scripts/enter-n.lua) takes for `joins` at `now`: numkeys, keys, arguments. */
export function enterArguments(keys: RedisKeys, concertId: number, now: number, defaults: EnterDefaults, joins: Join[]): (string | number)[] {
  const k = keys.concert(concertId)
  const keyList = [k.prequeue, k.waiting, k.active, k.activeSeq, k.seq, k.settings, k.state, k.seen, k.ended]
  keyList.push(keys.joins(concertId, Math.floor(now / MINUTE_MS)), k.epoch)
  const args: (string | number)[] = [now, defaults.activeTtlSeconds, defaults.ghostAfterSeconds, defaults.joinLimitPerMinute]
  for (const { user, proof, address } of joins) {
    keyList.push(keys.proofUsed(concertId, proof.kind === 'valid' ? proof.challenge : '-'))
    args.push(user, PROOF_ARG[proof.kind], proof.kind === 'valid' ? proof.ttlMs : 0, address)
  }
  return [keyList.length, ...keyList, ...args]
}
