/**
 * The OpenAPI document of the whole public API at /docs/json, and a browsable one at /docs.
 * The proxied routes are declared as real gateway routes with the shared schemas, so they are in it.
 */
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import { errorResponses } from '@rushgate/shared/fastify'
import type { FastifyInstance, FastifySchema } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import { DOCS_POLICY, pageScope } from './browser.ts'
import { OPERATION_IDS } from './operation-ids.ts'

/** Methods whose requests may carry a body: the HTTP layer answers 413 (too large) and 415 (not JSON) to any of them. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

type DocumentedSchema = FastifySchema & { operationId?: string; security?: unknown[]; response?: Record<string, unknown> }

/**
 * What every operation's entry gets besides its route's own schema: its operationId, `security: []`
 * when the route asks for no credential (public, said so rather than left open), and the HTTP
 * layer's 413 and 415 where a body can be sent.
 */
function documented(method: string, url: string, schema: DocumentedSchema | undefined): DocumentedSchema {
  const entry: DocumentedSchema = { ...schema, security: schema?.security ?? [] }
  const operationId = OPERATION_IDS[`${method} ${url}`]
  if (operationId) entry.operationId = operationId
  if (BODY_METHODS.has(method) && entry.response) entry.response = { ...entry.response, ...errorResponses(413, 415) }
  return entry
}

export async function installDocs(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  await app.register(fastifySwagger, {
    // Shared schemas (the error body) appear under their own $id, not as def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const methods = [route.method].flat()
      return { schema: documented(methods[0] === 'HEAD' && methods.length > 1 ? methods[1]! : methods[0]!, url, schema as DocumentedSchema), url }
    },
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
      // Relative: the gateway that serves this document, whatever address it was reached at.
      servers: [{ url: '/', description: 'This gateway' }],
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
