/**
 * Queue tokens: `base64url(payload).base64url(hmac-sha256(payload))`, payload
 * `{ u: userId, c: concertId, n: 128-bit random nonce }`. The signature is checked (in constant
 * time) before anything inside is believed, so a forged or altered token never costs a Redis call.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export interface TokenClaims {
  user: string
  concertId: number
  nonce: string
}

/** Nonces are cut from a pool of random bytes: one getrandom call per 256 tokens, not per token. */
const NONCE_BYTES = 16
const POOL_BYTES = NONCE_BYTES * 256
let pool = randomBytes(POOL_BYTES)
let poolOffset = 0

function nonce(): string {
  if (poolOffset + NONCE_BYTES > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES)
    poolOffset = 0
  }
  const n = pool.toString('base64url', poolOffset, poolOffset + NONCE_BYTES)
  poolOffset += NONCE_BYTES
  return n
}

/** Verified tokens remembered, so a client polling every second costs no HMAC after the first. */
const VERIFIED_CACHE_SIZE = 50_000

export class TokenSigner {
  private readonly secret: Buffer
  private readonly verified = new Map<string, TokenClaims>()

  constructor(secret: string) {
    this.secret = Buffer.from(secret)
  }

  issue(user: string, concertId: number): string {
    const payload = Buffer.from(JSON.stringify({ u: user, c: concertId, n: nonce() }))
    const body = payload.toString('base64url')
    return `${body}.${this.sign(body).toString('base64url')}`
  }

  /** The claims of a genuine token, or null for anything else. */
  verify(token: string): TokenClaims | null {
    const known = this.verified.get(token)
    if (known) return known
    const claims = this.check(token)
    if (claims) {
      // Crude bound: start afresh when full (cheaper than an LRU, and only costs re-verifying).
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear()
      this.verified.set(token, claims)
    }
    return claims
  }

  private check(token: string): TokenClaims | null {
    if (token.length > 512) return null
    const dot = token.indexOf('.')
    if (dot <= 0) return null
    const body = token.slice(0, dot)
    // Compared as text, so no alternative spelling of the same bytes gets through.
    const given = Buffer.from(token.slice(dot + 1))
    const expected = Buffer.from(this.sign(body).toString('base64url'))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { u?: unknown; c?: unknown; n?: unknown }
      if (typeof claims.u !== 'string' || typeof claims.c !== 'number' || typeof claims.n !== 'string') return null
      return { user: claims.u, concertId: claims.c, nonce: claims.n }
    } catch {
      return null
    }
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest()
  }
}
