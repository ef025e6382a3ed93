/** A small JSON client for tests: status, parsed body, headers and how long the answer took. */
import { Agent, request } from 'undici'
import { ADMIN_TOKEN } from './credentials.ts'

/** Test bodies are read loosely (`body.code`, `body[0].status`) and asserted on; a typed client would only add casts. */
// biome-ignore lint/suspicious/noExplicitAny: deliberate, see above
export type Loose = any

export interface Answer<T = Loose> {
  status: number
  /** Parsed JSON; the text when it is not JSON; null when empty. */
  body: T
  text: string
  headers: Headers
  ms: number
}

/** A base URL (the gateway, any server), or a core, which gets its internal credential with each call. */
export type Target = string | { url: string; internalToken?: string }

export interface CallOptions {
  headers?: Record<string, string | string[]>
  /** An object is sent as JSON; a string or Buffer as it is. */
  body?: unknown
  /** Sent as X-User-Id. */
  user?: string
  /** Send no X-Internal-Token to a core (or a wrong one through `headers`). */
  noToken?: boolean
  /** Give up (throw) after this long: a hanging request is a failure, never a wait. */
  timeoutMs?: number
}

// No keep-alive: a service a test kills must not leave half-dead pooled sockets behind.
const dispatcher = new Agent({ pipelining: 0, connect: { timeout: 2000 } })

export async function call<T = Loose>(target: Target, method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const base = typeof target === 'string' ? target : target.url
  const headers: Record<string, string | string[]> = {}
  if (typeof target !== 'string' && target.internalToken && !options.noToken) headers['x-internal-token'] = target.internalToken
  if (options.user !== undefined) headers['x-user-id'] = options.user
  Object.assign(headers, options.headers)
  let body: string | Buffer | undefined
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
  }
  const timeout = options.timeoutMs ?? 10_000
  const started = performance.now()
  const res = await request(base + path, {
    method: method as 'GET',
    headers,
    body,
    dispatcher,
    // Connection: close, and the socket is never reused: each request stands alone.
    reset: true,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    signal: AbortSignal.timeout(timeout),
  })
  const text = await res.body.text()
  const ms = performance.now() - started
  let parsed: unknown = text || null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {}
  const answerHeaders = new Headers()
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) answerHeaders.append(name, v)
  }
  return { status: res.statusCode, body: parsed as T, text, headers: answerHeaders, ms }
}

/** Headers of a user, optionally with a queue token. */
export function as(userId: string, token?: string): Record<string, string> {
  return token ? { 'x-user-id': userId, 'x-queue-token': token } : { 'x-user-id': userId }
}

/** The admin API's credential on every gateway the kit starts. */
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

/** A contract error body: `{ statusCode, code, message }` and nothing that looks like a stack. */
export function isContractError(answer: Answer): boolean {
  const b = answer.body as Record<string, unknown> | undefined
  return (
    typeof b === 'object' &&
    b !== null &&
    b.statusCode === answer.status &&
    typeof b.code === 'string' &&
    /^[A-Z_]+$/.test(b.code) &&
    typeof b.message === 'string' &&
    !/\bat .+:\d+:\d+\)?/.test(answer.text) &&
    !('stack' in b)
  )
}
