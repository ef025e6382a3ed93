/**
 * A store for `@fastify/rate-limit` whose counts live in Redis, shared by every replica, without
 * a Redis round trip on the request path: each request is counted locally at once (against the
 * last known shared count plus what this replica added since), and the local additions are sent
 * to Redis every FLUSH_MS in one auto-pipelined batch, which brings back the shared count.
 *
 * Why: the limiter runs on every request of the rush; a synchronous INCR per request doubled the
 * Redis work of the hottest routes (token issue, polling). A local view can be stale (the other
 * replicas' requests since this one last flushed), so once a key has used half its budget every
 * request goes to Redis at once and is answered with the exact shared count: the batching only
 * ever applies far from the limit, where staleness cannot matter. If Redis is down the request
 * passes (the plugin's skipOnError): the limiter never turns an outage into an error.
 */
import type { LineScripts } from '../redis/scripts.ts'

const FLUSH_MS = 25

interface Window {
  /** The shared count Redis last reported (all replicas, this one included). */
  shared: number
  /** Requests counted here and not yet sent. */
  pending: number
  /** Requests sent and not yet acknowledged. */
  inFlight: number
  resetAt: number
}

type Callback = (err: Error | null, result: { current: number; ttl: number } | null) => void

export interface SharedStoreOptions {
  redis: LineScripts
  prefix: string
  onError: (err: Error) => void
}

/** Builds the store class the plugin instantiates (`store` option). */
export function sharedRateLimitStore({ redis, prefix, onError }: SharedStoreOptions) {
  const windows = new Map<string, Window>()
  const dirty = new Set<string>()
  let scheduled = false
  let windowMs = 60_000

  const flush = () => {
    scheduled = false
    const now = Date.now()
    for (const key of dirty) {
      const w = windows.get(key)
      if (!w || w.pending === 0) continue
      const sent = w.pending
      w.pending = 0
      w.inFlight += sent
      redis.rgRateLimit(prefix + key, sent, windowMs).then(
        (reply) => {
          const [count, ttl] = reply as unknown as [number, number]
          w.inFlight -= sent
          // Redis's count already includes this batch (and anything earlier in flight).
          w.shared = Number(count) - w.inFlight
          w.resetAt = Date.now() + Number(ttl)
        },
        (err: Error) => {
          w.inFlight -= sent
          w.shared += sent
          onError(err)
        },
      )
    }
    dirty.clear()
    // Forget finished windows so the map does not grow with every user ever seen.
    if (windows.size > 10_000) for (const [key, w] of windows) if (w.resetAt <= now && w.pending === 0) windows.delete(key)
  }

  return class SharedRateLimitStore {
    constructor(params: { timeWindow?: unknown }) {
      if (typeof params.timeWindow === 'number') windowMs = params.timeWindow
    }

    incr(key: string, cb: Callback, timeWindow: number = windowMs, max = Number.POSITIVE_INFINITY): void {
      const now = Date.now()
      let w = windows.get(key)
      if (!w || w.resetAt <= now) {
        w = { shared: 0, pending: 0, inFlight: 0, resetAt: now + timeWindow }
        windows.set(key, w)
      }
      if ((w.shared + w.inFlight + w.pending + 1) * 2 >= max) {
        // Near the limit: ask Redis now, with this replica's unsent requests and this one.
        const window = w
        const sent = window.pending + 1
        window.pending = 0
        window.inFlight += sent
        redis.rgRateLimit(prefix + key, sent, windowMs).then(
          (reply) => {
            const [count, ttl] = reply as unknown as [number, number]
            window.inFlight -= sent
            window.shared = Number(count) - window.inFlight
            window.resetAt = Date.now() + Number(ttl)
            cb(null, { current: Number(count), ttl: Number(ttl) })
          },
          (err: Error) => {
            window.inFlight -= sent
            window.shared += sent
            onError(err)
            cb(err, null)
          },
        )
        return
      }
      w.pending++
      dirty.add(key)
      if (!scheduled) {
        scheduled = true
        setTimeout(flush, FLUSH_MS).unref()
      }
      cb(null, { current: w.shared + w.inFlight + w.pending, ttl: w.resetAt - now })
    }

    child(): SharedRateLimitStore {
      return this
    }
  }
}
