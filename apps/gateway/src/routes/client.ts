/** `GET /api/config`: what a browser client needs before it starts — how to say who the user is. */
import { ClientConfig } from '@rushgate/shared'
import { errorResponses } from '@rushgate/shared/fastify'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.ts'

export async function clientRoutes(app: FastifyInstance, { config }: GatewayContext): Promise<void> {
  const answer: ClientConfig = { authMode: config.authMode }
  app.get(
    '/api/config',
    {
      schema: {
        tags: ['client'],
        summary: 'How this gateway identifies users (public)',
        description:
          'The waiting-room page asks this first: in `jwt` mode it sends the token its host site handed it ' +
          'instead of asking for a user id.',
        // 429: the API's rate limit counts it as any other call.
        response: { 200: ClientConfig, ...errorResponses(429) },
      },
    },
    async () => answer,
  )
}
