/**
 * Forwarding to the core with `@fastify/reply-from` over a kept-alive undici pool. The client's
 * own internal headers are dropped and the gateway's are added: the user id it established, the
 * internal credential, and (for holds) the activeUntil of the token the request came with. The
 * core's internal answer headers are acted on (seat maps changed) and dropped. A request for a
 * concert is timed until the core's answer (or failure) for adaptive admission (core/latency.ts).
 */
import fastifyReplyFrom from '@fastify/reply-from'
import { ApiError, Headers, parseSeatMapRefs, type SeatMapRef } from '@rushgate/shared'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type { GatewayConfig } from '../config.ts'

/** Where forwarded requests go, and what the gateway does with what the core says besides the answer. */
export interface Upstream {
  internalToken: string
  /** The core's answer says these seat maps changed: awaited before the client hears it. */
  seatMapsChanged(maps: SeatMapRef[]): Promise<void>
  /** A request for this concert was answered after `ms`; `failed`: a 5xx, or no answer at all. */
  measured(concertId: number, ms: number, failed: boolean): void
}

/** Headers a client may not hand to the core (or that only concern the gateway). */
const STRIPPED = [
  Headers.internalToken,
  Headers.userId,
  Headers.activeUntil,
  Headers.queueToken,
  Headers.authorization,
  'cookie',
]

/**
 * Hop-by-hop headers of the core's answer concern the gateway↔core connection only. Copied on,
 * `connection: keep-alive` would override the client's `Connection: close` (and the one Fastify
 * sets while closing), keeping sockets open through a graceful shutdown.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']

/** The core's headers for the gateway alone. */
const INTERNAL_ANSWER = [Headers.seatMapsChanged, Headers.seatMapFreshMs]

function dropHopByHop<T extends Record<string, unknown>>(headers: T): T {
  const out = { ...headers }
  for (const name of HOP_BY_HOP) delete out[name]
  for (const name of INTERNAL_ANSWER) delete out[name]
  return out
}

export interface ForwardOptions {
  /** The caller's user id, sent as X-User-Id; omitted for anonymous or admin calls. */
  userId?: string | null
  /** Epoch ms of the token's active end, sent as X-Queue-Active-Until. */
  activeUntil?: number
  /** Sees the core's answer before it is sent on (must end with reply.send). */
  onResponse?: (reply: FastifyReply, res: { statusCode: number; stream: NodeJS.ReadableStream }) => void
  /** The concert the request is for: its latency is measured (holds, releases, extensions, payments, dates). */
  concertId?: number
}

export async function installProxy(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  await app.register(fastifyReplyFrom, {
    base: config.coreUrl,
    disableRequestLogging: true,
    undici: {
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      connectTimeout: 1000,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    },
  })
}

const unavailable = () => new ApiError('UPSTREAM_UNAVAILABLE', 'the ticketing service is unavailable; try again shortly')

export function forward(
  upstream: Upstream,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: ForwardOptions = {},
): FastifyReply {
  const { concertId } = opts
  const started = concertId === undefined ? 0 : performance.now()
  const measured = (failed: boolean) => {
    if (concertId !== undefined) upstream.measured(concertId, performance.now() - started, failed)
  }
  return reply.from(request.url, {
    rewriteRequestHeaders: (_req, headers) => {
      const out: IncomingHttpHeaders = { ...headers }
      for (const name of STRIPPED) delete out[name]
      out[Headers.internalToken] = upstream.internalToken
      if (opts.userId) out[Headers.userId] = opts.userId
      if (opts.activeUntil !== undefined) out[Headers.activeUntil] = new Date(opts.activeUntil).toISOString()
      return out
    },
    rewriteHeaders: (headers) => dropHopByHop(headers),
    // Never replay a request at a struggling core: a 503 from it is passed on as it is.
    retryDelay: () => null,
    onError: (r) => {
      measured(true)
      r.send(unavailable())
    },
    onResponse: (_req, r, res) => {
      const replyTo = r as FastifyReply
      measured(res.statusCode >= 500)
      if (res.statusCode >= 500) {
        passContractError(replyTo, res.stream)
        return
      }
      const pass = () => (opts.onResponse ? opts.onResponse(replyTo, res) : replyTo.send(res.stream))
      // reply-from hands over the upstream response, headers included (its types show less).
      const changed = parseSeatMapRefs((res as unknown as { headers: IncomingHttpHeaders }).headers[Headers.seatMapsChanged])
      if (changed.length === 0) return pass()
      // Every replica drops the old maps before the client can ask any of them for the new one.
      upstream
        .seatMapsChanged(changed)
        .catch((err: Error) => request.log.warn({ err: err.message }, 'could not mark seat maps changed'))
        .finally(pass)
    },
  })
}


/**
 * A 5xx of the core goes on only when it is a contract error body; anything else (a closing
 * server's own 503, a proxy's HTML page) becomes 503 UPSTREAM_UNAVAILABLE.
 */
function passContractError(reply: FastifyReply, stream: NodeJS.ReadableStream): void {
  readBody(stream)
    .then((body) => {
      let code: unknown
      try {
        code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code
      } catch {
        code = undefined
      }
      if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return reply.send(body)
      reply.removeHeader('content-length')
      return reply.send(unavailable())
    })
    .catch(() => {
      reply.removeHeader('content-length')
      reply.send(unavailable())
    })
}

/** Reads a proxied response body whole (small JSON answers only). */
export async function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  return Buffer.concat(chunks)
}
