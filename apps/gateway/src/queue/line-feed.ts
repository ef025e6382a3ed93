/**
 * The deployment's line channel: ONE Redis subscription per process, whatever the number of
 * clients. Two kinds of message come on it:
 * - a line's snapshot, published by the admission tick once per concert per tick
 *   (scripts/snapshot-6.lua): the mirror takes it, then the event streams of that line are told;
 * - `{ c, e, p }`: turn `e` of concert `c` ended on some replica (left, paid, found abandoned),
 *   published by that replica before it answers, so every replica forgets the turn at once and
 *   places the others without it (line-mirror.ts; `p` is its score in `waiting`, or null);
 * - `{ c, s: 1 }`: concert `c`'s settings changed: its snapshot is dropped until the next tick's,
 *   so no replica answers from the old settings;
 * - `{ c, r: 1 }`: concert `c`'s line was found gone from Redis and restored (line-restore.ts):
 *   every replica forgets all it remembered of it, so each poll asks Redis, which rebuilds the place.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/client.ts'
import type { LineMirror, SnapshotMessage } from './line-mirror.ts'

export interface FeedListener {
  /** A snapshot of this line was applied; `gone` are the turns that left it in that tick. */
  snapshot(concertId: number, gone: number[]): void
  /** Turn `seq` of this line ended on some replica. */
  ended(concertId: number, seq: number): void
}

/** A turn that ended: concert, turn, and its score in `waiting` when it left the line (else null). */
interface EndedMessage {
  c: number
  e: number
  p: number | null
}

export class LineFeed {
  private listener: FeedListener | null = null
  private lastLogged = 0

  constructor(
    /** The publishing connection (the fast-failing one of the routes). */
    private readonly redis: RedisClient,
    /** A connection of its own for the subscription (retries for ever). */
    private readonly subscriber: RedisClient,
    readonly channel: string,
    private readonly mirror: LineMirror,
    private readonly log: FastifyBaseLogger,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message)
    })
  }

  listen(listener: FeedListener): void {
    this.listener = listener
  }

  /** Subscribes (ioredis subscribes again by itself after a reconnect). */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel).catch((err: Error) => this.warn(err, 'could not subscribe to the line channel'))
  }

  /** Tells every replica (this one at once) that a turn ended. */
  async ended(concertId: number, seq: number, score: number | null): Promise<void> {
    const message: EndedMessage = { c: concertId, e: seq, p: score }
    this.apply(message)
    try {
      await this.redis.publish(this.channel, JSON.stringify(message))
    } catch (err) {
      // The turn did end in Redis; replicas that missed it ask Redis after the next tick's snapshot
      // or once the turn's local memory runs out.
      this.warn(err as Error, 'could not announce an ended turn')
    }
  }

  /** Tells every replica (this one at once) that a line's settings changed. */
  async settingsChanged(concertId: number): Promise<void> {
    this.mirror.invalidate(concertId)
    try {
      await this.redis.publish(this.channel, JSON.stringify({ c: concertId, s: 1 }))
    } catch (err) {
      this.warn(err as Error, 'could not announce a change of settings')
    }
  }

  /** This replica restored a line Redis had lost: every replica forgets what it knew of it. */
  async restored(concertId: number): Promise<void> {
    this.mirror.drop(concertId)
    try {
      await this.redis.publish(this.channel, JSON.stringify({ c: concertId, r: 1 }))
    } catch (err) {
      this.warn(err as Error, 'could not announce a restored line')
    }
  }

  private receive(message: string): void {
    let m: SnapshotMessage | EndedMessage | { c: number; s: 1 } | { c: number; r: 1 }
    try {
      m = JSON.parse(message)
    } catch {
      return
    }
    if ('e' in m) {
      this.apply(m)
      return
    }
    if ('s' in m) {
      this.mirror.invalidate(m.c)
      return
    }
    if ('r' in m) {
      this.mirror.drop(m.c)
      return
    }
    const gone = this.mirror.applySnapshot(m)
    this.listener?.snapshot(m.c, gone)
  }

  /** Received, or sent by this replica (applied at once, and again when it comes back: harmless). */
  private apply(m: EndedMessage): void {
    this.mirror.ended(m.c, m.e, m.p)
    this.listener?.ended(m.c, m.e)
  }

  async close(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect())
  }

  private warn(err: Error, what: string): void {
    const now = Date.now()
    if (now - this.lastLogged > 5000) {
      this.lastLogged = now
      this.log.warn({ err: err.message }, what)
    }
  }
}
