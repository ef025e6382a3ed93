/** The Fastify side of the contract: server options, the error plumbing, configuration helpers. */
export * from './config.ts'
export * from './http.ts'
