/**
 * An HTTP proxy between the gateway and the core that plays a core of limited capacity: at most
 * `concurrency` requests are with the core at once, the others wait their turn in arrival order,
 * so latency grows with load as a saturated service's does; each request also takes `delayMs`
 * more while it holds its slot (a slower core). Both can change while it runs (capacity that drops
 * mid-sale), and `failing` makes it answer 503 at once. It counts what it forwarded and how long
 * requests queued.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Pool } from 'undici'

export interface ThrottleSettings {
  /** Requests with the core at once (Infinity: no limit). */
  concurrency: number
  /** Added to every request while it holds its slot. */
  delayMs: number
  /** Answer 503 UPSTREAM_UNAVAILABLE without asking the core. */
  failing: boolean
}

export interface ThrottleStats {
  forwarded: number
  failed: number
  /** The most requests waiting for a slot at once. */
  maxQueued: number
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer'])

export class CoreThrottle {
  private server: Server | null = null
  private readonly pool: Pool
  private readonly settings: ThrottleSettings
  private inFlight = 0
  private readonly queue: (() => void)[] = []
  readonly stats: ThrottleStats = { forwarded: 0, failed: 0, maxQueued: 0 }
  url = ''

  constructor(
    /** The core's URL. */
    readonly target: string,
    settings: Partial<ThrottleSettings> = {},
    /** Paths let through at once, outside the limit (a readiness probe, say). */
    private readonly bypass: RegExp | null = null,
  ) {
    this.settings = { concurrency: Number.POSITIVE_INFINITY, delayMs: 0, failing: false, ...settings }
    this.pool = new Pool(target, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 60_000 })
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res))
    server.keepAliveTimeout = 30_000
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.server = server
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return this.url
  }

  /** Changes capacity, delay or failing from now on; requests already waiting get the new capacity. */
  set(settings: Partial<ThrottleSettings>): void {
    Object.assign(this.settings, settings)
    this.release()
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req)
    if (this.settings.failing) {
      this.stats.failed++
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ statusCode: 503, code: 'UPSTREAM_UNAVAILABLE', message: 'the core is failing (test throttle)' }))
      return
    }
    const throttled = !(this.bypass?.test(req.url ?? '') ?? false)
    if (throttled) await this.acquire()
    try {
      if (throttled && this.settings.delayMs > 0) await new Promise((r) => setTimeout(r, this.settings.delayMs))
      const headers: Record<string, string | string[]> = {}
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value
      }
      const answer = await this.pool.request({
        method: req.method as 'GET',
        path: req.url ?? '/',
        headers,
        body: body.length > 0 ? body : undefined,
      })
      const out: Record<string, string | string[]> = {}
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
      const payload = Buffer.from(await answer.body.arrayBuffer())
      this.stats.forwarded++
      res.writeHead(answer.statusCode, out)
      res.end(payload)
    } catch {
      this.stats.failed++
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ statusCode: 502, code: 'BAD_GATEWAY', message: 'the core did not answer (test throttle)' }))
    } finally {
      if (throttled) {
        this.inFlight--
        this.release()
      }
    }
  }

  private acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push(resolve)
      this.stats.maxQueued = Math.max(this.stats.maxQueued, this.queue.length)
      this.release()
    })
  }

  private release(): void {
    while (this.inFlight < this.settings.concurrency && this.queue.length > 0) {
      this.inFlight++
      this.queue.shift()!()
    }
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = null
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    await this.pool.close()
  }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
