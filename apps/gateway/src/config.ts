/**
 * The gateway's configuration: one schema with defaults, read once from the environment.
 * A bad value stops the start with a message that names the variable.
 */
import { createHmac, createPublicKey, hkdfSync } from 'node:crypto'
import { GHOST_AFTER_MAX_SECONDS } from '@rushgate/shared'
import { ConfigError, commaList, internalTokenFrom, LogLevel, OptionalSecret, readEnv } from '@rushgate/shared/fastify'
import Type, { type Static } from 'typebox'

export { ConfigError } from '@rushgate/shared/fastify'

/** `host:port,host:port,…`, as REDIS_CLUSTER_NODES and REDIS_SENTINELS list their nodes. */
const HOST_PORT_LIST = '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$'

const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  GATEWAY_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  CORE_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3001' }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({ pattern: HOST_PORT_LIST })),
  REDIS_SENTINELS: Type.Optional(Type.String({ pattern: HOST_PORT_LIST })),
  REDIS_SENTINEL_NAME: Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$', default: 'mymaster' }),
  REDIS_WAIT_REPLICAS: Type.Integer({ minimum: 0, maximum: 5, default: 0 }),
  REDIS_WAIT_TIMEOUT_MS: Type.Integer({ minimum: 10, maximum: 5000, default: 200 }),
  REDIS_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'rg' }),
  ADMIT_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 1000 }),
  ADMIT_BATCH: Type.Integer({ minimum: 0, maximum: 100_000, default: 100 }),
  ACTIVE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
  // 0: never (a line's own ghostAfterSeconds may still set one).
  GHOST_AFTER_SECONDS: Type.Integer({ minimum: 0, maximum: GHOST_AFTER_MAX_SECONDS, default: 300 }),
  // How long a line found gone from Redis admits nobody while its places are rebuilt from tokens.
  REBUILD_GRACE_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 15_000 }),
  OPENING_BATCH: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000 }),
  ADMIN_TOKEN: OptionalSecret(),
  INTERNAL_TOKEN: OptionalSecret(),
  AUTH_MODE: Type.Union([Type.Literal('header'), Type.Literal('jwt')], { default: 'header' }),
  TRUST_USER_HEADER: Type.Boolean({ default: false }),
  // RFC 7518 §3.2: an HS256 key at least as long as the hash (32 bytes).
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_PUBLIC_KEY: Type.Optional(Type.String({ minLength: 1 })),
  JWT_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  JWT_JWKS_COOLDOWN_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  CORS_ORIGINS: Type.String({ default: '' }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 600 }),
  JOIN_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 30 }),
  TOKEN_SECRET: OptionalSecret(),
  TRUST_PROXY: Type.String({ default: 'false' }),
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 0 }),
  SEAT_MAP_STALE_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 200 }),
  SEAT_MAP_MAX_AGE_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 1000 }),
  LOG_LEVEL: LogLevel,
})

const OPTIONAL = [
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'ADMIN_TOKEN',
  'INTERNAL_TOKEN',
  'JWT_SECRET',
  'JWT_PUBLIC_KEY',
  'JWT_JWKS_URL',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'TOKEN_SECRET',
]

/** Where the keys that sign users' JWTs come from, and so which algorithms are accepted. */
export type JwtKeySource =
  | { kind: 'secret'; secret: string; algorithms: ['HS256'] }
  | { kind: 'public-key'; pem: string; algorithms: ['RS256'] | ['ES256'] }
  | { kind: 'jwks'; url: string; cooldownMs: number; algorithms: ['RS256', 'ES256'] }

export interface JwtConfig {
  keys: JwtKeySource
  /** Accepted `iss` values; null: not checked. */
  issuer: string[] | null
  /** Accepted `aud` values (the token's aud must contain one); null: not checked. */
  audience: string[] | null
}

export interface GatewayConfig {
  nodeEnv: string
  port: number
  host: string
  coreUrl: string
  redisUrl: string
  /** host:port list; when set the gateway talks to a Redis Cluster instead of REDIS_URL. */
  redisClusterNodes: { host: string; port: number }[] | null
  /** host:port list of Sentinels; when set the gateway finds its primary through them (REDIS_URL's password and db apply to it). */
  redisSentinels: { host: string; port: number }[] | null
  /** The primary's name at the Sentinels. */
  redisSentinelName: string
  /** Replicas a join, a leave and a tick wait for (Redis WAIT) before they count as done; 0: no wait. */
  redisWaitReplicas: number
  /** The longest that WAIT blocks; a timeout still answers. */
  redisWaitTimeoutMs: number
  redisKeyPrefix: string
  admitIntervalMs: number
  admitBatch: number
  activeTtlSeconds: number
  /** Default ghostAfterSeconds of a line; 0 = never. */
  ghostAfterSeconds: number
  /** ms a line found gone from Redis admits nobody, so that its places are rebuilt first. */
  rebuildGraceMs: number
  /** Drawn users placed per script call at the opening: bounds how long one call holds Redis. */
  openingBatch: number
  /** null: the admin API answers 401 to everyone. */
  adminToken: string | null
  internalToken: string
  authMode: 'header' | 'jwt'
  /** Set when authMode is 'jwt'. */
  jwt: JwtConfig | null
  /** Origins whose pages may call the API (CORS); empty: no cross-origin grants. */
  corsOrigins: string[]
  rateLimitPerMinute: number
  /** New places a client address may take in one line per (fixed) minute, whatever identity it claims. */
  joinLimitPerMinute: number
  /** Key of the queue-token HMAC; identical on every replica. */
  tokenSecret: string
  /** Key of the proof-of-work challenges' HMAC, derived from tokenSecret: identical on every replica. */
  proofOfWorkKey: string
  /**
   * Fastify's `trustProxy`: false (default: the client is the socket's peer), true (trust every
   * hop), a number of hops, or a comma-separated list of proxy addresses/CIDRs. When on, the
   * per-IP rate limit behind a load balancer keys on the X-Forwarded-For client address.
   */
  trustProxy: boolean | number | string
  /** On SIGTERM, answer /health/ready 503 this long before closing, so a load balancer drains us. */
  shutdownDrainMs: number
  /**
   * How long after a change a replica may still serve the seat map it has, so that a rush of changes
   * costs the core at most one map per schedule per this many ms per replica (0: refetch at once).
   */
  seatMapStaleMs: number
  /** The longest a replica serves a cached seat map without asking the core, whatever happened (0: no cache). */
  seatMapMaxAgeMs: number
  logLevel: string
}

/** Reads and checks the configuration; throws a ConfigError naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const raw = readEnv(ConfigSchema, env, OPTIONAL)
  if (raw.AUTH_MODE === 'header' && raw.NODE_ENV === 'production' && !raw.TRUST_USER_HEADER) {
    throw new ConfigError(
      'invalid configuration: AUTH_MODE=header trusts X-User-Id as sent, so with NODE_ENV=production set AUTH_MODE=jwt, ' +
        'or TRUST_USER_HEADER=true when an authenticating proxy in front of the gateway sets X-User-Id',
    )
  }
  if (raw.REDIS_SENTINELS && raw.REDIS_CLUSTER_NODES) {
    throw new ConfigError('invalid configuration: set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both')
  }
  const internalToken = internalTokenFrom(raw)
  // Derived, not random: every replica started with the same INTERNAL_TOKEN signs alike.
  const tokenSecret = raw.TOKEN_SECRET ?? createHmac('sha256', internalToken).update('rushgate queue tokens').digest('hex')
  return {
    nodeEnv: raw.NODE_ENV,
    port: raw.GATEWAY_PORT,
    host: raw.HOST,
    coreUrl: raw.CORE_URL.replace(/\/+$/, ''),
    redisUrl: raw.REDIS_URL,
    redisClusterNodes: hostPorts('REDIS_CLUSTER_NODES', raw.REDIS_CLUSTER_NODES),
    redisSentinels: hostPorts('REDIS_SENTINELS', raw.REDIS_SENTINELS),
    redisSentinelName: raw.REDIS_SENTINEL_NAME,
    redisWaitReplicas: raw.REDIS_WAIT_REPLICAS,
    redisWaitTimeoutMs: raw.REDIS_WAIT_TIMEOUT_MS,
    redisKeyPrefix: raw.REDIS_KEY_PREFIX,
    admitIntervalMs: raw.ADMIT_INTERVAL_MS,
    admitBatch: raw.ADMIT_BATCH,
    activeTtlSeconds: raw.ACTIVE_TTL_SECONDS,
    ghostAfterSeconds: raw.GHOST_AFTER_SECONDS,
    rebuildGraceMs: raw.REBUILD_GRACE_MS,
    openingBatch: raw.OPENING_BATCH,
    adminToken: raw.ADMIN_TOKEN ?? null,
    internalToken,
    authMode: raw.AUTH_MODE,
    jwt: raw.AUTH_MODE === 'jwt' ? jwtConfig(raw) : null,
    corsOrigins: corsOrigins(raw.CORS_ORIGINS),
    rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    joinLimitPerMinute: raw.JOIN_LIMIT_PER_MINUTE,
    tokenSecret,
    // A key of its own, so that a challenge's signature can never pass for a queue token's.
    proofOfWorkKey: Buffer.from(hkdfSync('sha256', tokenSecret, '', 'rushgate proof of work', 32)).toString('hex'),
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    shutdownDrainMs: raw.SHUTDOWN_DRAIN_MS,
    seatMapStaleMs: raw.SEAT_MAP_STALE_MS,
    seatMapMaxAgeMs: raw.SEAT_MAP_MAX_AGE_MS,
    logLevel: raw.LOG_LEVEL,
  }
}

type RawConfig = Static<typeof ConfigSchema>

/** AUTH_MODE=jwt: exactly one key source; JWT_PUBLIC_KEY is checked here, so a bad PEM stops the start. */
function jwtConfig(raw: RawConfig): JwtConfig {
  const given = (['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'] as const).filter((name) => raw[name])
  if (given.length !== 1) {
    throw new ConfigError(
      `invalid configuration: AUTH_MODE=jwt needs exactly one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL (${given.length ? `got ${given.join(' and ')}` : 'none is set'})`,
    )
  }
  let keys: JwtKeySource
  if (raw.JWT_SECRET) keys = { kind: 'secret', secret: raw.JWT_SECRET, algorithms: ['HS256'] }
  else if (raw.JWT_JWKS_URL) {
    keys = { kind: 'jwks', url: raw.JWT_JWKS_URL, cooldownMs: raw.JWT_JWKS_COOLDOWN_SECONDS * 1000, algorithms: ['RS256', 'ES256'] }
  } else keys = publicKey(raw.JWT_PUBLIC_KEY!)
  const list = (value: string | undefined) => (value === undefined ? null : commaList(value))
  return { keys, issuer: list(raw.JWT_ISSUER), audience: list(raw.JWT_AUDIENCE) }
}

/** A PEM public key (SPKI or PKCS#1); `\n` escapes, as one-line environment values carry them, are undone. */
function publicKey(value: string): JwtKeySource {
  const pem = value.replace(/\\n/g, '\n')
  if (/PRIVATE KEY/.test(pem)) {
    throw new ConfigError('invalid configuration: JWT_PUBLIC_KEY holds a private key; give the gateway the public half only')
  }
  let key: ReturnType<typeof createPublicKey>
  try {
    key = createPublicKey(pem)
  } catch (err) {
    throw new ConfigError(`invalid configuration: JWT_PUBLIC_KEY is not a PEM public key (${(err as Error).message})`)
  }
  if (key.asymmetricKeyType === 'rsa') return { kind: 'public-key', pem, algorithms: ['RS256'] }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { kind: 'public-key', pem, algorithms: ['ES256'] }
  }
  throw new ConfigError('invalid configuration: JWT_PUBLIC_KEY must be an RSA key (RS256) or a P-256 key (ES256)')
}

/** A `host:port,…` list (already matched by HOST_PORT_LIST); a port outside 1–65535 stops the start. */
function hostPorts(name: string, value: string | undefined): { host: string; port: number }[] | null {
  if (!value) return null
  return value.split(',').map((node) => {
    const i = node.lastIndexOf(':')
    const port = Number(node.slice(i + 1))
    if (port < 1 || port > 65535) throw new ConfigError(`invalid configuration: ${name} has a port outside 1–65535 ("${node}")`)
    return { host: node.slice(0, i), port }
  })
}

/** CORS_ORIGINS: `https://tickets.example.com,http://localhost:5173` — origins only, no paths, no `*`. */
function corsOrigins(value: string): string[] {
  const origins = commaList(value)
  for (const origin of origins) {
    let parsed: URL | null = null
    try {
      parsed = new URL(origin)
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`invalid configuration: CORS_ORIGINS must list origins such as https://tickets.example.com, not "${origin}"`)
    }
  }
  return origins
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
