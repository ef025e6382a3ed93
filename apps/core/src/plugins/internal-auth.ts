/**
 * Only the gateway may call the core: every route but health and metrics needs
 * `X-Internal-Token: <INTERNAL_TOKEN>`, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { ApiError, Headers } from '@rushgate/shared'
import type { FastifyInstance } from 'fastify'

const digest = (value: string) => createHash('sha256').update(value).digest()

export function installInternalAuth(app: FastifyInstance): void {
  // Hashing first gives equal-length buffers, so the comparison leaks neither content nor length.
  const expected = digest(app.config.internalToken)
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return
    const given = request.headers[Headers.internalToken]
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      throw new ApiError('UNAUTHENTICATED', 'missing or wrong X-Internal-Token')
    }
  })
}
