/**
 * Proof of work on joining, across two gateway replicas on one prefix: the challenge, a solution
 * accepted once (a replay on the other replica is refused), expired, forged, wrong and unreadable
 * solutions refused with nothing changed, and a re-entry that needs none.
 */
import { createHash } from 'node:crypto'
import { coreEntry } from '@rushgate/core/entry-points'
import { admin, call, createConcert, setQueue, startCore, startGateway, randomPrefix } from '@rushgate/testkit'
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { ProofOfWork } from '../src/queue/proof-of-work.ts'
import { gatewayEntry } from '../entry-points.ts'

const DIFFICULTY = 1000
const TOKEN_SECRET = 'proof-of-work-test-secret-0123456789abcdef'

interface Challenge {
  algorithm: string
  challenge: string
  maxnumber: number
  salt: string
  signature: string
}

function solve(c: Challenge): number {
  for (let n = 0; n <= c.maxnumber; n++) {
    if (createHash('sha256').update(c.salt + n).digest('hex') === c.challenge) return n
  }
  throw new Error('no solution')
}

const header = (c: Challenge, number: number, patch: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature, ...patch }),
  ).toString('base64')

t.test('proof of work on joining, two replicas', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const prefix = randomPrefix()
  const env = { TOKEN_SECRET }
  const [a, b] = await Promise.all(
    [0, 1].map(() => startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env })),
  )
  t.teardown(async () => {
    await a!.close()
    await b!.close()
  })
  const concert = await createConcert(a!.url)
  await setQueue(a!.url, concert.id, { proofOfWork: DIFFICULTY, paused: true })
  const waiting = async () => (await call(b!.url, 'GET', `/api/admin/queues/${concert.id}`, { headers: admin })).body.waiting as number
  const challenge = async (url = a!.url) => (await call<Challenge>(url, 'GET', `/api/queues/${concert.id}/challenge`)).body
  const join = (url: string, user: string, proof?: string) =>
    call(url, 'POST', `/api/queues/${concert.id}/tokens`, { user, headers: proof === undefined ? {} : { 'x-proof-of-work': proof } })

  await t.test('the challenge is ALTCHA-shaped, maxnumber the difficulty, salt with the expiry', async (t) => {
    const res = await call<Challenge>(a!.url, 'GET', `/api/queues/${concert.id}/challenge`)
    t.equal(res.status, 200)
    t.match(res.body, { algorithm: 'SHA-256', challenge: /^[0-9a-f]{64}$/, maxnumber: DIFFICULTY, signature: /^[0-9a-f]{64}$/ })
    const expires = Number(new URLSearchParams(res.body.salt.split('?')[1]).get('expires')) * 1000
    t.ok(Math.abs(expires - (Date.now() + 300_000)) < 5000, 'expires in 5 minutes')
    t.equal(res.headers.get('cache-control'), 'no-store')
    t.equal((await call(a!.url, 'GET', '/api/queues/999999/challenge')).body.code, 'CONCERT_NOT_FOUND')
    t.equal((await call(a!.url, 'GET', '/api/queues/abc/challenge')).status, 400)
  })

  await t.test('no proof: 403 PROOF_OF_WORK_REQUIRED', async (t) => {
    t.match(await join(a!.url, 'nobody'), { status: 403, body: { code: 'PROOF_OF_WORK_REQUIRED' } })
    t.equal(await waiting(), 0)
  })

  await t.test('a solution is accepted once; replayed on the other replica it is refused', async (t) => {
    const c = await challenge()
    const proof = header(c, solve(c))
    const first = await join(a!.url, 'alice', proof)
    t.equal(first.status, 201)
    t.equal(await waiting(), 1)
    t.match(await join(b!.url, 'bob', proof), { status: 403, body: { code: 'PROOF_OF_WORK_INVALID', message: /already used/ } })
    t.match(await join(a!.url, 'carol', proof), { status: 403, body: { code: 'PROOF_OF_WORK_INVALID' } })
    t.equal(await waiting(), 1, 'nobody else joined')
    // A challenge of one replica is solved and used on the other.
    const c2 = await challenge(a!.url)
    t.equal((await join(b!.url, 'dave', header(c2, solve(c2)))).status, 201)
    t.equal(await waiting(), 2)
  })

  await t.test('re-entry needs no proof and spends none', async (t) => {
    const again = await join(b!.url, 'alice')
    t.equal(again.status, 200)
    const c = await challenge()
    const proof = header(c, solve(c))
    t.equal((await join(a!.url, 'alice', proof)).status, 200, 'a proof sent with a re-entry is not spent')
    t.equal((await join(a!.url, 'erin', proof)).status, 201, '... so it still takes a new place')
    t.equal((await join(a!.url, 'alice', 'garbage!')).status, 200, 'an unreadable one does not stop a re-entry')
  })

  await t.test('expired, forged, wrong, unreadable and oversized solutions: 403 PROOF_OF_WORK_INVALID, nothing changes', async (t) => {
    const before = await waiting()
    // Issued with the gateways' own key, six minutes ago.
    const pow = new ProofOfWork(loadConfig({ TOKEN_SECRET }).proofOfWorkKey)
    const old = (await pow.challenge(concert.id, DIFFICULTY, Date.now() - 360_000)) as Challenge
    const c = await challenge()
    const n = solve(c)
    const other = await challenge()
    const otherConcert = await createConcert(a!.url)
    const foreign = (await call<Challenge>(a!.url, 'GET', `/api/queues/${otherConcert.id}/challenge`)).body
    const cases: [string, string, RegExp][] = [
      ['expired', header(old, solve(old)), /expired/],
      ['forged signature', header(c, n, { signature: 'ab'.repeat(32) }), /signature/],
      ['wrong number', header(c, n + 1), /wrong number/],
      ['another challenge’s signature', header(c, n, { signature: other.signature }), /signature/],
      ['of another concert', header(foreign, solve(foreign)), /not for concert/],
      ['not base64', '%%%not-base64%%%', /base64/],
      ['base64 of garbage', Buffer.from('{not json').toString('base64'), /JSON/],
      ['wrong shape', Buffer.from(JSON.stringify({ number: 'x' })).toString('base64'), /algorithm/],
      ['oversized', 'A'.repeat(4000), /longer/],
    ]
    for (const [name, proof, message] of cases) {
      t.match(await join(a!.url, `user-${name.replace(/\W/g, '')}`, proof), { status: 403, body: { code: 'PROOF_OF_WORK_INVALID', message } }, name)
    }
    t.equal(await waiting(), before, 'the waiting count is unchanged')
    t.equal((await join(b!.url, 'frank', header(c, n))).status, 201, 'the right number of the same challenge still joins')
  })

  await t.test('a line without proof of work needs none', async (t) => {
    await setQueue(a!.url, concert.id, { proofOfWork: null })
    t.equal((await join(a!.url, 'gina')).status, 201)
    t.equal((await challenge()).maxnumber, 1000, 'its challenge is the smallest')
  })
})
