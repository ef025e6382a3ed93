/**
 * How the page says who the user is. The gateway tells the mode (`GET /api/config`):
 * - `header`: the user types a user id, sent as `X-User-Id`;
 * - `jwt`: the host site where the user signed in hands the page a JWT in the address's fragment,
 *   `https://<gateway>/#token=<JWT>`, sent as `Authorization: Bearer`. The fragment never reaches a
 *   server or its logs; the page keeps the token for this tab (sessionStorage) and takes it out of
 *   the address bar. To hand over a fresh one, the host sends the user to the same address with a
 *   new fragment: the page takes it at once (reloaded or not) and keeps the place in line.
 * The user id of a JWT is its `sub`, read without verifying: the gateway verifies every request.
 */
import { type ClientConfig, Headers } from '@rushgate/shared'

export type AuthMode = ClientConfig['authMode']

const JWT_KEY = 'rushgate:jwt'
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/

/** The JWT of this tab: a new one from the address's fragment (taken out of it), or the one kept. */
export function takeJwt(): string | null {
  const fresh = new URLSearchParams(location.hash.slice(1)).get('token')
  if (fresh) {
    keep(fresh)
    // Out of the address bar (and so out of bookmarks, shared links and the history).
    history.replaceState(history.state, '', location.pathname + location.search)
  }
  try {
    return sessionStorage.getItem(JWT_KEY) ?? memory
  } catch {
    return memory
  }
}

/** The token when sessionStorage is disabled: it then lives as long as the page. */
let memory: string | null = null

function keep(token: string): void {
  memory = token
  try {
    sessionStorage.setItem(JWT_KEY, token)
  } catch {
    // storage disabled: `memory` has it
  }
}

/** The token to send now: the newest handed over. */
export function currentJwt(): string | null {
  try {
    return sessionStorage.getItem(JWT_KEY) ?? memory
  } catch {
    return memory
  }
}

/** The `sub` of a JWT when it is a contract user id; null for anything else. */
export function subOf(token: string): string | null {
  try {
    const part = token.split('.')[1] ?? ''
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'))
    const sub = (JSON.parse(json) as { sub?: unknown }).sub
    return typeof sub === 'string' && USER_ID.test(sub) ? sub : null
  } catch {
    return null
  }
}

/** Calls `onToken` with each new token the host hands over while the page is open. */
export function watchForJwt(onToken: (token: string) => void): void {
  window.addEventListener('hashchange', () => {
    if (!new URLSearchParams(location.hash.slice(1)).has('token')) return
    const token = takeJwt()
    if (token) onToken(token)
  })
}

/** The identity headers of every call: read at call time, so a refreshed token applies at once. */
export function credentials(mode: AuthMode, userId: string): () => Record<string, string> {
  if (mode === 'header') {
    const headers = { [Headers.userId]: userId }
    return () => headers
  }
  return (): Record<string, string> => {
    const token = currentJwt()
    return token ? { [Headers.authorization]: `Bearer ${token}` } : {}
  }
}
