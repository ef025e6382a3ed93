/**
 * The OpenAPI document of the whole public API at /docs/json, and a browsable one at /docs.
 * The proxied routes are declared as real gateway routes with the shared schemas, so they are in it.
 */
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import { DOCS_POLICY, pageScope } from './browser.ts'

export async function installDocs(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  await app.register(fastifySwagger, {
    // Shared schemas (the error body) appear under their own $id, not as def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Rushgate',
        description:
          'A fair waiting line in front of a concert-ticketing API. Every non-2xx answer is ' +
          '`{ statusCode, code, message }`. Catalog, holds and payments need an ACTIVE queue token ' +
          '(`X-Queue-Token`) for the concert. When a line admits 0 per tick, estimatedWaitSeconds is 86400.',
        version: '0.1.0',
      },
      components: {
        securitySchemes:
          config.authMode === 'jwt'
            ? { user: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, admin: { type: 'http', scheme: 'bearer' } }
            : { user: { type: 'apiKey', in: 'header', name: 'X-User-Id' }, admin: { type: 'http', scheme: 'bearer' } },
      },
      tags: [
        { name: 'queue', description: 'The waiting line' },
        { name: 'catalog', description: 'Concerts, dates and seats (ACTIVE token)' },
        { name: 'reservations', description: 'Holds and payments (ACTIVE token)' },
        { name: 'users', description: 'Balance and history (identity only)' },
        { name: 'admin', description: 'Administration (admin bearer token)' },
        { name: 'operations', description: 'Health and metrics' },
        { name: 'client', description: 'What a browser client needs to know before it starts' },
      ],
    },
  })
  // A page: in a scope with helmet's set and a CSP that Swagger UI runs under.
  await pageScope(app, DOCS_POLICY, async (scope) => {
    await scope.register(fastifySwaggerUi, { routePrefix: '/docs' })
  })
}
