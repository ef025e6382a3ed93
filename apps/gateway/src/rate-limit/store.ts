/**
 * A store for `@fastify/rate-limit` whose counts live in Redis, shared by every replica, without
 * a Redis round trip on the request path. Windows are fixed (aligned to multiples of the window
 * length) and one Redis hash per window holds every caller's count. Each request is counted here
 * at once, against the last shared count this replica heard plus what it added since; every
 * FLUSH_MS the additions of all callers go to Redis in ONE command, which answers the new
 * shared counts.
 *
 * Why: the limiter runs on every request of the rush; a synchronous INCR per request doubled the
 * Redis work of the hottest routes (token issue, polling). A local view can be stale (the other
 * replicas' requests since this one last heard), so once a caller has used half the budget, or has
 * more than a LOCAL_SHARE-th of it unconfirmed by Redis on this replica, every request of theirs goes
 * to Redis at once and is answered with the exact shared count: batching only applies far from the
 * limit. The second rule bounds a burst spread over R replicas before any of them has heard of the
 * others: at most (R - 1) × max / LOCAL_SHARE requests over the limit. If Redis is down the request
 * passes (the plugin's skipOnError): the limiter never turns an outage into an error.
 *
 * A caller this replica has counted fewer than SHARE_AFTER times in the window is neither sent nor
 * kept one by one: most callers of a rush ask once to join and then every few seconds, and one
 * Map entry per caller of a million-user minute cost the gateway a fifth of its CPU (GC), besides a
 * Redis write per caller. Their counts live in a fixed table of small counters
 * indexed by a hash of the caller (LightCounts); callers sharing a counter only reach SHARE_AFTER
 * sooner, which counts them more strictly, never less. What this hides from the other replicas is
 * under SHARE_AFTER requests per replica and caller, so it can let through at most
 * (replicas − 1) × (SHARE_AFTER − 1) extra requests of a caller a window.
 *
 * Nor is a caller's count sent on every flush: it waits until it is max / SEND_SHARE requests (half
 * the unconfirmed share a replica may pass), so that someone polling at the natural rate — a dozen
 * requests a minute against a limit of hundreds — costs Redis nothing at all, and a poll of the line
 * stays free of Redis work. This hides no more than the LOCAL_SHARE rule already allows, and a
 * caller who keeps asking is sent every max / SEND_SHARE requests, so the replicas' view of the
 * busy callers stays fresh.
 */
import type { RateLimitScripts } from './scripts.ts'

const FLUSH_MS = 25
/** A replica passes at most max / LOCAL_SHARE requests of a caller that Redis has not confirmed. */
export const LOCAL_SHARE = 8
/** A caller's unsent requests wait here until they are a SEND_SHARE-th of the limit (see above). */
export const SEND_SHARE = LOCAL_SHARE * 2
/** Callers counted fewer times than this here in the window stay in LightCounts (see above). */
export const SHARE_AFTER = 3
/** Counters of LightCounts: 4 MiB, a quarter full at a million callers a window. */
const LIGHT_SLOTS = 1 << 22

interface Count {
  /** Which window (start / window length) the figures belong to. */
  window: number
  /** The shared count Redis last reported (all replicas, this one included). */
  shared: number
  /** Requests counted here and not yet sent. */
  pending: number
  /** Requests sent and not yet acknowledged. */
  inFlight: number
}

/** Requests of callers not yet counted one by one, per hash of the caller, for one window. */
class LightCounts {
  private readonly slots = new Uint8Array(LIGHT_SLOTS)
  private window = -1

  /** Counts one more request of `caller` in `window`; answers its count (this one included). */
  add(caller: string, window: number): number {
    if (window !== this.window) {
      this.slots.fill(0)
      this.window = window
    }
    // FNV-1a: fast, and spreads short ids well enough for counters that may only err upwards.
    let h = 0x811c9dc5
    for (let i = 0; i < caller.length; i++) h = Math.imul(h ^ caller.charCodeAt(i), 0x01000193)
    const slot = (h >>> 0) & (LIGHT_SLOTS - 1)
    const n = Math.min(255, this.slots[slot]! + 1)
    this.slots[slot] = n
    return n
  }
}

type Callback = (err: Error | null, result: { current: number; ttl: number } | null) => void

export interface SharedStoreOptions {
  redis: RateLimitScripts
  /** Builds the key of a window's hash from its number. */
  windowKey: (window: number) => string
  onError: (err: Error) => void
}

/** Builds the store class the plugin instantiates (its `store` option). */
export function sharedRateLimitStore({ redis, windowKey, onError }: SharedStoreOptions) {
  const counts = new Map<string, Count>()
  const light = new LightCounts()
  const dirty = new Set<string>()
  let scheduled = false
  let windowMs = 60_000
  let sweptWindow = 0

  /** Sends `entries` (caller → requests to add) for one window; resolves with the shared counts. */
  const send = (window: number, entries: [string, number][]): Promise<number[]> => {
    const args: (string | number)[] = [windowKey(window), windowMs * 2]
    for (const [caller, n] of entries) args.push(caller, n)
    return redis.rgRateLimit(...args) as unknown as Promise<number[]>
  }

  const flush = () => {
    scheduled = false
    const byWindow = new Map<number, [string, Count, number][]>()
    for (const caller of dirty) {
      const c = counts.get(caller)
      if (!c || c.pending === 0) continue
      const sent = c.pending
      c.pending = 0
      c.inFlight += sent
      const batch = byWindow.get(c.window)
      if (batch) batch.push([caller, c, sent])
      else byWindow.set(c.window, [[caller, c, sent]])
    }
    dirty.clear()
    for (const [window, batch] of byWindow) {
      send(
        window,
        batch.map(([caller, , sent]) => [caller, sent]),
      ).then(
        (shared) => {
          batch.forEach(([, c, sent], i) => {
            c.inFlight -= sent
            // Redis's count includes this batch and anything sent earlier and still unanswered.
            if (c.window === window) c.shared = Number(shared[i]) - c.inFlight
          })
        },
        (err: Error) => {
          for (const [, c, sent] of batch) {
            c.inFlight -= sent
            c.shared += sent
          }
          onError(err)
        },
      )
    }
    // Forget callers of finished windows so the map does not grow with everyone ever seen. Only
    // once per window: callers of the current one must stay, and walking a map of every caller of
    // a rush on each flush (every 25 ms) cost more than the counting itself.
    const current = Math.floor(Date.now() / windowMs)
    if (current > sweptWindow && counts.size > 50_000) {
      sweptWindow = current
      for (const [caller, c] of counts) if (c.window < current && c.inFlight === 0) counts.delete(caller)
    }
  }

  return class SharedRateLimitStore {
    constructor(params: { timeWindow?: unknown }) {
      if (typeof params.timeWindow === 'number' && params.timeWindow > 0) windowMs = params.timeWindow
    }

    incr(caller: string, cb: Callback, _timeWindow?: number, max = Number.POSITIVE_INFINITY): void {
      const now = Date.now()
      const window = Math.floor(now / windowMs)
      const ttl = (window + 1) * windowMs - now
      let c = counts.get(caller)
      if (!c || c.window !== window) {
        const seen = light.add(caller, window)
        if (seen < SHARE_AFTER && seen * 2 < max && seen * LOCAL_SHARE < max) {
          cb(null, { current: seen, ttl })
          return
        }
        // Counted one by one from now on; the requests before this one are not sent yet.
        c = { window, shared: 0, pending: seen - 1, inFlight: 0 }
        counts.set(caller, c)
      }
      const unconfirmed = c.inFlight + c.pending + 1
      if ((c.shared + unconfirmed) * 2 < max && unconfirmed * LOCAL_SHARE < max) {
        c.pending++
        if (c.pending * SEND_SHARE >= max) {
          dirty.add(caller)
          if (!scheduled) {
            scheduled = true
            setTimeout(flush, FLUSH_MS).unref()
          }
        }
        cb(null, { current: c.shared + c.inFlight + c.pending, ttl })
        return
      }
      // Near the limit: ask Redis now, with this replica's unsent requests and this one.
      const entry = c
      const sent = entry.pending + 1
      entry.pending = 0
      entry.inFlight += sent
      send(window, [[caller, sent]]).then(
        ([count]) => {
          entry.inFlight -= sent
          entry.shared = Number(count) - entry.inFlight
          cb(null, { current: Number(count), ttl })
        },
        (err: Error) => {
          entry.inFlight -= sent
          entry.shared += sent
          onError(err)
          cb(err, null)
        },
      )
    }

    child(): SharedRateLimitStore {
      return this
    }
  }
}
