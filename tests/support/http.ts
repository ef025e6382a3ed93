/** A small JSON client for the tests: status, parsed body, headers and how long the answer took. */
import { Agent, request } from 'undici'

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
export type Loose = any

export interface Answer<T = Loose> {
  status: number
  body: T
  text: string
  headers: Record<string, string | string[] | undefined>
  ms: number
}

export interface CallOptions {
  headers?: Record<string, string | string[]>
  /** An object is sent as JSON; a string or Buffer as it is. */
  body?: unknown
  /** Give up (throw) after this long: a hanging request is a failure, never a wait. */
  timeoutMs?: number
}

// No keep-alive: a service a test kills must not leave half-dead pooled sockets behind.
const dispatcher = new Agent({ pipelining: 0, connect: { timeout: 2000 } })

export async function call<T = Loose>(base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string | string[]> = { ...options.headers }
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
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {}
  return { status: res.statusCode, body: parsed as T, text, headers: res.headers, ms }
}

/** Headers of a user, optionally with a queue token. */
export function as(userId: string, token?: string): Record<string, string> {
  return token ? { 'x-user-id': userId, 'x-queue-token': token } : { 'x-user-id': userId }
}

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
