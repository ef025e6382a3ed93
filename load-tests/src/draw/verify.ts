/**
 * The check of an opening's draw that anyone can run with the seed and the user ids: the seed
 * matches the commitment published before the opening (SHA-256 of the 32 seed bytes), and the order
 * is the users sorted by HMAC-SHA256(key = the seed bytes, message = the UTF-8 user id), ascending,
 * as lowercase hex. Written from the contract alone — it does not use the gateway's code, so that
 * a mistake there cannot hide here.
 */
import { createHash, createHmac } from 'node:crypto'

export interface DrawToCheck {
  seed: string
  seedCommitment: string
  order: string[]
}

export interface DrawVerdict {
  ok: boolean
  problems: string[]
}

const HEX64 = /^[0-9a-f]{64}$/

/** Checks the draw; with `users`, also that the order holds exactly those users. */
export function verifyDraw(draw: DrawToCheck, users?: readonly string[]): DrawVerdict {
  const problems: string[] = []
  if (!HEX64.test(draw.seed)) problems.push('seed: not 64 lowercase hex digits')
  if (!HEX64.test(draw.seedCommitment)) problems.push('seedCommitment: not 64 lowercase hex digits')
  if (problems.length === 0) {
    const commitment = createHash('sha256').update(Buffer.from(draw.seed, 'hex')).digest('hex')
    if (commitment !== draw.seedCommitment) problems.push(`the seed does not match the commitment (its SHA-256 is ${commitment})`)
  }
  const key = Buffer.from(draw.seed, 'hex')
  const hashes = draw.order.map((user) => createHmac('sha256', key).update(user, 'utf8').digest('hex'))
  for (let i = 1; i < hashes.length; i++) {
    if (!(hashes[i - 1]! < hashes[i]!)) {
      problems.push(`order: ${draw.order[i - 1]} (place ${i}) should come after ${draw.order[i]} (place ${i + 1})`)
      if (problems.length > 20) break
    }
  }
  const seen = new Set<string>()
  for (const user of draw.order) {
    if (seen.has(user)) problems.push(`order: ${user} appears twice`)
    seen.add(user)
  }
  if (users) {
    const expected = new Set(users)
    const missing = [...expected].filter((u) => !seen.has(u))
    const extra = [...seen].filter((u) => !expected.has(u))
    if (missing.length > 0) problems.push(`order: ${missing.length} user(s) missing, e.g. ${missing.slice(0, 5).join(', ')}`)
    if (extra.length > 0) problems.push(`order: ${extra.length} user(s) not in the list given, e.g. ${extra.slice(0, 5).join(', ')}`)
  }
  return { ok: problems.length === 0, problems }
}
