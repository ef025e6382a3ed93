/**
 * Verifies users' JWTs (AUTH_MODE=jwt) with jose: the algorithms are fixed by the key source
 * (HS256 for JWT_SECRET; RS256 or ES256 for JWT_PUBLIC_KEY by its type; both for JWT_JWKS_URL), so
 * `alg: none` and algorithm confusion (an HS256 token "signed" with the public key) are refused
 * before any key is used. `exp` is required, `nbf` honoured, `iss`/`aud` checked when configured,
 * and the user is `sub`, a contract user id.
 *
 * A verified token is remembered until its `exp` (at most MAX_CACHED tokens, the oldest dropped
 * first), so a user polling every few seconds costs one signature check per token and process, not
 * one per request. A JWKS refresh forgets every verdict taken with the previous keys.
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import { ApiError, USER_ID_REGEX } from '@rushgate/shared'
import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose'
import type { JwtConfig } from '../config.ts'
import { KeysUnavailable, RemoteKeySet } from './jwks.ts'

const MAX_CACHED = 10_000
/** Longer than any sane token; anything beyond is refused before parsing. */
export const MAX_JWT_LENGTH = 8192

interface Verdict {
  userId: string
  /** ms since the epoch: the token's exp. */
  expiresAt: number
  generation: number
}

export type Verified = { userId: string; error?: undefined } | { userId?: undefined; error: ApiError }

export class JwtVerifier {
  private readonly cache = new Map<string, Verdict>()
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey
  private readonly keySet: RemoteKeySet | null
  private readonly options: Parameters<typeof jwtVerify>[2]

  constructor(
    config: JwtConfig,
    onKeysError: (err: Error) => void,
    private readonly maxCached = MAX_CACHED,
  ) {
    const { keys } = config
    this.keySet = keys.kind === 'jwks' ? new RemoteKeySet(keys.url, keys.cooldownMs, onKeysError) : null
    this.key =
      keys.kind === 'secret'
        ? new TextEncoder().encode(keys.secret)
        : keys.kind === 'public-key'
          ? createPublicKey(keys.pem)
          : this.keySet!.getKey
    this.options = {
      algorithms: keys.algorithms,
      requiredClaims: ['exp', 'sub'],
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    }
  }

  /** The user of a token verified before and still valid, without any crypto; undefined otherwise. */
  cached(token: string): string | undefined {
    const verdict = this.cache.get(token)
    if (verdict === undefined) return undefined
    if (verdict.expiresAt > Date.now() && verdict.generation === this.generation()) return verdict.userId
    this.cache.delete(token)
    return undefined
  }

  async verify(token: string): Promise<Verified> {
    if (token.length > MAX_JWT_LENGTH) return refused(`it is longer than ${MAX_JWT_LENGTH} characters`)
    const generation = this.generation()
    let payload: JWTPayload
    try {
      // jose's overloads differ by key kind; each of ours is one it accepts.
      ;({ payload } = await jwtVerify(token, this.key as Uint8Array, this.options))
    } catch (err) {
      if (err instanceof KeysUnavailable) return { error: new ApiError('UPSTREAM_UNAVAILABLE', err.message) }
      if (err instanceof errors.JOSEError) return refused(err.message)
      throw err
    }
    const { sub, exp } = payload
    if (typeof sub !== 'string' || !USER_ID_REGEX.test(sub)) return refused('its sub is not 1-64 characters of [A-Za-z0-9_-]')
    this.remember(token, { userId: sub, expiresAt: exp! * 1000, generation })
    return { userId: sub }
  }

  private generation(): number {
    return this.keySet?.generation ?? 0
  }

  private remember(token: string, verdict: Verdict): void {
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(token, verdict)
  }
}

function refused(why: string): Verified {
  return { error: new ApiError('UNAUTHENTICATED', `the Bearer JWT was not accepted: ${why}`) }
}
