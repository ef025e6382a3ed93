/**
 * The draw of the opening (contract § The opening): a secret 32-byte seed drawn when opensAt is
 * set, its SHA-256 published at once as the commitment, the seed itself from the opening; the
 * pre-queue's order is the users sorted by HMAC-SHA256(key = the seed's bytes, message = the UTF-8
 * user id), ascending, hashes as lowercase hex. Anyone with the seed and the user ids can redo it
 * (`pnpm verify-draw`).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'

export interface Seed {
  /** 64 lowercase hex digits: the 32 seed bytes. */
  seed: string
  /** SHA-256 of the 32 seed bytes, lowercase hex. */
  commitment: string
}

export function newSeed(): Seed {
  const bytes = randomBytes(32)
  return { seed: bytes.toString('hex'), commitment: createHash('sha256').update(bytes).digest('hex') }
}

/** The users in the draw's order. Ties cannot happen between distinct ids short of a HMAC collision. */
export function drawOrder(seedHex: string, users: readonly string[]): string[] {
  const key = Buffer.from(seedHex, 'hex')
  return users
    .map((user) => ({ user, rank: createHmac('sha256', key).update(user, 'utf8').digest('hex') }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .map((d) => d.user)
}
