/**
 * The stack a benchmark or a rush runs against: either one that is already running (`--url`), or the
 * real core and gateway started here as child processes (`tsx`, free ports, a database of their own, a
 * random Redis key prefix), plus the one-round-trip baseline server. `stop()` ends what was started and
 * removes the database and the Redis keys it created — never anything else.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import pg from 'pg'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// `node --import <tsx>` rather than the tsx CLI, so that node flags such as --cpu-prof reach the service.
const TSX = import.meta.resolve('tsx')

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'
export const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
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
  /** The gateway's pid when this run started it (for CPU per request). */
  gatewayPid?: number
  stop(): Promise<void>
}

export interface StackOptions {
  /** Extra or overriding environment of the gateway (ADMIT_INTERVAL_MS, ADMIT_BATCH, …). */
  gatewayEnv?: Record<string, string>
  /** Extra or overriding environment of the core (HOLD_TTL_SECONDS, MAX_HOLDS_PER_USER, …). */
  coreEnv?: Record<string, string>
  /** When set, both services run with `--cpu-prof` and write their profiles here. */
  profileDir?: string
  /** Modules preloaded into the gateway (`--import`), for experiments that leave its code alone. */
  gatewayImports?: string[]
  /** CPUs the services may run on (`taskset -c` list), to keep them off the load generator's. */
  cpus?: string
  log?: (line: string) => void
}

/** A stack already running, described by the URL given and the environment. */
export function externalStack(gatewayUrl: string): Stack {
  return {
    gatewayUrl: gatewayUrl.replace(/\/$/, ''),
    coreUrl: (process.env.CORE_URL ?? 'http://127.0.0.1:3001').replace(/\/$/, ''),
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
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
  const dbName = `rushgate_bench_${id}`
  const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL
  const adminUrl = process.env.PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL
  const databaseUrl = withDatabase(adminUrl, dbName)
  const redisPrefix = `rglt-${id}`
  const adminToken = `admin-${randomBytes(12).toString('hex')}`
  const internalToken = `internal-${randomBytes(12).toString('hex')}`
  const tokenSecret = randomBytes(24).toString('hex')
  const children: Service[] = []

  await adminQuery(adminUrl, `CREATE DATABASE ${dbName}`)
  const stop = async () => {
    await Promise.allSettled(children.map((c) => c.stop()))
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) =>
      log(`could not drop ${dbName}: ${err}`),
    )
    await deleteKeys(redisUrl, `*${id}*`).catch((err) => log(`could not delete keys of ${redisPrefix}: ${err}`))
  }

  try {
    const [corePort, gatewayPort] = [await freePort(), await freePort()]
    const coreUrl = `http://127.0.0.1:${corePort}`
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
    const common = { LOG_LEVEL: 'warn', INTERNAL_TOKEN: internalToken, HOST: '127.0.0.1' }
    log(`starting core on ${coreUrl} (database ${dbName})`)
    const core = startService('core', 'apps/core/src/server.ts', {
      ...common,
      CORE_PORT: String(corePort),
      DATABASE_URL: databaseUrl,
      ...options.coreEnv,
    }, { profileDir: options.profileDir, cpus: options.cpus })
    children.push(core)
    await waitReady(core, `${coreUrl}/health/ready`)
    log(`starting gateway on ${gatewayUrl} (Redis prefix ${redisPrefix})`)
    const gateway = startService('gateway', 'apps/gateway/src/server.ts', {
      ...common,
      GATEWAY_PORT: String(gatewayPort),
      CORE_URL: coreUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      ADMIN_TOKEN: adminToken,
      TOKEN_SECRET: tokenSecret,
      // Benchmarks measure throughput, not the limiter; a rush sets its own value.
      RATE_LIMIT_PER_MINUTE: '10000000',
      // Production mode with header identity: the simulated users are X-User-Id headers.
      TRUST_USER_HEADER: 'true',
      ...options.gatewayEnv,
    }, { profileDir: options.profileDir, imports: options.gatewayImports, cpus: options.cpus })
    children.push(gateway)
    await waitReady(gateway, `${gatewayUrl}/health/ready`)
    return {
      gatewayUrl,
      coreUrl,
      databaseUrl,
      redisUrl,
      adminToken,
      internalToken,
      redisPrefix,
      tokenSecret,
      external: false,
      gatewayPid: gateway.child.pid,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The one-Redis-round-trip Fastify server every benchmark compares against. */
export async function startBaseline(
  redisUrl: string,
  cpus?: string,
): Promise<{ url: string; pid?: number; stop(): Promise<void> }> {
  const key = `rglt-baseline-${randomBytes(5).toString('hex')}`
  const service = startService('baseline', 'load-tests/src/baseline-server.ts', {
    REDIS_URL: redisUrl,
    BASELINE_KEY: key,
    BASELINE_PORT: '0',
  }, { cpus })
  const address = await new Promise<string>((resolveAddress, reject) => {
    const timer = setTimeout(() => reject(new Error('baseline server did not start')), READY_TIMEOUT_MS)
    service.child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\S+)/.exec(chunk.toString())
      if (match?.[1]) {
        clearTimeout(timer)
        resolveAddress(match[1])
      }
    })
    service.child.once('exit', (code) => reject(new Error(`baseline server exited (${code}): ${service.output()}`)))
  })
  return { url: `${address}/baseline`, pid: service.child.pid, stop: () => service.stop() }
}

interface Service {
  name: string
  child: ChildProcess
  output(): string
  stop(): Promise<void>
}

interface ServiceOptions {
  profileDir?: string
  imports?: string[]
  cpus?: string
}

function startService(
  name: string,
  script: string,
  env: Record<string, string>,
  { profileDir, imports = [], cpus }: ServiceOptions = {},
): Service {
  const flags = ['--import', TSX, ...imports.flatMap((m) => ['--import', m])]
  if (profileDir) {
    // Absolute: the service runs in its own package directory.
    // One directory per service, default file names: the loader's worker thread writes a profile too.
    const dir = resolve(profileDir, name)
    mkdirSync(dir, { recursive: true })
    flags.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
  }
  const node = [process.execPath, ...flags, resolve(ROOT, script)]
  const [command, ...args] = cpus ? ['taskset', '-c', cpus, ...node] : node
  const child = spawn(command!, args, {
    cwd: resolve(ROOT, dirname(dirname(script))),
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Keep the tail of what the service printed, to explain a failed start.
  let tail = ''
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  return {
    name,
    child,
    output: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

async function waitReady(service: Service, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(`${service.name} exited with ${service.child.exitCode}:\n${service.output()}`)
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  throw new Error(`${service.name} was not ready at ${url} within ${READY_TIMEOUT_MS} ms:\n${service.output()}`)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}

async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => done(port))
    })
  })
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Deletes the keys matching `pattern` with SCAN + UNLINK: only the keys of one run, never a FLUSH. */
export async function deleteKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true })
  await redis.connect()
  let deleted = 0
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) deleted += await redis.unlink(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return deleted
}
