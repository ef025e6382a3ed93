/**
 * The gateway's configuration: one schema with defaults, read once from the environment.
 * A bad value stops the start with a message that names the variable.
 */
import { createHmac } from 'node:crypto'
import { GHOST_AFTER_MAX_SECONDS } from '@rushgate/shared'
import { ConfigError, internalTokenFrom, LogLevel, readEnv } from '@rushgate/shared/fastify'
import Type from 'typebox'

export { ConfigError } from '@rushgate/shared/fastify'

const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  GATEWAY_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  CORE_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3001' }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({ pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$' })),
  REDIS_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'rg' }),
  ADMIT_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 1000 }),
  ADMIT_BATCH: Type.Integer({ minimum: 0, maximum: 100_000, default: 100 }),
  ACTIVE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
  // 0: never (a line's own ghostAfterSeconds may still set one).
  GHOST_AFTER_SECONDS: Type.Integer({ minimum: 0, maximum: GHOST_AFTER_MAX_SECONDS, default: 300 }),
  OPENING_BATCH: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000 }),
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  INTERNAL_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  AUTH_MODE: Type.Union([Type.Literal('header'), Type.Literal('jwt')], { default: 'header' }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 600 }),
  TOKEN_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  TRUST_PROXY: Type.String({ default: 'false' }),
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 0 }),
  LOG_LEVEL: LogLevel,
})

const OPTIONAL = ['REDIS_CLUSTER_NODES', 'ADMIN_TOKEN', 'INTERNAL_TOKEN', 'JWT_SECRET', 'TOKEN_SECRET']

export interface GatewayConfig {
  nodeEnv: string
  port: number
  host: string
  coreUrl: string
  redisUrl: string
  /** host:port list; when set the gateway talks to a Redis Cluster instead of REDIS_URL. */
  redisClusterNodes: { host: string; port: number }[] | null
  redisKeyPrefix: string
  admitIntervalMs: number
  admitBatch: number
  activeTtlSeconds: number
  /** Default ghostAfterSeconds of a line; 0 = never. */
  ghostAfterSeconds: number
  /** Drawn users placed per script call at the opening: bounds how long one call holds Redis. */
  openingBatch: number
  /** null: the admin API answers 401 to everyone. */
  adminToken: string | null
  internalToken: string
  authMode: 'header' | 'jwt'
  jwtSecret: string | null
  rateLimitPerMinute: number
  /** Key of the queue-token HMAC; identical on every replica. */
  tokenSecret: string
  /**
   * Fastify's `trustProxy`: false (default: the client is the socket's peer), true (trust every
   * hop), a number of hops, or a comma-separated list of proxy addresses/CIDRs. When on, the
   * per-IP rate limit behind a load balancer keys on the X-Forwarded-For client address.
   */
  trustProxy: boolean | number | string
  /** On SIGTERM, answer /health/ready 503 this long before closing, so a load balancer drains us. */
  shutdownDrainMs: number
  logLevel: string
}

/** Reads and checks the configuration; throws a ConfigError naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const raw = readEnv(ConfigSchema, env, OPTIONAL)
  if (raw.AUTH_MODE === 'jwt' && !raw.JWT_SECRET) {
    throw new ConfigError('invalid configuration: JWT_SECRET is required when AUTH_MODE=jwt')
  }
  const internalToken = internalTokenFrom(raw)
  return {
    nodeEnv: raw.NODE_ENV,
    port: raw.GATEWAY_PORT,
    host: raw.HOST,
    coreUrl: raw.CORE_URL.replace(/\/+$/, ''),
    redisUrl: raw.REDIS_URL,
    redisClusterNodes: raw.REDIS_CLUSTER_NODES
      ? raw.REDIS_CLUSTER_NODES.split(',').map((node) => {
          const i = node.lastIndexOf(':')
          return { host: node.slice(0, i), port: Number(node.slice(i + 1)) }
        })
      : null,
    redisKeyPrefix: raw.REDIS_KEY_PREFIX,
    admitIntervalMs: raw.ADMIT_INTERVAL_MS,
    admitBatch: raw.ADMIT_BATCH,
    activeTtlSeconds: raw.ACTIVE_TTL_SECONDS,
    ghostAfterSeconds: raw.GHOST_AFTER_SECONDS,
    openingBatch: raw.OPENING_BATCH,
    adminToken: raw.ADMIN_TOKEN ?? null,
    internalToken,
    authMode: raw.AUTH_MODE,
    jwtSecret: raw.JWT_SECRET ?? null,
    rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    // Derived, not random: every replica started with the same INTERNAL_TOKEN signs alike.
    tokenSecret: raw.TOKEN_SECRET ?? createHmac('sha256', internalToken).update('rushgate queue tokens').digest('hex'),
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    shutdownDrainMs: raw.SHUTDOWN_DRAIN_MS,
    logLevel: raw.LOG_LEVEL,
  }
}

/** TRUST_PROXY: `false`/empty, `true`, a hop count, or proxy addresses (`10.0.0.1,10.1.0.0/16`). */
function parseTrustProxy(value: string): boolean | number | string {
  const v = value.trim()
  if (v === '' || v === 'false' || v === '0') return false
  if (v === 'true') return true
  if (/^\d+$/.test(v)) return Number(v)
  if (!/^[0-9A-Fa-f:./]+(\s*,\s*[0-9A-Fa-f:./]+)*$/.test(v)) {
    throw new ConfigError(`invalid configuration: TRUST_PROXY must be true, false, a hop count or a list of addresses, not "${v}"`)
  }
  return v
}
