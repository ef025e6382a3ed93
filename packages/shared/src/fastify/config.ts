/**
 * What both services' configuration shares: reading the environment against a schema (a bad value
 * stops the start with a message naming the variable), the log level, how long a secret must be,
 * the development credential and the rule of when it may be used.
 */
import { envSchema } from 'env-schema'
import Type, { type Static, type TSchema } from 'typebox'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  { default: 'info' },
)

/** The internal credential both services fall back to in development (never in production). */
export const DEV_INTERNAL_TOKEN = 'rushgate-dev-internal-token'

/** Shortest INTERNAL_TOKEN, ADMIN_TOKEN or TOKEN_SECRET accepted: guessing one must be hopeless. */
export const SECRET_MIN_LENGTH = 16

/** An optional secret variable of a config schema: absent, or SECRET_MIN_LENGTH characters or more. */
export const OptionalSecret = () => Type.Optional(Type.String({ minLength: SECRET_MIN_LENGTH }))

/** 127.0.0.0/8, ::1 and localhost: a listener there is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h)
}

/**
 * Reads `env` (only `env`: nothing comes back from process.env behind the caller's back) against
 * `schema`. An empty `optional` variable, as compose files often pass, means "not set".
 */
export function readEnv<S extends TSchema>(
  schema: S,
  env: Record<string, unknown>,
  optional: readonly string[] = [],
): Static<S> {
  const data: Record<string, unknown> = { ...env }
  for (const name of optional) if (data[name] === '') delete data[name]
  try {
    return envSchema<Static<S>>({ schema, data, env: false, dotenv: false })
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`)
  }
}

/**
 * The credential at the core: INTERNAL_TOKEN, or the development one — which is public, so only
 * outside production and for a service listening on loopback (HOST). The gateway's queue-token key
 * derives from it too, so an exposed gateway on it would hand out forgeable tokens.
 */
export function internalTokenFrom(raw: { INTERNAL_TOKEN?: string; NODE_ENV: string; HOST: string }): string {
  if (raw.INTERNAL_TOKEN) return raw.INTERNAL_TOKEN
  if (raw.NODE_ENV === 'production') {
    throw new ConfigError('invalid configuration: INTERNAL_TOKEN is required when NODE_ENV=production')
  }
  if (!isLoopback(raw.HOST)) {
    throw new ConfigError(
      `invalid configuration: INTERNAL_TOKEN is required when listening beyond loopback (HOST=${raw.HOST}); the development credential is public`,
    )
  }
  return DEV_INTERNAL_TOKEN
}

/** A comma-separated list: trimmed, empty items dropped. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

/** Runs a service's start; a ConfigError ends the process with its message and exit code 1. */
export async function startOrExit(start: () => Promise<void>): Promise<void> {
  try {
    await start()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(1)
  }
}
