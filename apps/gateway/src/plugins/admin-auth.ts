/**
 * The admin API's credential: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time
 * (both sides hashed first so their lengths match). Without ADMIN_TOKEN everyone gets 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { ApiError } from '@rushgate/shared'
import type { FastifyRequest } from 'fastify'

export function adminGuard(adminToken: string | null): (request: FastifyRequest) => Promise<void> {
  const expected = adminToken ? digest(`Bearer ${adminToken}`) : null
  return async (request) => {
    const given = request.headers.authorization
    if (!expected || typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      throw new ApiError('UNAUTHENTICATED', 'Authorization: Bearer <admin token> is required')
    }
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}
