/**
 * What a join brings towards a new place on a line that asks for a proof of work: the one seam
 * where that check plugs in (./proof-of-work.ts). The guard only reads the request; the enter
 * script (scripts/enter-n.lua) hands back an existing place whatever it says, and only for a new
 * place on a line with `proofOfWork` set does it refuse `none` (403 PROOF_OF_WORK_REQUIRED) and
 * `invalid` (403 PROOF_OF_WORK_INVALID) and spend a `valid` one (SET NX: a second use is
 * invalid), in the same atomic step that looks the place up — so the check costs no Redis round
 * trip of its own, and a re-entry spends nothing.
 */
import type { FastifyRequest } from 'fastify'

export type JoinProof =
  | { kind: 'none' }
  | { kind: 'invalid'; message: string }
  /** A solution whose number and signature hold; `challenge` names it, `ttlMs` until it expires. */
  | { kind: 'valid'; challenge: string; ttlMs: number }

export interface JoinGuard {
  /** What the request's proof of work is worth for a join of this concert's line. */
  check(request: FastifyRequest, concertId: number): Promise<JoinProof> | JoinProof
}
