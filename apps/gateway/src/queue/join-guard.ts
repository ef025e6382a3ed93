/**
 * Whether a join may create a new place on a line that asks for a proof of work: the one seam
 * where that check plugs in. The enter script (scripts/enter-9.lua) hands back an existing place
 * whatever this says, and refuses a new place on a line with `proofOfWork` set unless `proven`
 * (403 PROOF_OF_WORK_REQUIRED), in the same atomic step that looks the place up — so the check
 * costs no Redis round trip of its own.
 */
import type { FastifyRequest } from 'fastify'

export interface JoinGuard {
  /** The request carries an accepted proof of work for this concert's line. */
  proven(request: FastifyRequest, concertId: number): Promise<boolean> | boolean
}

/** No proof of work is checked yet: nobody is proven, so a line with `proofOfWork` set takes no new places. */
export const noProofChecked: JoinGuard = { proven: () => false }
