/**
 * Queue tokens: `base64url(payload).base64url(hmac-sha256(payload))`, payload
 * `{ u: userId, c: concertId, s: arrival sequence number }`, plus `a: activeUntil` (epoch ms) in the
 * token of an admitted turn — `s` is the user's turn in the line
 * (the INCR value, also their score in the waiting ZSET), so Redis keeps no per-user token: a
 * token is current when the user's line entry still carries its `s`.
 *
 * Unguessable without a nonce: the payload is predictable, but the token is only accepted with
 * its HMAC-SHA256 under TOKEN_SECRET, which never leaves the gateways; without the key nobody can
 * produce the signature of any payload (HMAC is a PRF), and a valid token of one (user, concert, s)
 * says nothing about the signature of another. Signing is deterministic, so re-entry with a live
 * turn hands back the very same token string. The signature is checked (in constant time) before
 * anything inside is believed, so a forged or altered token never costs a Redis call.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface TokenClaims {
  user: string
  concertId: number
  /** The turn: the user's arrival sequence number in this concert's line. */
  seq: number
  /**
   * Set in the tokens the state answers hand once the turn is admitted: until when it is active
   * (epoch ms). Proof of an admitted turn, for a place rebuilt after Redis lost it (line-restore.ts).
   */
  activeUntil?: number
}

/** Verified tokens remembered, so a client polling every second costs no HMAC after the first. */
const VERIFIED_CACHE_SIZE = 50_000

export class TokenSigner {
  private readonly secret: Buffer
  private readonly verified = new Map<string, TokenClaims>()

  constructor(secret: string) {
    this.secret = Buffer.from(secret)
  }

  /** A waiting or pre-queue token; with `activeUntil`, an admitted turn's (payload field `a`). */
  issue(user: string, concertId: number, seq: number, activeUntil?: number): string {
    const payload = activeUntil === undefined ? { u: user, c: concertId, s: seq } : { u: user, c: concertId, s: seq, a: activeUntil }
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    return `${body}.${this.sign(body)}`
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
    const expected = Buffer.from(this.sign(body))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { u?: unknown; c?: unknown; s?: unknown; a?: unknown }
      if (typeof claims.u !== 'string' || typeof claims.c !== 'number' || !Number.isSafeInteger(claims.s)) return null
      if (claims.a !== undefined && !Number.isSafeInteger(claims.a)) return null
      const verified: TokenClaims = { user: claims.u, concertId: claims.c, seq: claims.s as number }
      if (claims.a !== undefined) verified.activeUntil = claims.a as number
      return verified
    } catch {
      return null
    }
  }

  /** base64url straight from the digest: no Buffer in between (a third of the signing cost). */
  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url')
  }
}
