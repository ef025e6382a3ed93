/**
 * The lines' record the gateway keeps outside Redis (GET/PUT /api/lines/:id, POST …/paid-turns):
 * a write keeps what it leaves out, the sold-out sequence only grows, paid turns are handed back,
 * concurrent writes of one line leave one row, bad input changes nothing.
 */
import t from 'tap'
import { call, createConcert, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry)
t.teardown(() => core.close())

const read = async (id: number) => call(core, 'GET', `/api/lines/${id}`)
const write = (id: number, body: unknown) => call(core, 'PUT', `/api/lines/${id}`, { body })
const SEED = 'a'.repeat(64)
const COMMITMENT = 'b'.repeat(64)

t.test('a line never written is not known; writes merge; soldOutSeq only grows', async (t) => {
  const { id } = await createConcert(core, { schedules: [{ seats: 2, price: 100 }] })
  t.same((await read(id)).body, { known: false, settings: {}, seed: null, seedCommitment: null, soldOutSeq: null, paidTurns: [] })
  t.equal((await write(id, { settings: { paused: '1', mode: 'reject', admitPerTick: '7' }, seed: SEED, seedCommitment: COMMITMENT })).status, 204)
  t.equal((await write(id, { soldOutSeq: 40 })).status, 204)
  t.equal((await write(id, { soldOutSeq: 12 })).status, 204)
  const r = (await read(id)).body
  t.same(r, { known: true, settings: { paused: '1', mode: 'reject', admitPerTick: '7' }, seed: SEED, seedCommitment: COMMITMENT, soldOutSeq: 40, paidTurns: [] })
  t.equal((await write(id, { settings: { paused: '0' }, seed: null, seedCommitment: null })).status, 204)
  const after = (await read(id)).body
  t.same(after.settings, { paused: '0' }, 'the settings are replaced as a whole')
  t.equal(after.seed, null, 'the seed can be forgotten')
  t.equal(after.soldOutSeq, 40)
})

t.test('paid turns are handed back, once each', async (t) => {
  const { id } = await createConcert(core, { schedules: [{ seats: 2, price: 100 }] })
  const paid = (userId: string, seq: number) => call(core, 'POST', `/api/lines/${id}/paid-turns`, { body: { userId, seq } })
  await Promise.all([paid('ann', 3), paid('ann', 3), paid('bob', 9)])
  const turns = (await read(id)).body.paidTurns as { userId: string; seq: number }[]
  t.same(turns.sort((a, b) => a.seq - b.seq), [{ userId: 'ann', seq: 3 }, { userId: 'bob', seq: 9 }])
})

t.test('concurrent writes of one line leave one row', async (t) => {
  const { id } = await createConcert(core, { schedules: [{ seats: 2, price: 100 }] })
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => write(id, { settings: { admitPerTick: String(i + 1) }, soldOutSeq: i })))
  t.same(results.map((r) => r.status), Array(8).fill(204))
  const r = (await read(id)).body
  t.equal(r.soldOutSeq, 7, 'the highest sold-out sequence is kept')
  t.ok(Number(r.settings.admitPerTick) >= 1)
})

t.test('unknown concerts and bad input', async (t) => {
  const { id } = await createConcert(core, { schedules: [{ seats: 2, price: 100 }] })
  t.equal((await read(999_999)).body.code, 'CONCERT_NOT_FOUND')
  t.equal((await write(999_999, { settings: {} })).body.code, 'CONCERT_NOT_FOUND')
  const bad = await write(id, { seed: 'nothex' })
  t.equal(bad.status, 400)
  t.match(bad.body.message, /seed/)
  const badPaid = await call(core, 'POST', `/api/lines/${id}/paid-turns`, { body: { userId: 'ann', seq: 0 } })
  t.equal(badPaid.status, 400)
  t.match(badPaid.body.message, /seq/)
  t.same((await read(id)).body.known, false, 'nothing was written')
  const noToken = await call(core, 'GET', `/api/lines/${id}`, { headers: { 'x-internal-token': 'wrong' } })
  t.equal(noToken.status, 401)
})
