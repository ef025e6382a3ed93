/**
 * The HTTP-layer half of the contract, shared by both apps: every error leaves as
 * `{ statusCode, code, message }`, validation messages name the field, bodies are never coerced.
 */
import type { Socket } from 'node:net'
import { Ajv, type Options as AjvOptions } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
  FastifySchemaCompiler,
} from 'fastify'
import { ApiError, type ErrorBody, type ErrorCode, ErrorCodes } from '../contract/errors.ts'
import { BODY_LIMIT_BYTES } from '../contract/limits.ts'
import { ErrorResponse } from '../contract/schemas/common.ts'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv) => Ajv

const AJV_BASE: AjvOptions = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false }

/**
 * Path, query and headers arrive as strings and are coerced to the schema's types;
 * JSON bodies are not, so `{"amount":"100"}` is a 400 rather than a silently accepted number.
 */
export function buildValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = addFormats(new Ajv({ ...AJV_BASE, coerceTypes: 'array' }))
  const strict = addFormats(new Ajv({ ...AJV_BASE, coerceTypes: false }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}

/** Options every Fastify server of the project starts with. */
export function serverOptions(extra: FastifyServerOptions = {}): FastifyServerOptions {
  return {
    bodyLimit: BODY_LIMIT_BYTES,
    // A slow or stuck client cannot hold a socket for ever.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    // While closing, requests still on open connections are served (with `connection: close`, see
    // installContractErrors) rather than answered with Fastify's own 503 body, which has no code.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 200 },
    clientErrorHandler,
    ajv: { customOptions: { coerceTypes: 'array' } },
    ...extra,
  }
}

const errorRef = { $ref: 'ErrorResponse#', description: 'error' } as const

/** Response schemas of a route's error statuses: the contract's error body, by reference. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries(statuses.map((s) => [s, errorRef]))
}

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(err.statusCode).type('application/json; charset=utf-8').send(err.toBody())
}

/** Fastify's own error codes of the HTTP layer, mapped to the contract's. */
const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'request body is larger than the limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_ERROR', 'content-length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['VALIDATION_ERROR', 'body must not be empty when content-type is application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['VALIDATION_ERROR', 'body is not valid JSON'],
  FST_ERR_CTP_INVALID_TYPE: ['VALIDATION_ERROR', 'content-type header is malformed'],
  FST_ERR_CTP_INVALID_CONTENT_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'content-type header is malformed'],
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'UPSTREAM_UNAVAILABLE',
}

/** Turns any error into the contract's error, or null when it is an unexpected server fault. */
export function toApiError(err: unknown, isUnavailable: (err: unknown) => boolean = () => false): ApiError | null {
  if (err instanceof ApiError) return err
  if (isUnavailable(err)) return new ApiError('UPSTREAM_UNAVAILABLE', 'a dependency is unavailable; try again shortly')
  const e = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string }
  if (e.validation) return new ApiError('VALIDATION_ERROR', e.message ?? 'invalid request')
  if (e.code && FASTIFY_CODES[e.code]) {
    const [code, message] = FASTIFY_CODES[e.code]!
    return new ApiError(code, message)
  }
  if (e instanceof SyntaxError) return new ApiError('VALIDATION_ERROR', 'body is not valid JSON')
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status >= 400 && status < 500) {
    const code = STATUS_CODES[status] ?? 'VALIDATION_ERROR'
    return new ApiError(code, e.message || 'bad request')
  }
  if (status === 503) return new ApiError('UPSTREAM_UNAVAILABLE', 'a dependency is unavailable; try again shortly')
  return null
}

export interface ContractErrorOptions {
  /** Recognises the errors of a dependency that is down (Postgres, Redis, the core). */
  isUnavailable?: (err: unknown) => boolean
}

/**
 * Installs the contract's HTTP rules on the root instance: the error body's schema (for
 * `errorResponses`), the error and not-found handlers (a 4xx
 * keeps its message; a 5xx is logged with its stack and answered with a generic message), JSON-only
 * bodies, and a graceful close that sends clients elsewhere instead of failing them.
 */
export function installContractErrors(app: FastifyInstance, opts: ContractErrorOptions = {}): void {
  app.addSchema(ErrorResponse)
  app.setValidatorCompiler(buildValidatorCompiler())
  // JSON only: a text/plain body is 415 UNSUPPORTED_MEDIA_TYPE, not a string that fails validation.
  app.removeContentTypeParser('text/plain')
  installDrainOnClose(app)
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(err, opts.isUnavailable)
    if (apiError) {
      if (apiError.statusCode >= 500) request.log.warn({ err }, 'dependency unavailable')
      if (apiError.code === 'RATE_LIMITED' && !reply.getHeader('retry-after')) reply.header('retry-after', '60')
      return sendError(reply, apiError)
    }
    request.log.error({ err }, 'unexpected error')
    return sendError(reply, new ApiError('INTERNAL_ERROR', 'internal server error'))
  })
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ApiError('NOT_FOUND', `route ${request.method} ${request.url.split('?')[0]} not found`)),
  )
}

/** Errors Node's HTTP parser raises before Fastify sees a request (431 and friends). */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  let body: ErrorBody
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    body = { statusCode: ErrorCodes.HEADERS_TOO_LARGE, code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' }
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    body = { statusCode: ErrorCodes.REQUEST_TIMEOUT, code: 'REQUEST_TIMEOUT', message: 'the request took too long to arrive' }
  } else {
    body = { statusCode: 400, code: 'VALIDATION_ERROR', message: 'malformed HTTP request' }
  }
  const payload = JSON.stringify(body)
  const reason = body.statusCode === 431 ? 'Request Header Fields Too Large' : body.statusCode === 408 ? 'Request Timeout' : 'Bad Request'
  socket.end(
    `HTTP/1.1 ${body.statusCode} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  )
}

/**
 * Once close() has begun, every answer carries `connection: close`: requests already on an open
 * connection are still served, and the client opens its next connection to another replica.
 */
function installDrainOnClose(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // A callback hook, not an async one: it runs on every response, and a promise per answer shows up
  // in the gateway's profile.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}
