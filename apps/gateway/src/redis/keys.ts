/**
 * The one place Redis key names are built. Every key of a concert carries the hash tag
 * `{c:<id>}` so that one concert's keys share a Redis Cluster slot and a Lua script may touch
 * them all; keys that span concerts live outside any concert's tag.
 */
export interface ConcertKeys {
  /** INCR counter: the arrival order of the line (never a wall clock). */
  seq: string
  /** ZSET member=userId, score=`s`: joined before the opening, not drawn yet. Empty after it. */
  prequeue: string
  /**
   * ZSET member=userId, score=the place: the turn `s` signed into the token, or for a place drawn
   * at the opening rank·2^26 + s − 2^52 (ahead of every later arrival; see scripts/shared.lua).
   */
  waiting: string
  /** ZSET member=userId, score=expiry (epoch ms). */
  active: string
  /**
   * HASH userId → `s` of the turn that made the user active. Active users only (bounded by
   * maxActive, or admitPerTick × the active time): waiting users cost nothing but their ZSET entry.
   */
  activeSeq: string
  /** HASH of the settings (settings.ts, SETTINGS_FIELDS; missing fields → env defaults). */
  settings: string
  /**
   * HASH of the bookkeeping: admittedTotal, abandonedTotal, lastTick, admittingTicks, the leaving
   * rate (activeAfter, depAt, dep0..dep5, departed), the draw (seed, seedCommitment) and the
   * opening (opening, openingAt, openingBy, placed, openedAt).
   */
  state: string
  /** BITFIELD u32 at #s: the second turn `s` last asked for its state (presence; 4 B a turn). */
  seen: string
  /** BITFIELD u2 at #s: why turn `s` ended, when it was left (1) or abandoned (2). */
  ended: string
  /** LIST of the user ids drawn at the opening, in the draw's order. */
  draw: string
  /**
   * STRING: the line's epoch, a random id written when its state is first created (or recreated
   * after Redis lost it: line-restore.ts). Every line script checks it; a missing one means the
   * line's state is gone (or never was), a changed one that what a replica remembers is stale.
   */
  epoch: string
  /** BITFIELD u1 at #s: turn `s` was rebuilt from its token since the line's state was lost (rebuilt once). */
  rebuilt: string
  /** STREAM, one entry per tick (id = the tick's time): the line's size and running totals (queue/history.ts). */
  history: string
}

export class RedisKeys {
  readonly prefix: string
  private readonly cache = new Map<number, ConcertKeys>()

  constructor(prefix: string) {
    this.prefix = prefix
  }

  /** SET of the ids of every known concert: what the admission tick walks. */
  get concerts(): string {
    return `${this.prefix}:concerts`
  }

  /**
   * SET of the ids of concerts whose line is empty and whose shows have all begun: the admission
   * tick skips them until a join takes them out again (queue/idle-lines.ts).
   */
  get idleConcerts(): string {
    return `${this.prefix}:idle-concerts`
  }

  /** HASH of one fixed rate-limit window: caller → requests in it. */
  rateLimitWindow(window: number): string {
    return `${this.prefix}:rl:${window}`
  }

  /** STRING holder id of the lease whose holder exports the deployment-wide gauges (redis/lease.ts). */
  get metricsLease(): string {
    return `${this.prefix}:metrics-lease`
  }

  /** Pub/sub channel of the lines: each tick's snapshots and the turns that ended (queue/line-feed.ts). */
  get lineChannel(): string {
    return `${this.prefix}:lines`
  }

  /** BullMQ key prefix, hash-tagged so each queue's keys share one slot in a cluster. */
  get bullPrefix(): string {
    return `{${this.prefix}-bull}`
  }

  concert(concertId: number): ConcertKeys {
    let keys = this.cache.get(concertId)
    if (!keys) {
      const base = `${this.prefix}:{c:${concertId}}`
      keys = {
        seq: `${base}:seq`,
        prequeue: `${base}:prequeue`,
        waiting: `${base}:waiting`,
        active: `${base}:active`,
        activeSeq: `${base}:active-seq`,
        settings: `${base}:settings`,
        state: `${base}:state`,
        seen: `${base}:seen`,
        ended: `${base}:ended`,
        draw: `${base}:draw`,
        history: `${base}:history`,
        epoch: `${base}:epoch`,
        rebuilt: `${base}:rebuilt`,
      }
      this.cache.set(concertId, keys)
    }
    return keys
  }

  /**
   * STRING: the version of a schedule's seat map, bumped (INCR) by whichever gateway forwarded a
   * write that changed it (the core names concert and schedule). In the concert's slot, with its line.
   */
  seatMapVersion(concertId: number, scheduleId: number): string {
    return `${this.prefix}:{c:${concertId}}:seat-map:${scheduleId}`
  }

  /**
   * STRING: this proof-of-work solution (named by its challenge) took a place; kept until the
   * challenge expires, so that it is accepted once across every replica. In the concert's slot,
   * so the enter script can spend it.
   */
  proofUsed(concertId: number, challenge: string): string {
    return `${this.prefix}:{c:${concertId}}:pow:${challenge}`
  }

  /** HASH of one fixed minute (epoch ms / 60,000) of the line: client address → new places taken in it. */
  joins(concertId: number, minute: number): string {
    return `${this.prefix}:{c:${concertId}}:joins:${minute}`
  }

  /**
   * HASH of one window (a tick's span, epoch ms / ADMIT_INTERVAL_MS) of the core's latency for this
   * concert: replica id → the histogram of what it forwarded then (core/latency.ts). Kept a few ticks.
   */
  coreLatency(concertId: number, window: number): string {
    return `${this.prefix}:{c:${concertId}}:core-latency:${window}`
  }

  /**
   * STRING written before each Redis WAIT of the concert (redis/replication.ts): WAIT counts the
   * replicas that have a connection's own last write, so the waiting connection writes first.
   */
  replicated(concertId: number): string {
    return `${this.prefix}:{c:${concertId}}:replicated`
  }

  /** "This turn was ended by a payment", keyed by the user and the turn's `s`; kept for a day. */
  paid(concertId: number, user: string, seq: number): string {
    return `${this.prefix}:{c:${concertId}}:paid:${seq}:${user}`
  }
}
