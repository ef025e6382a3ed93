/**
 * Redis connections. Those on the HTTP path fail fast (no offline queue, one retry, a command
 * timeout) so that Redis being down becomes a quick 503, and coalesce their writes (the one that
 * carries replication.ts's WAITs fails fast too, but writes as it sends); BullMQ's connection waits and retries for ever, as its workers must. Both log `error` events instead of
 * crashing on them.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import type { GatewayConfig } from '../config.ts'

export type RedisClient = Redis | Cluster

const CONNECT_TIMEOUT_MS = 1000
const COMMAND_TIMEOUT_MS = 1000

/** Reconnect quickly at first, then every second: recovery after an outage is automatic. */
const retryStrategy = (times: number) => Math.min(times * 100, 1000)

export function createRedis(
  config: GatewayConfig,
  log: FastifyBaseLogger,
  purpose: 'http' | 'bullmq' | 'wait',
): RedisClient {
  const options: RedisOptions =
    purpose === 'bullmq'
      ? { maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS * 5, retryStrategy }
      : {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: CONNECT_TIMEOUT_MS,
          // A WAIT may block up to REDIS_WAIT_TIMEOUT_MS before it answers.
          commandTimeout: COMMAND_TIMEOUT_MS + (purpose === 'wait' ? config.redisWaitTimeoutMs : 0),
          retryStrategy,
        }
  const client: RedisClient = config.redisClusterNodes
    ? new Cluster(config.redisClusterNodes, {
        redisOptions: options,
        enableOfflineQueue: options.enableOfflineQueue ?? true,
        clusterRetryStrategy: retryStrategy,
      })
    : config.redisSentinels
      ? new Redis({ ...options, ...sentinelOptions(config) })
      : new Redis(config.redisUrl, options)
  if (purpose === 'http') {
    // Every node connection of a cluster, or the one connection.
    if (client instanceof Cluster) client.on('+node', coalesceWrites)
    else coalesceWrites(client)
  }
  let lastLogged = 0
  client.on('error', (err: Error) => {
    // A down Redis emits an error per reconnect attempt; one line every 5 s is enough.
    const now = Date.now()
    if (now - lastLogged > 5000) {
      lastLogged = now
      log.error({ err: err.message, purpose }, 'redis connection error')
    }
  })
  return client
}

/**
 * The primary that the Sentinels name, with REDIS_URL's credentials and database. A failover is
 * followed by reconnecting: every reconnect asks the Sentinels again and checks that the node it
 * reaches is the primary, and a write refused as READONLY (an old primary turned replica)
 * reconnects. Not ioredis's failoverDetector: its +switch-master closes the connector even while a
 * reconnect is under way, and that reconnect then ends the client for good ("Connection is
 * closed." on every command, seen in a rush with the primary killed).
 */
function sentinelOptions(config: GatewayConfig): RedisOptions {
  const url = new URL(config.redisUrl)
  const db = Number(url.pathname.slice(1) || 0)
  return {
    sentinels: config.redisSentinels!,
    name: config.redisSentinelName,
    role: 'master',
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    sentinelRetryStrategy: retryStrategy,
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  }
}

/**
 * Commands sent in one turn of the event loop leave in one socket write: the connection's socket is
 * corked at the first command of the turn and uncorked after the turn's I/O (setImmediate). Under a
 * rush that batches the commands of concurrent requests, so Redis and the gateway make one syscall
 * for dozens of commands. ioredis's `enableAutoPipelining` batches the same way, but builds a
 * Pipeline and three more promises per command: 1.5 times the client CPU per script call, 1.8 times
 * per GET (measured by `load-tests/src/redis-client-cost.ts`).
 */
export function coalesceWrites(connection: Redis): void {
  const send = connection.sendCommand.bind(connection)
  let corked = false
  connection.sendCommand = (command, stream) => {
    const socket = connection.stream
    if (!corked && connection.status === 'ready' && socket?.writable) {
      corked = true
      socket.cork()
      setImmediate(() => {
        corked = false
        socket.uncork()
      })
    }
    return send(command, stream)
  }
}

/** Resolves once the client is ready, or after `timeoutMs` (the app starts anyway; routes 503). */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady)
      resolve(false)
    }, timeoutMs)
    const onReady = () => {
      clearTimeout(timer)
      resolve(true)
    }
    client.once('ready', onReady)
  })
}

const UNAVAILABLE_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  // A command in flight when its connection closed (a primary killed under it).
  'Command aborted due to connection close',
  'Command timed out',
  'Reached the max retries per request limit',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  'CLUSTERDOWN',
  // A redirection the client did not follow: the slot's primary changed (a failover) under its map.
  'MOVED ',
  'ASK ',
  'LOADING',
  'TRYAGAIN',
  'READONLY',
  'All sentinels are unreachable',
  'is not reachable',
  'master is not ready',
]
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])

/** Recognises the errors ioredis raises while Redis cannot be reached. */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const e = err as Error & { code?: string }
  if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ClusterAllFailedError') return true
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true
  return UNAVAILABLE_MESSAGES.some((m) => e.message.includes(m))
}
