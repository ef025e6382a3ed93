import net from 'node:net'
import Fastify from 'fastify'
import t from 'tap'
import { ApiError, ChargeRequest, ConcertParams } from '../src/contract/index.ts'
import { installContractErrors, serverOptions } from '../src/fastify/index.ts'

async function build() {
  const app = Fastify(serverOptions({ logger: false }))
  installContractErrors(app, { isUnavailable: (err) => (err as Error).message === 'db down' })
  app.post('/charge', { schema: { body: ChargeRequest } }, async (req) => req.body)
  app.get('/concerts/:concertId', { schema: { params: ConcertParams } }, async (req) => req.params)
  app.get('/boom', async () => {
    throw new Error('secret internals')
  })
  app.get('/down', async () => {
    throw new Error('db down')
  })
  app.get('/conflict', async () => {
    throw new ApiError('INSUFFICIENT_BALANCE', 'balance is short', { balance: 1, amount: 2 })
  })
  t.teardown(() => app.close())
  return app
}

t.test('validation errors are 400 VALIDATION_ERROR naming the field', async (t) => {
  const app = await build()
  for (const amount of ['100', 1.5, -1, 0, 10_000_001, null]) {
    const res = await app.inject({ method: 'POST', url: '/charge', payload: { amount } })
    t.equal(res.statusCode, 400, `amount ${JSON.stringify(amount)}`)
    t.equal(res.json().code, 'VALIDATION_ERROR')
    t.match(res.json().message, /amount/)
  }
  const missing = await app.inject({ method: 'POST', url: '/charge', payload: {} })
  t.match(missing.json(), { statusCode: 400, code: 'VALIDATION_ERROR', message: /amount/ })
  const ok = await app.inject({ method: 'POST', url: '/charge', payload: { amount: 5 } })
  t.same(ok.json(), { amount: 5 })
})

t.test('path ids must be positive integers', async (t) => {
  const app = await build()
  for (const id of ['abc', '0', '-1', '1.5', '99999999999', "1'or'1"]) {
    const res = await app.inject(`/concerts/${encodeURIComponent(id)}`)
    t.equal(res.statusCode, 400, id)
    t.match(res.json().message, /concertId/)
  }
  t.same((await app.inject('/concerts/7')).json(), { concertId: 7 })
})

t.test('HTTP-layer errors keep the contract shape', async (t) => {
  const app = await build()
  const big = await app.inject({ method: 'POST', url: '/charge', payload: { amount: 1, pad: 'x'.repeat(100_000) } })
  t.match(big.json(), { statusCode: 413, code: 'PAYLOAD_TOO_LARGE' })
  const media = await app.inject({ method: 'POST', url: '/charge', payload: 'amount=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.match(media.json(), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' })
  const bad = await app.inject({ method: 'POST', url: '/charge', payload: '{"amount":', headers: { 'content-type': 'application/json' } })
  t.match(bad.json(), { statusCode: 400, code: 'VALIDATION_ERROR' })
  const nf = await app.inject('/nope')
  t.match(nf.json(), { statusCode: 404, code: 'NOT_FOUND' })
  const boom = await app.inject('/boom')
  t.same(boom.json(), { statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal server error' })
  const down = await app.inject('/down')
  t.match(down.json(), { statusCode: 503, code: 'UPSTREAM_UNAVAILABLE' })
  const conflict = await app.inject('/conflict')
  t.same(conflict.json(), { statusCode: 409, code: 'INSUFFICIENT_BALANCE', message: 'balance is short', balance: 1, amount: 2 })
})

t.test('oversized headers are 431 HEADERS_TOO_LARGE', async (t) => {
  const app = await build()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET /concerts/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    })
    let data = ''
    socket.on('data', (d) => (data += d))
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
  })
  t.match(raw, /^HTTP\/1.1 431/)
  t.match(raw, /"code":"HEADERS_TOO_LARGE"/)
})

t.test('a text/plain body is 415, not a string that fails validation', async (t) => {
  const app = await build()
  const res = await app.inject({ method: 'POST', url: '/charge', payload: '{"amount":1}', headers: { 'content-type': 'text/plain' } })
  t.match(res.json(), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' })
})

t.test('while closing, requests in flight are served and told to reconnect elsewhere', async (t) => {
  const app = Fastify(serverOptions({ logger: false }))
  installContractErrors(app)
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  app.get('/slow', async () => {
    await gate
    return { ok: true }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const pending = fetch(`http://127.0.0.1:${port}/slow`)
  await new Promise((r) => setTimeout(r, 50))
  const closed = app.close()
  await new Promise((r) => setTimeout(r, 50))
  release()
  const res = await pending
  t.equal(res.status, 200)
  t.equal(res.headers.get('connection'), 'close')
  await closed
})
