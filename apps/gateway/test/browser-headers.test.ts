/**
 * What browsers are told: nosniff on every answer (errors and the HTTP layer's 431 included), the
 * pages' helmet set and CSP on /docs but not on API answers, and CORS grants for CORS_ORIGINS only.
 * (That the pages run under their CSP is checked in Chromium by apps/web/test/headers.test.ts.)
 */
import { request } from 'node:http'
import t from 'tap'
import { as, call, createConcert } from '@rushgate/testkit'
import { startStack } from './helpers.ts'

const ALLOWED = 'https://tickets.example.com'

t.test('nosniff everywhere; helmet and a CSP on pages only', async (t) => {
  const { gw } = await startStack(t)
  const concert = await createConcert(gw.url)
  const api = [
    await call(gw.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: as('hdr') }),
    await call(gw.url, 'GET', '/api/concerts'),
    await call(gw.url, 'GET', '/api/users/me/balance'),
    await call(gw.url, 'GET', '/api/nowhere'),
    await call(gw.url, 'GET', '/health/live'),
    await call(gw.url, 'GET', '/api/config'),
  ]
  for (const a of api) {
    t.equal(a.headers.get('x-content-type-options'), 'nosniff', `${a.status} API answer: nosniff`)
    t.equal(a.headers.get('content-security-policy'), null, `${a.status} API answer: no CSP to parse`)
    t.equal(a.headers.get('strict-transport-security'), null, `${a.status} API answer: none of the pages' set`)
  }
  t.same(api.at(-1)?.body, { authMode: 'header' }, 'GET /api/config says how to identify')

  const docs = await call(gw.url, 'GET', '/docs/')
  t.equal(docs.status, 200)
  t.equal(docs.headers.get('x-content-type-options'), 'nosniff')
  t.equal(docs.headers.get('x-frame-options'), 'DENY')
  t.equal(docs.headers.get('referrer-policy'), 'no-referrer')
  const csp = docs.headers.get('content-security-policy') ?? ''
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'(;|$)/, 'no inline or foreign script')
  t.match(csp, /frame-ancestors 'none'/)
  t.notMatch(csp, /upgrade-insecure-requests/, 'a plain-http deployment keeps working')

  const spec = await call(gw.url, 'GET', '/docs/json')
  t.match(spec.body.paths['/api/config'].get, { tags: ['client'], summary: /identifies users/ }, 'the config route is in the OpenAPI document')

  // Past the header limit Node answers before Fastify: the raw answer carries nosniff too.
  const raw = await new Promise<{ status: number; nosniff: string | undefined }>((resolve, reject) => {
    const req = request(`${gw.url}/api/concerts`, { headers: { authorization: `Bearer ${'x'.repeat(20_000)}` } }, (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, nosniff: res.headers['x-content-type-options'] as string | undefined })
    })
    req.on('error', reject)
    req.end()
  })
  t.same(raw, { status: 431, nosniff: 'nosniff' })
})

t.test('CORS: grants for CORS_ORIGINS, preflight of the API headers, nothing for other origins', async (t) => {
  const { gw } = await startStack(t, { CORS_ORIGINS: `${ALLOWED},http://localhost:5173` })
  const concert = await createConcert(gw.url)

  const preflight = (origin: string, requestHeaders: string) =>
    call(gw.url, 'OPTIONS', `/api/queues/${concert.id}/tokens`, {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
    })
  const ok = await preflight(ALLOWED, 'authorization, content-type, idempotency-key, x-user-id, x-queue-token, x-proof-of-work')
  t.equal(ok.status, 204)
  t.equal(ok.headers.get('access-control-allow-origin'), ALLOWED)
  const allowed = (ok.headers.get('access-control-allow-headers') ?? '').split(/,\s*/)
  for (const h of ['authorization', 'content-type', 'idempotency-key', 'x-user-id', 'x-queue-token', 'x-proof-of-work']) {
    t.ok(allowed.includes(h), `preflight allows ${h}`)
  }
  t.match(ok.headers.get('access-control-allow-methods'), /POST/)
  t.match(ok.headers.get('access-control-allow-methods'), /DELETE/)
  t.equal(ok.headers.get('access-control-allow-credentials'), null, 'no cookies: identity travels in headers')

  const denied = await preflight('https://evil.example.com', 'x-user-id')
  t.equal(denied.headers.get('access-control-allow-origin'), null, 'another origin gets no grant in a preflight')

  const join = await call(gw.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: { ...as('cors'), origin: ALLOWED } })
  t.equal(join.status, 201)
  t.equal(join.headers.get('access-control-allow-origin'), ALLOWED, 'the actual request is granted')
  t.match(join.headers.get('access-control-expose-headers'), /retry-after/i, 'Retry-After is readable by the page')
  t.match(join.headers.get('vary'), /origin/i, 'caches keep answers per origin')

  const foreign = await call(gw.url, 'GET', '/api/concerts', { headers: { origin: 'https://evil.example.com' } })
  t.equal(foreign.status, 200, 'the request itself is answered (CORS is the browser’s to enforce)')
  t.equal(foreign.headers.get('access-control-allow-origin'), null, 'but without a grant')
  const lookalike = await call(gw.url, 'GET', '/api/concerts', { headers: { origin: `${ALLOWED}.evil.example.com` } })
  t.equal(lookalike.headers.get('access-control-allow-origin'), null, 'origins match exactly, not by prefix')

  t.test('without CORS_ORIGINS nobody gets a grant and a preflight is a plain 404', async (t) => {
    const { gw } = await startStack(t)
    const a = await call(gw.url, 'OPTIONS', '/api/concerts', { headers: { origin: ALLOWED, 'access-control-request-method': 'GET' } })
    t.match(a, { status: 404, body: { code: 'NOT_FOUND' } })
    t.equal(a.headers.get('access-control-allow-origin'), null)
    const b = await call(gw.url, 'GET', '/api/concerts', { headers: { origin: ALLOWED } })
    t.equal(b.headers.get('access-control-allow-origin'), null)
  })
})
