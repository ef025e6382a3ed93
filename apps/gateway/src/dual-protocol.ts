/**
 * One port, two protocols: HTTP/1.1, and cleartext HTTP/2 for a client that opens with HTTP/2's
 * connection preface (h2c with prior knowledge: a load balancer such as HAProxy with `proto h2`,
 * Envoy, or a load generator). Browsers keep HTTP/1.1 to the gateway, or HTTP/2 over TLS to the
 * load balancer in front.
 *
 * Why: an open event stream is a socket under HTTP/1.1, and a process holds only as many sockets
 * as its file-descriptor limit. Over HTTP/2 a load balancer carries thousands of clients' streams
 * on each connection to a gateway, so one process holds tens of thousands of streams on a few
 * hundred descriptors, and each costs less memory than a socket of its own.
 *
 * The first bytes of each connection decide: the HTTP/2 preface starts with `PRI * HTTP/2.0`,
 * which no HTTP/1.1 request can (PRI is reserved for it). Both servers call the same Fastify
 * handler; Fastify's timeouts are applied to the HTTP/1.1 one as it would apply them itself.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import http2, { type Http2ServerRequest, type Http2Session, type OutgoingHttpHeaders } from 'node:http2'
import type { Socket } from 'node:net'
import type { FastifyServerOptions } from 'fastify'

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
/** Bytes enough to tell the protocols apart ("PRI " against any HTTP/1.1 method). */
const DECIDE_BYTES = 4
/** Streams a client may have open on one HTTP/2 connection (a load balancer opens more connections beyond). */
const MAX_STREAMS_PER_CONNECTION = 10_000
/** What nghttp2 may buffer per connection, for that many streams (Node's default is 10 MB). */
const SESSION_MEMORY_MB = 64

/** HTTP/1.1 connection headers mean nothing in HTTP/2: dropped quietly, not with a process warning. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

class Http2Response extends http2.Http2ServerResponse {
  override setHeader(name: string, value: number | string | readonly string[]): this {
    if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) super.setHeader(name, value)
    return this
  }

  override writeHead(statusCode: number, ...rest: unknown[]): this {
    const headers = rest[rest.length - 1]
    if (headers !== null && typeof headers === 'object') {
      for (const name of Object.keys(headers)) {
        if (CONNECTION_SPECIFIC.has(name.toLowerCase())) delete (headers as OutgoingHttpHeaders)[name]
      }
    }
    return (super.writeHead as (...args: unknown[]) => this)(statusCode, ...rest)
  }
}

type Handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse) => void

/** Fastify's `serverFactory`: an HTTP/1.1 server whose connections may turn out to be HTTP/2. */
export function dualProtocolServer(handler: Handler, options: FastifyServerOptions): http.Server {
  const h1 = http.createServer(handler as http.RequestListener)
  h1.keepAliveTimeout = options.keepAliveTimeout ?? 72_000
  h1.requestTimeout = options.requestTimeout ?? 0
  h1.setTimeout(options.connectionTimeout ?? 0)

  const h2 = http2.createServer(
    {
      Http2ServerResponse: Http2Response as typeof http2.Http2ServerResponse,
      maxSessionMemory: SESSION_MEMORY_MB,
      settings: { maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION },
    },
    handler as (req: Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  )
  const sessions = new Set<Http2Session>()
  h2.on('session', (session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
    // An idle connection goes after the keep-alive time, as an HTTP/1.1 one does.
    session.setTimeout(h1.keepAliveTimeout, () => session.close())
  })

  // The HTTP/1.1 server's own connection listener runs once the protocol is known.
  const [serveHttp1] = h1.listeners('connection') as ((socket: Socket) => void)[]
  if (!serveHttp1) throw new Error('node:http server without its connection listener')
  h1.removeAllListeners('connection')
  h1.on('connection', (socket: Socket) => {
    const chunks: Buffer[] = []
    let length = 0
    // A connection that sends nothing is dropped when HTTP/1.1 would give up on a request's headers.
    const timer = setTimeout(() => socket.destroy(), h1.headersTimeout).unref()
    const decide = (isHttp2: boolean) => {
      clearTimeout(timer)
      socket.removeListener('data', onData)
      socket.removeListener('error', onError)
      socket.removeListener('close', onClose)
      // Paused with the bytes given back, so nothing flows to no listener: the HTTP/2 session
      // reads them from the buffer; the HTTP/1.1 parser gets them when the socket resumes.
      socket.pause()
      socket.unshift(Buffer.concat(chunks, length))
      if (isHttp2) h2.emit('connection', socket)
      else {
        serveHttp1.call(h1, socket)
        socket.resume()
      }
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.length
      const n = Math.min(length, DECIDE_BYTES)
      const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, length)
      const prefaceSoFar = head.subarray(0, n).equals(PREFACE.subarray(0, n))
      if (!prefaceSoFar) decide(false)
      else if (n === DECIDE_BYTES) decide(true)
    }
    const onClose = () => clearTimeout(timer)
    const onError = () => socket.destroy()
    socket.on('data', onData)
    socket.on('error', onError)
    socket.once('close', onClose)
  })

  // Fastify closes idle connections on close: HTTP/2 ones are told to go (GOAWAY) and end once
  // their streams have (event streams are ended by the app on close).
  const closeIdle = h1.closeIdleConnections.bind(h1)
  h1.closeIdleConnections = () => {
    closeIdle()
    for (const session of sessions) session.close()
  }
  return h1
}
