/**
 * The core's configuration: one schema with defaults, read once from the environment.
 * A bad value stops the start with a message that names the variable.
 */
import { internalTokenFrom, LogLevel, OptionalSecret, readEnv } from '@rushgate/shared/fastify'
import Type from 'typebox'

export { ConfigError, DEV_INTERNAL_TOKEN } from '@rushgate/shared/fastify'
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/rushgate'

const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  CORE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: DEFAULT_DATABASE_URL }),
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  HOLD_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
  MAX_HOLDS_PER_USER: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
  INTERNAL_TOKEN: OptionalSecret(),
  LOG_LEVEL: LogLevel,
  SEED_DEMO: Type.Boolean({ default: false }),
})

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

/** Reads and checks the configuration; throws a ConfigError naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): CoreConfig {
  // env-schema treats '1'/'0' for booleans loosely; accept the usual spellings explicitly.
  const data: Record<string, unknown> = { ...env }
  if (typeof data.SEED_DEMO === 'string') {
    const v = data.SEED_DEMO.toLowerCase()
    if (['1', 'true', 'yes', 'on'].includes(v)) data.SEED_DEMO = true
    else if (['', '0', 'false', 'no', 'off'].includes(v)) data.SEED_DEMO = false
  }
  const raw = readEnv(ConfigSchema, data, ['INTERNAL_TOKEN'])
  return {
    nodeEnv: raw.NODE_ENV,
    port: raw.CORE_PORT,
    host: raw.HOST,
    databaseUrl: raw.DATABASE_URL,
    dbPoolMax: raw.DB_POOL_MAX,
    holdTtlSeconds: raw.HOLD_TTL_SECONDS,
    maxHoldsPerUser: raw.MAX_HOLDS_PER_USER,
    internalToken: internalTokenFrom(raw),
    logLevel: raw.LOG_LEVEL,
    seedDemo: raw.SEED_DEMO,
  }
}
