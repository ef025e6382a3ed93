/** The throttling proxy: at most K requests with the upstream at once, the rest queued in order; a delay; failing on demand. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { CoreThrottle } from '../src/core-throttle.ts'
import { call } from '../src/http.ts'

t.test('at most K at once, in arrival order, each held delayMs more; failing answers 503', async (t) => {
  let inFlight = 0
  let most = 0
  const order: string[] = []
  const upstream = createServer((req, res) => {
    inFlight++
    most = Math.max(most, inFlight)
    order.push(req.url ?? '')
    setTimeout(() => {
      inFlight--
      res.writeHead(200, { 'content-type': 'application/json', 'x-seen': req.headers['x-test'] ?? '' })
      res.end(JSON.stringify({ url: req.url, method: req.method }))
    }, 20)
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  t.teardown(() => upstream.close())
  const proxy = new CoreThrottle(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, { concurrency: 2 }, /^\/health/)
  const url = await proxy.start()
  t.teardown(() => proxy.close())

  const started = Date.now()
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(url, 'POST', `/r/${i}`, { headers: { 'x-test': String(i) }, body: { i } })))
  t.same(answers.map((a) => a.status), [200, 200, 200, 200, 200, 200])
  t.same(answers.map((a) => a.body.url), ['/r/0', '/r/1', '/r/2', '/r/3', '/r/4', '/r/5'], 'each gets its own answer')
  t.equal(answers[3]!.headers.get('x-seen'), '3', 'headers pass both ways')
  t.equal(most, 2, 'never more than two at once')
  t.ok(Date.now() - started >= 60, 'six requests two at a time: three rounds')
  t.ok(proxy.stats.maxQueued >= 3, 'the rest queued')

  proxy.set({ concurrency: 1, delayMs: 100 })
  const slow = Date.now()
  await Promise.all([call(url, 'GET', '/a'), call(url, 'GET', '/b')])
  t.ok(Date.now() - slow >= 200, 'one at a time, each 100 ms more')
  const health = Date.now()
  await call(url, 'GET', '/health/ready')
  t.ok(Date.now() - health < 100, 'a bypassed path is neither delayed nor queued')

  proxy.set({ failing: true })
  t.match(await call(url, 'GET', '/c'), { status: 503, body: { code: 'UPSTREAM_UNAVAILABLE' } })
  t.equal(proxy.stats.forwarded, 9)
  t.equal(proxy.stats.failed, 1)
})
