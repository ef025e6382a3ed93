/**
 * Starts a real gateway for tests: in this process (`startGateway`) or as a separate process
 * (`spawnGateway`, `tsx src/server.ts`), each with a random REDIS_KEY_PREFIX so test files share
 * Redis without meeting. `close()` stops it and deletes its keys (SCAN of the prefix, never FLUSH).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { Cluster, Redis } from 'ioredis'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789'
const APP_DIR = fileURLToPath(new URL('..', import.meta.url))

export interface GatewayOptions {
  coreUrl: string
  internalToken: string
  /** Extra environment (ADMIT_INTERVAL_MS, REDIS_URL, …). */
  env?: Record<string, string>
  /** Reuse a prefix (several gateways on one line); random when absent. */
  prefix?: string
}

export interface StartedGateway {
  url: string
  app: FastifyInstance
  prefix: string
  /** A plain client of the gateway's Redis, for the test's own reads. */
  redis: Redis
  close(): Promise<void>
}

export function randomPrefix(): string {
  return `rgt_${randomBytes(5).toString('hex')}`
}

/**
 * With REDIS_CLUSTER_NODES in the environment, the whole suite runs against that Redis Cluster
 * (`pnpm --filter @rushgate/system-tests test:gateway-on-cluster`) — except gateways a test points
 * at a Redis of its own with REDIS_URL.
 */
const CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES ?? ''

function environment(opts: GatewayOptions, prefix: string): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: '1000000',
    REDIS_CLUSTER_NODES: opts.env?.REDIS_URL ? '' : CLUSTER_NODES,
    ...opts.env,
    CORE_URL: opts.coreUrl,
    INTERNAL_TOKEN: opts.internalToken,
    REDIS_KEY_PREFIX: prefix,
  }
}

/**
 * A client of the Redis the tests' gateways use: the shared local one, or the cluster. A Cluster
 * client answers the single-slot commands the tests send like a plain one, hence the cast.
 */
export function testRedis(url = 'redis://127.0.0.1:6379'): Redis {
  const client = CLUSTER_NODES
    ? (new Cluster(CLUSTER_NODES.split(',').map((n) => {
        const [host, port] = n.split(':')
        return { host: host!, port: Number(port) }
      })) as unknown as Redis)
    : new Redis(url, { maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  return client
}

/** Deletes every key of the prefix (the line's and BullMQ's), on every primary of a cluster. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  const nodes = redis instanceof Cluster ? (redis as Cluster).nodes('master') : [redis]
  for (const node of nodes) {
    for (const pattern of [`${prefix}:*`, `{${prefix}-bull}:*`]) {
      let cursor = '0'
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
        cursor = next
        // One key per command: in a cluster, keys of different concerts live in different slots.
        for (const key of keys) await node.unlink(key)
      } while (cursor !== '0')
    }
  }
}

export async function startGateway(opts: GatewayOptions): Promise<StartedGateway> {
  const prefix = opts.prefix ?? randomPrefix()
  const config = loadConfig({ ...environment(opts, prefix), GATEWAY_PORT: '0' })
  const app = await buildApp(config)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const redis = testRedis(config.redisUrl)
  let closed = false
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    prefix,
    redis,
    async close() {
      if (closed) return
      closed = true
      await app.close()
      if (!opts.prefix) await deletePrefix(redis, prefix).catch(() => {})
      redis.disconnect()
    },
  }
}

export interface GatewayProcess {
  url: string
  prefix: string
  child: ChildProcess
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code (null when killed). */
  close(): Promise<number | null>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Runs `tsx src/server.ts` as a child process and waits for /health/live. */
export async function spawnGateway(opts: GatewayOptions & { prefix: string }): Promise<GatewayProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: APP_DIR,
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', ...environment(opts, opts.prefix), GATEWAY_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output}`)
    try {
      if ((await fetch(`${url}/health/live`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`gateway did not start:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    prefix: opts.prefix,
    child,
    close: () =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', (code) => {
          clearTimeout(timer)
          resolve(code)
        })
        child.kill('SIGTERM')
      }),
  }
}
