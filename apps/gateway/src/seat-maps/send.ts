/**
 * Sending a cached seat map: 304 when the client already has it (`If-None-Match`), else the JSON,
 * compressed when the client accepts it (brotli, else gzip), from bytes compressed once per map.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CachedSeatMap } from './cache.ts'

/** Fast settings: a map is compressed once per change, and under a rush it changes often. */
const ENCODERS: Record<string, (body: Buffer) => Buffer> = {
  br: (body) =>
    brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
  gzip: (body) => gzipSync(body, { level: 6 }),
}

export function sendSeatMap(request: FastifyRequest, reply: FastifyReply, map: CachedSeatMap): FastifyReply {
  // `no-cache`: a browser may keep the map but asks again (with If-None-Match) every time.
  reply.header('etag', map.etag).header('cache-control', 'private, no-cache').header('vary', 'accept-encoding')
  if (matches(request.headers['if-none-match'], map.etag)) return reply.code(304).send()
  reply.type('application/json; charset=utf-8')
  const encoding = chooseEncoding(request.headers['accept-encoding'])
  if (!encoding) return reply.send(map.body)
  let bytes = map.encoded.get(encoding)
  if (!bytes) {
    bytes = ENCODERS[encoding]!(map.body)
    map.encoded.set(encoding, bytes)
  }
  return reply.header('content-encoding', encoding).send(bytes)
}

/** Weak comparison (RFC 9110 §13.1.2): `*`, or any listed tag equal to ours once `W/` is set aside. */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  const ours = etag.replace(/^W\//, '')
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t.replace(/^W\//, '') === ours
  })
}

/** `br` or `gzip` when the client accepts it (a q of 0 refuses), brotli first; null for identity. */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null
  const accepted = new Set<string>()
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (name && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name)
  }
  if (accepted.has('br')) return 'br'
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip'
  return null
}
