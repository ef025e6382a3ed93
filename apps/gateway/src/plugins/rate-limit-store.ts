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
 * A caller this replica has counted fewer than SHARE_AFTER times in the window is not sent at all:
 * most callers of a rush ask once (to join) and then rarely, and writing a count of 1 for each of
 * them cost as much Redis work as the token issue itself. What that hides from the other replicas is
 * under SHARE_AFTER requests per replica and caller, and it is sent with the caller's next request
 * once near the limit, so it can only let through (replicas − 1) × (SHARE_AFTER − 1) extra requests
 * a window.
 */
import type { LineScripts } from '../redis/scripts.ts'

const FLUSH_MS = 25
/** A replica passes at most max / LOCAL_SHARE requests of a caller that Redis has not confirmed. */
export const LOCAL_SHARE = 8
/** Callers counted fewer times than this here in the window stay local (see above). */
export const SHARE_AFTER = 3

interface Count {
  /** Which window (start / window length) the figures belong to. */
  window: number
  /** The shared count Redis last reported (all replicas, this one included). */
  shared: number
  /** Requests counted here and not yet sent. */
  pending: number
  /** Requests sent and not yet acknowledged. */
  inFlight: number
  /** Requests this replica has counted in the window, sent or not. */
  seen: number
}

type Callback = (err: Error | null, result: { current: number; ttl: number } | null) => void

export interface SharedStoreOptions {
  redis: LineScripts
  /** Builds the key of a window's hash from its number. */
  windowKey: (window: number) => string
  onError: (err: Error) => void
}

/** Builds the store class the plugin instantiates (its `store` option). */
export function sharedRateLimitStore({ redis, windowKey, onError }: SharedStoreOptions) {
  const counts = new Map<string, Count>()
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
        c = { window, shared: 0, pending: 0, inFlight: 0, seen: 0 }
        counts.set(caller, c)
      }
      c.seen++
      const unconfirmed = c.inFlight + c.pending + 1
      if ((c.shared + unconfirmed) * 2 < max && unconfirmed * LOCAL_SHARE < max) {
        c.pending++
        if (c.seen >= SHARE_AFTER) {
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
