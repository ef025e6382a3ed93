/** A small HTTP client for tests: real requests to a started core, as the gateway makes them. */
import type { StartedCore } from './start-core.ts'

/** Test bodies are read loosely (`body.code`, `body[0].status`); a typed client would only add casts. */
// biome-ignore lint/suspicious/noExplicitAny: deliberate, see above
export type Json = any

export interface CallOptions {
  user?: string
  body?: unknown
  headers?: Record<string, string>
  /** Send no X-Internal-Token (or a wrong one with `headers`). */
  noToken?: boolean
}

export interface CallResult<T = Json> {
  status: number
  body: T
  headers: Headers
}

export async function call<T = Json>(
  core: StartedCore,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = {}
  if (!opts.noToken) headers['x-internal-token'] = core.internalToken
  if (opts.user) headers['x-user-id'] = opts.user
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  Object.assign(headers, opts.headers)
  const res = await fetch(core.url + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers }
}
