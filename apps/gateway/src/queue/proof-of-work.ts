/**
 * Proof of work on joining, in ALTCHA's format (altcha-lib's v1 challenges: `challenge` is
 * SHA-256(salt + number), `signature` our HMAC over `challenge`, the salt carries `expires` and
 * the concert). Issuing and checking a solution is local work: an HMAC key derived from the
 * configured secret, so every replica accepts the others' challenges. That a solution is used
 * only once is settled by the enter script (scripts/enter-n.lua), in the same Redis round trip
 * that takes the place, and only when a new place is taken.
 */
import { Headers, PROOF_OF_WORK_MIN, type Challenge } from '@rushgate/shared'
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1'
import type { FastifyRequest } from 'fastify'
import type { JoinGuard, JoinProof } from './join-guard.ts'

/** How long a challenge may be solved and used. */
export const CHALLENGE_SECONDS = 300
/** A solution is about 250 characters of base64; anything much longer is not one. */
const MAX_HEADER_LENGTH = 1024
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const HEX64 = /^[0-9a-f]{64}$/

export class ProofOfWork implements JoinGuard {
  constructor(private readonly hmacKey: string) {}

  /**
   * A challenge for a join of `concertId`'s line, `maxnumber` its difficulty. A line that asks for
   * none still gets the smallest one, so a client that always solves keeps working.
   */
  challenge(concertId: number, maxnumber: number | null, now = Date.now()): Promise<Challenge> {
    return createChallenge({
      algorithm: 'SHA-256',
      hmacKey: this.hmacKey,
      maxnumber: maxnumber ?? PROOF_OF_WORK_MIN,
      expires: new Date(now + CHALLENGE_SECONDS * 1000),
      params: { concert: String(concertId) },
    }) as Promise<Challenge>
  }

  /** Reads the request's `X-Proof-Of-Work` (JoinGuard). */
  check(request: FastifyRequest, concertId: number): Promise<JoinProof> {
    return this.verify(request.headers[Headers.proofOfWork], concertId)
  }

  /** What a sent `X-Proof-Of-Work` is worth for a join of `concertId`. */
  async verify(header: string | string[] | undefined, concertId: number, now = Date.now()): Promise<JoinProof> {
    if (header === undefined) return { kind: 'none' }
    const invalid = (why: string): JoinProof => ({ kind: 'invalid', message: `X-Proof-Of-Work was not accepted: ${why}` })
    if (typeof header !== 'string') return invalid('sent more than once')
    if (header.length > MAX_HEADER_LENGTH) return invalid(`longer than ${MAX_HEADER_LENGTH} characters`)
    if (!BASE64.test(header)) return invalid('not base64')
    let payload: unknown
    try {
      payload = JSON.parse(Buffer.from(header, 'base64').toString('utf8'))
    } catch {
      return invalid('not base64 of JSON')
    }
    const p = payload as Record<string, unknown>
    if (
      typeof p !== 'object' ||
      p === null ||
      p.algorithm !== 'SHA-256' ||
      typeof p.challenge !== 'string' ||
      !HEX64.test(p.challenge) ||
      typeof p.signature !== 'string' ||
      !HEX64.test(p.signature) ||
      typeof p.salt !== 'string' ||
      !Number.isSafeInteger(p.number) ||
      (p.number as number) < 0
    ) {
      return invalid('not { algorithm: "SHA-256", challenge, number, salt, signature }')
    }
    const solution = { algorithm: 'SHA-256' as const, challenge: p.challenge, number: p.number as number, salt: p.salt, signature: p.signature }
    const params = extractParams(solution)
    const expires = Number(params.expires) * 1000
    // altcha-lib skips the expiry when the salt has none; ours always carry one.
    if (!Number.isFinite(expires) || expires <= now) return invalid('the challenge has expired')
    if (params.concert !== String(concertId)) return invalid(`the challenge is not for concert ${concertId}`)
    if (!(await verifySolution(solution, this.hmacKey, false))) return invalid('wrong number or signature')
    return { kind: 'valid', challenge: solution.challenge, ttlMs: expires - now }
  }
}

