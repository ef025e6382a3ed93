/**
 * The public contract in code (docs/api.md): error codes, header names, limits, and the TypeBox
 * schemas of every request and response. Browser-safe: no Node or Fastify in here, so the page
 * imports it as the apps do (the Fastify side is `@rushgate/shared/fastify`).
 */
export * from './errors.ts'
export * from './headers.ts'
export * from './limits.ts'
export * from './schemas/admin.ts'
export * from './schemas/catalog.ts'
export * from './schemas/common.ts'
export * from './schemas/inventory.ts'
export * from './schemas/lines.ts'
export * from './schemas/operations.ts'
export * from './schemas/queue.ts'
export * from './schemas/reservations.ts'
export * from './schemas/users.ts'
