/**
 * The stack a benchmark or a rush runs against: either one that is already running (`--url`), or the
 * real core and gateway started here as child processes by the test kit (free ports, a database of
 * their own, a random Redis key prefix), plus the one-round-trip baseline server. `stop()` ends what
 * was started and removes the database and the Redis keys it created — never anything else.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import { CoreThrottle, SHARED_REDIS, spawnService, spawnStack, type ThrottleSettings } from '@rushgate/testkit'

const READY_TIMEOUT_MS = 90_000

export interface Stack {
  gatewayUrl: string
  coreUrl: string
  /** The core's database, when known (needed by the database half of the invariant check). */
  databaseUrl: string | undefined
  redisUrl: string
  adminToken: string
  internalToken: string
  /** the gateway's REDIS_KEY_PREFIX */
  redisPrefix: string
  /** the gateway's TOKEN_SECRET: lets the line benchmark sign tokens for users it puts in Redis itself */
  tokenSecret: string
  /** true when the stack was started elsewhere and is left running. */
  external: boolean
  /** The gateway's and the core's pids when this run started them (for CPU per request). */
  gatewayPid?: number
  corePid?: number
  /** The proxy between the gateway and the core, when the run asked for one (a core of limited capacity). */
  throttle?: CoreThrottle
  /** The gateway's last output (its warnings and errors), when this run started it. */
  gatewayOutput?: () => string
  stop(): Promise<void>
}

export interface StackOptions {
  /** Extra or overriding environment of the gateway (ADMIT_INTERVAL_MS, ADMIT_BATCH, …). */
  gatewayEnv?: Record<string, string>
  /** Extra or overriding environment of the core (HOLD_TTL_SECONDS, MAX_HOLDS_PER_USER, …). */
  coreEnv?: Record<string, string>
  /** When set, both services run with `--cpu-prof` and write their profiles here. */
  profileDir?: string
  /** CPUs the services may run on (`taskset -c` list), to keep them off the load generator's. */
  cpus?: string
  /** Puts the test kit's throttling proxy between the gateway and the core, set so at first. */
  coreThrottle?: Partial<ThrottleSettings>
  log?: (line: string) => void
}

/** A stack already running, described by the URL given and the environment. */
export function externalStack(gatewayUrl: string): Stack {
  return {
    gatewayUrl: gatewayUrl.replace(/\/$/, ''),
    coreUrl: (process.env.CORE_URL ?? 'http://127.0.0.1:3001').replace(/\/$/, ''),
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL ?? SHARED_REDIS,
    adminToken: requireEnv('ADMIN_TOKEN'),
    internalToken: requireEnv('INTERNAL_TOKEN'),
    redisPrefix: process.env.REDIS_KEY_PREFIX ?? 'rg',
    // The gateway derives its secret this way when TOKEN_SECRET is not set (apps/gateway/src/config.ts).
    tokenSecret:
      process.env.TOKEN_SECRET ??
      createHmac('sha256', requireEnv('INTERNAL_TOKEN')).update('rushgate queue tokens').digest('hex'),
    external: true,
    stop: async () => {},
  }
}

function requireEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} must be set to run against an existing stack (--url)`)
  return value
}

/** Starts the core and the gateway as child processes and waits until both are ready. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {})
  const id = randomBytes(5).toString('hex')
  const databaseName = `rushgate_bench_${id}`
  const redisUrl = process.env.REDIS_URL ?? SHARED_REDIS
  const redisPrefix = `rglt-${id}`
  const adminToken = `admin-${randomBytes(12).toString('hex')}`
  const internalToken = `internal-${randomBytes(12).toString('hex')}`
  const tokenSecret = randomBytes(24).toString('hex')
  log(`starting core (database ${databaseName}) and gateway (Redis prefix ${redisPrefix})`)
  let throttle: CoreThrottle | undefined
  const stack = await spawnStack(
    { core: coreEntry, gateway: gatewayEntry },
    {
      databaseName,
      prefix: redisPrefix,
      redisUrl,
      internalToken,
      coreEnv: { LOG_LEVEL: 'warn', ...options.coreEnv },
      gatewayEnv: {
        LOG_LEVEL: 'warn',
        ADMIN_TOKEN: adminToken,
        TOKEN_SECRET: tokenSecret,
        // Benchmarks measure throughput, not the limiter; a rush sets its own value.
        RATE_LIMIT_PER_MINUTE: '10000000',
        // The simulated users all come from this machine's address.
        JOIN_LIMIT_PER_MINUTE: '10000000',
        // Production mode with header identity: the simulated users are X-User-Id headers.
        TRUST_USER_HEADER: 'true',
        ...options.gatewayEnv,
      },
      service: { nodeEnv: 'production', profileDir: options.profileDir, cpus: options.cpus, timeoutMs: READY_TIMEOUT_MS },
      // A profile is written when the process exits by itself.
      stopSignal: 'SIGTERM',
      coreUrlForGateway: options.coreThrottle
        ? async (coreUrl) => {
            // The gateway's readiness probe goes around it: a slow core is slow, not down.
            throttle = new CoreThrottle(coreUrl, options.coreThrottle, /^\/health\//)
            return throttle.start()
          }
        : undefined,
    },
  )
  log(`core on ${stack.core.url}, gateway on ${stack.gateway.url}`)
  return {
    gatewayUrl: stack.gateway.url,
    coreUrl: stack.core.url,
    databaseUrl: stack.databaseUrl,
    redisUrl,
    adminToken,
    internalToken,
    redisPrefix,
    tokenSecret,
    external: false,
    gatewayPid: stack.gateway.child.proc.pid,
    corePid: stack.core.child.proc.pid,
    throttle,
    gatewayOutput: () => stack.gateway.child.output(),
    async stop() {
      await stack.stop()
      await throttle?.close()
    },
  }
}

/** The one-Redis-round-trip Fastify server every benchmark compares against. */
export async function startBaseline(
  redisUrl: string,
  cpus?: string,
): Promise<{ url: string; pid?: number; stop(): Promise<void> }> {
  const key = `rglt-baseline-${randomBytes(5).toString('hex')}`
  const service = await spawnService(
    'baseline',
    fileURLToPath(new URL('./baseline-server.ts', import.meta.url)),
    'BASELINE_PORT',
    { REDIS_URL: redisUrl, BASELINE_KEY: key },
    { readyPath: '/baseline', nodeEnv: 'production', cpus, timeoutMs: READY_TIMEOUT_MS },
  )
  return { url: `${service.url}/baseline`, pid: service.child.proc.pid, stop: () => service.terminate() }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}
