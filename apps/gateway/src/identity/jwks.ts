/**
 * The keys at JWT_JWKS_URL, for jose's `jwtVerify`. jose parses the set and picks the key
 * (`createLocalJWKSet`: by `kid`, and by `alg` against the key type); this module decides when to
 * fetch, which jose's own remote set decides differently in two ways that matter in a rush:
 * - a failed refresh keeps the keys already known, so a JWKS server that is down for a while does
 *   not sign every user out (jose's remote set drops them once they are older than its max age);
 * - fetches are at least `cooldownMs` apart whether they succeed or fail, so tokens with made-up
 *   `kid`s cannot make the gateway hammer the JWKS server (jose cools down after successes only).
 * An unknown `kid` refreshes the set (a new signing key appears); so does age (a key removed
 * without a new one). `generation` grows with every set fetched, so cached verdicts can be dropped.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'

/** The set is fetched again on the first request after it is this old, even without an unknown kid. */
const MAX_AGE_MS = 10 * 60_000
/** A JWKS server slower than this counts as unreachable: the caller gets its answer fast. */
const FETCH_TIMEOUT_MS = 2000

export class KeysUnavailable extends Error {
  override name = 'KeysUnavailable'
}

export class RemoteKeySet {
  /** Grows by one with every key set fetched. */
  generation = 0
  private keys: JWTVerifyGetKey | null = null
  private fetchedAt = Number.NEGATIVE_INFINITY
  private triedAt = Number.NEGATIVE_INFINITY
  private pending: Promise<boolean> | null = null

  constructor(
    private readonly url: string,
    private readonly cooldownMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  /** jose's key lookup. Throws KeysUnavailable while no set has ever been fetched. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.keys === null || Date.now() - this.fetchedAt > Math.max(MAX_AGE_MS, this.cooldownMs)) await this.refresh()
    const keys = this.keys
    if (keys === null) throw new KeysUnavailable(`the signing keys at ${this.url} could not be fetched`)
    try {
      return await keys(header, token)
    } catch (err) {
      // An unknown kid: perhaps a key that appeared since the last fetch.
      if (!(err instanceof errors.JWKSNoMatchingKey) || !(await this.refresh())) throw err
      return this.keys!(header, token)
    }
  }

  /** Fetches the set, unless one fetch is under way (then waits for it) or the last began under cooldownMs ago. True when a new set came. */
  refresh(): Promise<boolean> {
    if (this.pending) return this.pending
    if (Date.now() - this.triedAt < this.cooldownMs) return Promise.resolve(false)
    this.triedAt = Date.now()
    this.pending = this.fetchSet()
      .then(
        () => true,
        (err: Error) => {
          this.onError(err)
          return false
        },
      )
      .finally(() => {
        this.pending = null
      })
    return this.pending
  }

  private async fetchSet(): Promise<void> {
    // No redirects: the operator named this URL, not whoever answers it.
    const res = await fetch(this.url, {
      redirect: 'manual',
      headers: { accept: 'application/jwk-set+json, application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    })
    if (res.status !== 200) {
      await res.body?.cancel()
      throw new Error(`JWT_JWKS_URL answered ${res.status}`)
    }
    this.keys = createLocalJWKSet((await res.json()) as JSONWebKeySet)
    this.fetchedAt = Date.now()
    this.generation++
  }
}
