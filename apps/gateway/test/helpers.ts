/** Small helpers shared by the gateway's tests: a core + gateway pair, calls, and waiting. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCore, type StartedCore } from '@rushgate/core/test-support'
import { Redis } from 'ioredis'
import type { Test } from 'tap'
import { type StartedGateway, startGateway, TEST_ADMIN_TOKEN } from '../test-support/start-gateway.ts'

export { TEST_ADMIN_TOKEN }

export interface Stack {
  core: StartedCore
  gw: StartedGateway
}

export async function startStack(t: Test, env: Record<string, string> = {}): Promise<Stack> {
  const core = await startCore()
  t.teardown(() => core.close())
  const gw = await startGateway({ coreUrl: core.url, internalToken: core.internalToken, env })
  t.teardown(() => gw.close())
  return { core, gw }
}

export interface Answer {
  status: number
  headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, read by the assertions
  body: any
}

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body }
}

export const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }
export const as = (user: string, token?: string) => ({ 'x-user-id': user, ...(token ? { 'x-queue-token': token } : {}) })

export async function createConcert(gw: string, seats = 10, price = 1000): Promise<{ id: number; scheduleId: number }> {
  const res = await call(gw, 'POST', '/api/admin/concerts', {
    headers: admin,
    body: { title: 'Test', venue: 'Hall', schedules: [{ startsAt: '2030-01-01T19:00:00.000Z', seats, price }] },
  })
  if (res.status !== 201) throw new Error(`create concert: ${res.status} ${JSON.stringify(res.body)}`)
  return { id: res.body.id, scheduleId: res.body.schedules[0].id }
}

export async function setQueue(gw: string, concertId: number, patch: Record<string, unknown>): Promise<Answer> {
  return call(gw, 'PATCH', `/api/admin/queues/${concertId}`, { headers: admin, body: patch })
}

export async function enter(gw: string, concertId: number, user: string): Promise<Answer> {
  return call(gw, 'POST', `/api/queues/${concertId}/tokens`, { headers: as(user) })
}

export async function state(gw: string, concertId: number, user: string, token: string): Promise<Answer> {
  return call(gw, 'GET', `/api/queues/${concertId}/tokens/current`, { headers: as(user, token) })
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Enters and waits until admitted; returns the token. */
export async function activeToken(gw: string, concertId: number, user: string): Promise<string> {
  const token = (await enter(gw, concertId, user)).body.token as string
  await waitFor(`${user} active`, async () => (await state(gw, concertId, user, token)).body.status === 'ACTIVE')
  return token
}

/** Rate-limit windows are fixed minutes: start a sequence well inside one, not across two. */
export async function awayFromWindowEdge(): Promise<void> {
  const into = Date.now() % 60_000
  if (into > 50_000) await new Promise((r) => setTimeout(r, 60_000 - into + 50))
}

export interface PrivateRedis {
  url: string
  /** Stops the server (SIGKILL by default: it vanishes mid-write) and starts it again on the same port. */
  restart(signal?: NodeJS.Signals): Promise<void>
}

/**
 * A redis-server of the test's own on a free port, stopped in teardown. Persistent: an append-only
 * file fsynced on every write, so a kill -9 and a restart lose nothing.
 */
export async function startPrivateRedis(t: Test): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'rg-gw-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']
  let child: ChildProcess | null = null
  const url = `redis://127.0.0.1:${port}`
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' })
    const probe = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => 50, lazyConnect: true })
    probe.on('error', () => {})
    try {
      await waitFor(`redis-server on ${port}`, async () => (await probe.ping().catch(() => '')) === 'PONG', 10_000)
    } finally {
      probe.disconnect()
    }
  }
  const stop = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const c = child
      child = null
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve()
      c.once('exit', () => resolve())
      c.kill(signal)
    })
  await start()
  t.teardown(async () => {
    await stop('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  return {
    url,
    async restart(signal = 'SIGKILL') {
      await stop(signal)
      await start()
    },
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}
