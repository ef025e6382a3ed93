/**
 * The core's configuration: one schema with defaults, read once from the environment.
 * A bad value stops the start with a message that names the variable.
 */
import { envSchema } from 'env-schema'
import Type, { type Static } from 'typebox'

/** Development default of the gateway's credential; refused when NODE_ENV=production. */
export const DEV_INTERNAL_TOKEN = 'rushgate-dev-internal-token'
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/rushgate'

const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  CORE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: DEFAULT_DATABASE_URL }),
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  HOLD_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
  MAX_HOLDS_PER_USER: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
  INTERNAL_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  SEED_DEMO: Type.Boolean({ default: false }),
})

type RawConfig = Static<typeof ConfigSchema>

export interface CoreConfig {
  nodeEnv: string
  port: number
  host: string
  databaseUrl: string
  dbPoolMax: number
  holdTtlSeconds: number
  maxHoldsPerUser: number
  internalToken: string
  logLevel: string
  seedDemo: boolean
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and checks the configuration; throws a ConfigError naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): CoreConfig {
  // env-schema treats '1'/'0' for booleans loosely; accept the usual spellings explicitly.
  const data: Record<string, unknown> = { ...env }
  if (typeof data.SEED_DEMO === 'string') {
    const v = data.SEED_DEMO.toLowerCase()
    if (['1', 'true', 'yes', 'on'].includes(v)) data.SEED_DEMO = true
    else if (['', '0', 'false', 'no', 'off'].includes(v)) data.SEED_DEMO = false
  }
  let raw: RawConfig
  try {
    raw = envSchema<RawConfig>({ schema: ConfigSchema, data, dotenv: false })
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`)
  }
  if (!raw.INTERNAL_TOKEN && raw.NODE_ENV === 'production') {
    throw new ConfigError('invalid configuration: INTERNAL_TOKEN is required when NODE_ENV=production')
  }
  return {
    nodeEnv: raw.NODE_ENV,
    port: raw.CORE_PORT,
    host: raw.HOST,
    databaseUrl: raw.DATABASE_URL,
    dbPoolMax: raw.DB_POOL_MAX,
    holdTtlSeconds: raw.HOLD_TTL_SECONDS,
    maxHoldsPerUser: raw.MAX_HOLDS_PER_USER,
    internalToken: raw.INTERNAL_TOKEN ?? DEV_INTERNAL_TOKEN,
    logLevel: raw.LOG_LEVEL,
    seedDemo: raw.SEED_DEMO,
  }
}
