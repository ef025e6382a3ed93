/**
 * POST …/holds: chosen seats all or none, best available in the contract's order (the single-seat
 * rule, together or not), standing places lowest entry number first — under real concurrency, on
 * a real Postgres.
 */
import t from 'tap'
import { assertInvariants, call, expireHold, query, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { DB_POOL_MAX: '20', MAX_HOLDS_PER_USER: '6' } })
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

type Place = { seatNumber: number; section: string; row: string | null; seat: number; label: string; grade: string }

async function venue(grades: { code: string; price?: number }[], sections: Record<string, unknown>[]) {
  const body = {
    title: 'Venue',
    venue: 'Hall',
    grades: grades.map((g) => ({ code: g.code, name: g.code, price: g.price ?? 1000 })),
    sections,
    schedules: [{ startsAt: '2031-01-01T19:00:00Z' }],
  }
  const created = await call(core, 'POST', '/api/admin/concerts', { body })
  t.equal(created.status, 201, 'concert created')
  return { concertId: created.body.id as number, scheduleId: created.body.schedules[0].id as number }
}

const rows = (count: number, seats: number) => Array.from({ length: count }, (_, i) => ({ row: `${i + 1}`, seats }))
const hold = (user: string, concertId: number, body: Record<string, unknown>) => call(core, 'POST', `/api/concerts/${concertId}/holds`, { user, body })
const seatsOf = (answer: { body: { reservations: Place[] } }) => answer.body.reservations.map((r) => r.seat)

t.test('best available follows the contract: earliest row with a block, no stranded single seat, closest to the centre, lower seat', async (t) => {
  const { concertId, scheduleId } = await venue(
    [{ code: 'R' }, { code: 'S' }],
    [
      { code: 'A', name: 'A', grade: 'R', rows: [{ row: '1', seats: 10 }] },
      { code: 'B', name: 'B', grade: 'R', rows: [{ row: '1', seats: 7 }, { row: '2', seats: 3 }, { row: '3', seats: 6 }] },
      { code: 'C', name: 'C', grade: 'S', rows: [{ row: '1', seats: 3 }, { row: '2', seats: 6 }] },
    ],
  )
  const best = (user: string, b: Record<string, unknown>) => hold(user, concertId, { scheduleId, bestAvailable: b })

  const first = await best('b1', { quantity: 2 })
  t.equal(first.status, 201)
  t.same(seatsOf(first), [5, 6], 'the centre of a row of 10')
  t.match(first.body.reservations[0], { section: 'A', row: '1', seat: 5, label: 'A-1-5', grade: 'R', status: 'HELD', seatNumber: 5 })
  t.equal(first.body.expiresAt, first.body.reservations[1].expiresAt)
  t.same(seatsOf(await best('b2', { quantity: 2 })), [3, 4], 'of 3-4 and 7-8 (equally central, neither strands), the lower')
  t.same(seatsOf(await best('b3', { quantity: 2 })), [7, 8])
  t.same(seatsOf(await best('b4', { quantity: 2 })), [1, 2])
  // Row A-1 has 9 and 10 left; 3 together do not fit: the next section.
  const b = await best('b5', { quantity: 3 })
  t.same(b.body.reservations.map((r: Place) => r.label), ['B-1-3', 'B-1-4', 'B-1-5'], 'B row 1 (7 seats): the centre block 3-5')
  // B-1 free: 1-2 and 6-7. Two together: 1-2 or 6-7, neither strands; equally central; the lower.
  t.same((await best('b6', { quantity: 2, section: 'B' })).body.reservations.map((r: Place) => r.label), ['B-1-1', 'B-1-2'])
  t.same((await best('b7', { quantity: 1, section: 'B' })).body.reservations.map((r: Place) => r.label), ['B-1-6'], 'one seat: closest to the centre')

  // C is seats 27-29 (row 1, 3 seats) and 30-35 (row 2, 6 seats, centre 3.5). Take C-2-1.
  t.equal((await hold('c0', concertId, { scheduleId, seatNumbers: [30] })).body.reservations[0].label, 'C-2-1')
  // Row C-1 (3 seats): every block of two strands a seat, and it still comes before row C-2.
  const c = await best('c2', { quantity: 2, grade: 'S' })
  t.same(c.body.reservations.map((r: Place) => r.label), ['C-1-1', 'C-1-2'], 'the earliest row with a block, even when every block strands')
  // The single-seat rule: C-2 free 2-6. 3-4 is the most central but strands seat 2, 4-5 strands seat 6:
  // of the blocks that strand nothing (2-3, 5-6), the closer to the centre.
  t.same((await best('c4', { quantity: 2, section: 'C' })).body.reservations.map((r: Place) => r.label), ['C-2-2', 'C-2-3'], 'no stranded seat')
  const apart = await best('c5', { quantity: 3, grade: 'S', together: false })
  t.same(apart.body.reservations.map((r: Place) => r.label), ['C-1-3', 'C-2-4', 'C-2-5'], 'not together: section, row, distance from the centre, lower')

  // S has C-2-6 left: no two together.
  const none = await best('c6', { quantity: 2, grade: 'S' })
  t.equal(none.status, 409)
  t.equal(none.body.code, 'NOT_ENOUGH_SEATS')
  t.equal((await best('c7', { quantity: 1, grade: 'S', section: 'A' })).body.code, 'NOT_ENOUGH_SEATS', 'a section not of the grade')
})

t.test('when 50 groups ask for best available at once, then no place is held twice and every group sits together in one row', async (t) => {
  const { concertId, scheduleId } = await venue([{ code: 'R' }], [
    { code: 'A', name: 'A', grade: 'R', rows: rows(10, 20) },
    { code: 'B', name: 'B', grade: 'R', rows: rows(10, 20) },
  ])
  const sizes = Array.from({ length: 50 }, (_, i) => 1 + (i % 4))
  const answers = await Promise.all(sizes.map((quantity, i) => hold(`g${i}`, concertId, { scheduleId, bestAvailable: { quantity } })))
  t.same(answers.map((a) => a.status), sizes.map(() => 201), 'every group is held')
  const all = answers.flatMap((a) => a.body.reservations as Place[])
  t.equal(all.length, sizes.reduce((a, b) => a + b, 0))
  t.equal(new Set(all.map((p) => p.seatNumber)).size, all.length, 'no place twice')
  answers.forEach((a, i) => {
    const places = a.body.reservations as Place[]
    t.equal(places.length, sizes[i])
    const sameRow = places.every((p) => p.section === places[0]!.section && p.row === places[0]!.row)
    const adjacent = places.every((p, k) => k === 0 || p.seat === places[k - 1]!.seat + 1)
    t.ok(sameRow && adjacent, `group ${i} together: ${places.map((p) => p.label).join(' ')}`)
  })
  const [held] = await query(core.databaseUrl, `select count(*)::int as n from seats where schedule_id = $1 and held_by is not null`, [scheduleId])
  t.equal(held!.n, all.length)
})

t.test('chosen seats are all or none: one seat taken in the middle holds nothing, and names it', async (t) => {
  const { concertId, scheduleId } = await venue([{ code: 'R' }], [{ code: 'A', name: 'A', grade: 'R', rows: rows(1, 10) }])
  t.equal((await hold('middle', concertId, { scheduleId, seatNumbers: [5] })).status, 201)
  const refused = await hold('group', concertId, { scheduleId, seatNumbers: [4, 5, 6] })
  t.equal(refused.status, 409)
  t.equal(refused.body.code, 'SEAT_UNAVAILABLE')
  t.match(refused.body.message, /\b5\b/)
  t.same(await query(core.databaseUrl, `select seat_number from seats where schedule_id = $1 and held_by is not null`, [scheduleId]), [
    { seat_number: 5 },
  ])
  t.same((await call(core, 'GET', '/api/users/me/reservations', { user: 'group' })).body, [], 'no half-held group')
  const ok = await hold('group', concertId, { scheduleId, seatNumbers: [7, 6] })
  t.equal(ok.status, 201)
  t.same(ok.body.reservations.map((r: Place) => r.seatNumber), [6, 7], 'by seat number')
  const mine = await call(core, 'GET', '/api/users/me/reservations', { user: 'group' })
  t.match(mine.body[0], { label: 'A-1-7', section: 'A', row: '1', seat: 7, grade: 'R' })

  // Two groups that overlap, at once: one of them gets all its seats, the other none.
  const [x, y] = await Promise.all([
    hold('x', concertId, { scheduleId, seatNumbers: [1, 2, 3] }),
    hold('y', concertId, { scheduleId, seatNumbers: [3, 8, 9] }),
  ])
  t.same([x.status, y.status].sort(), [201, 409])
  await call(core, 'POST', '/api/users/me/balance/charges', { user: 'group', body: { amount: 5000 } })
  const paid = await call(core, 'POST', `/api/concerts/${concertId}/payments`, {
    user: 'group',
    body: { reservationIds: ok.body.reservations.map((r: { id: number }) => r.id) },
  })
  t.equal(paid.status, 201, 'a group is paid together')
  const report = await call(core, 'GET', `/api/admin/concerts/${concertId}/sales`)
  t.same(report.body.byGrade, [{ grade: 'R', sold: 2, revenue: 2000 }])
})

t.test('standing places go lowest entry number first, never twice, in the order they are held', async (t) => {
  const { concertId, scheduleId } = await venue([{ code: 'VIP' }, { code: 'R' }], [
    { code: 'F1', name: 'Floor', grade: 'VIP', standing: 100 },
    { code: 'A', name: 'A', grade: 'R', rows: rows(1, 10) },
  ])
  const stand = (user: string, quantity: number) => hold(user, concertId, { scheduleId, section: 'F1', quantity })
  t.same(seatsOf(await stand('early', 2)), [1, 2])
  t.same(seatsOf(await stand('next', 1)), [3])
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => stand(`s${i}`, 2)))
  t.same(answers.map((a) => a.status), answers.map(() => 201))
  const entries = answers.flatMap((a) => seatsOf(a)).sort((a, b) => a - b)
  t.same(entries, Array.from({ length: 60 }, (_, i) => i + 4), 'entries 4…63, each once')
  const ordered = answers.map((a) => a.body.reservations as (Place & { id: number })[]).sort((p, q) => p[0]!.id - q[0]!.id)
  t.ok(ordered.every((p) => p[0]!.label.startsWith('F1-') && p[0]!.row === null), 'standing places have no row')
  t.same(seatsOf(await stand('late', 1)), [64], 'the next in line gets the next entry number')
  // A place that comes back is the lowest again.
  await call(core, 'DELETE', `/api/concerts/${concertId}/reservations/${answers[0]!.body.reservations[0].id}`, { user: 's0' })
  const back = answers[0]!.body.reservations[0].seat as number
  t.same(seatsOf(await stand('again', 1)), [back])
  const rest = await stand('many', 6)
  t.same(seatsOf(rest), [65, 66, 67, 68, 69, 70])
  t.equal((await stand('more', 6)).status, 201)
  const full = await hold('full', concertId, { scheduleId, section: 'F1', quantity: 6 })
  t.equal(full.status, 201)
  const x = await Promise.all(Array.from({ length: 6 }, (_, i) => stand(`last${i}`, 6)))
  t.equal(x.filter((a) => a.status === 201).length, 3, '18 of the last 18 places, in threes of six')
  t.same(
    x.filter((a) => a.status === 409).map((a) => a.body.code),
    ['NOT_ENOUGH_SEATS', 'NOT_ENOUGH_SEATS', 'NOT_ENOUGH_SEATS'],
  )
})

t.test('bad requests are 400 naming the field, unknown names 404, and the limits count the whole group', async (t) => {
  const { concertId, scheduleId } = await venue([{ code: 'VIP' }, { code: 'R' }], [
    { code: 'F1', name: 'Floor', grade: 'VIP', standing: 10 },
    { code: 'A', name: 'A', grade: 'R', rows: rows(2, 10) },
  ])
  const cases: [Record<string, unknown>, number, string, RegExp][] = [
    [{ scheduleId }, 400, 'VALIDATION_ERROR', /one of seatNumbers, bestAvailable, or section and quantity/],
    [{ scheduleId, seatNumbers: [1], bestAvailable: { quantity: 1 } }, 400, 'VALIDATION_ERROR', /only one of seatNumbers, bestAvailable/],
    [{ scheduleId, seatNumbers: [1, 1] }, 400, 'VALIDATION_ERROR', /seatNumbers: seat 1 is repeated/],
    [{ scheduleId, seatNumbers: [] }, 400, 'VALIDATION_ERROR', /seatNumbers/],
    [{ scheduleId, bestAvailable: { quantity: 11 } }, 400, 'VALIDATION_ERROR', /quantity/],
    [{ scheduleId, section: 'F1' }, 400, 'VALIDATION_ERROR', /quantity: required/],
    [{ scheduleId, section: 'A', quantity: 1 }, 400, 'VALIDATION_ERROR', /section: A is seated/],
    [{ scheduleId, bestAvailable: { quantity: 1, section: 'F1' } }, 400, 'VALIDATION_ERROR', /bestAvailable.section: F1 is standing/],
    [{ scheduleId, section: 'ZZ', quantity: 1 }, 404, 'SECTION_NOT_FOUND', /ZZ/],
    [{ scheduleId, bestAvailable: { quantity: 1, grade: 'Q' } }, 404, 'GRADE_NOT_FOUND', /Q/],
    [{ scheduleId, seatNumbers: [30, 31] }, 404, 'SEAT_NOT_FOUND', /31/],
    [{ scheduleId: 999999, seatNumbers: [1] }, 404, 'SCHEDULE_NOT_FOUND', /999999/],
    [{ scheduleId, bestAvailable: { quantity: 7 } }, 409, 'HOLD_LIMIT_REACHED', /6/],
  ]
  for (const [body, status, code, message] of cases) {
    const answer = await hold('bad', concertId, body)
    t.equal(answer.status, status, JSON.stringify(body))
    t.equal(answer.body.code, code, JSON.stringify(body))
    t.match(answer.body.message, message, answer.body.message)
  }
  t.equal((await call(core, 'POST', '/api/concerts/999999/holds', { user: 'bad', body: { scheduleId, seatNumbers: [1] } })).body.code, 'CONCERT_NOT_FOUND')
  t.same((await call(core, 'GET', '/api/users/me/reservations', { user: 'bad' })).body, [], 'nothing held')

  t.equal((await hold('limit', concertId, { scheduleId, seatNumbers: [1, 2, 3, 4] })).status, 201)
  const over = await hold('limit', concertId, { scheduleId, section: 'F1', quantity: 3 })
  t.equal(over.body.code, 'HOLD_LIMIT_REACHED', 'four live holds plus three asked pass six')
  await call(core, 'PATCH', `/api/admin/concerts/${concertId}`, { body: { maxTicketsPerUser: 5 } })
  const tickets = await hold('limit', concertId, { scheduleId, section: 'F1', quantity: 2 })
  t.equal(tickets.body.code, 'TICKET_LIMIT_REACHED', 'four held plus two asked pass five')
  t.equal((await hold('limit', concertId, { scheduleId, section: 'F1', quantity: 1 })).status, 201)

  await query(core.databaseUrl, `update schedules set starts_at = now() - interval '1 minute' where id = $1`, [scheduleId])
  const closed = await hold('late', concertId, { scheduleId, bestAvailable: { quantity: 1 } })
  t.equal(closed.body.code, 'SCHEDULE_CLOSED')
})

t.test('places whose hold ran out are free again to every form, the lowest and best first, and their holds read EXPIRED', async (t) => {
  const { concertId, scheduleId } = await venue([{ code: 'VIP' }, { code: 'R' }], [
    { code: 'F1', name: 'Floor', grade: 'VIP', standing: 20 },
    { code: 'A', name: 'A', grade: 'R', rows: rows(2, 6) },
  ])
  const stand = (user: string, quantity: number) => hold(user, concertId, { scheduleId, section: 'F1', quantity })
  const best = (user: string, quantity: number) => hold(user, concertId, { scheduleId, bestAvailable: { quantity } })
  const early = await stand('lapse-early', 2)
  t.same(seatsOf(early), [1, 2])
  t.same(seatsOf(await stand('lapse-next', 2)), [3, 4])
  // Row A-1 (seats 21-26): 3-4 first, then 1-2 and 5-6; then row 2.
  const front = await best('lapse-front', 2)
  t.same(seatsOf(front), [3, 4])
  t.same(seatsOf(await best('lapse-side', 2)), [1, 2])
  for (const r of [...early.body.reservations, ...front.body.reservations]) await expireHold(core.databaseUrl, r.id)

  t.same(seatsOf(await stand('lapse-again', 3)), [1, 2, 5], 'the entry numbers that ran out are the lowest again')
  t.same(seatsOf(await best('lapse-back', 2)), [3, 4], 'the centre block of row 1, free again, comes before row 2')
  const mine = await call(core, 'GET', '/api/users/me/reservations', { user: 'lapse-early' })
  t.same(mine.body.map((r: { status: string }) => r.status), ['EXPIRED', 'EXPIRED'])
  const late = await hold('lapse-late', concertId, { scheduleId, seatNumbers: [25, 26] })
  t.equal(late.status, 201, 'the seats left in row 1')
  const held = await query(core.databaseUrl, `select status, count(*)::int as n from reservations where schedule_id = $1 group by status order by status`, [scheduleId])
  t.same(held, [{ status: 'EXPIRED', n: 4 }, { status: 'HELD', n: 11 }])
  t.equal((await best('lapse-full', 6)).status, 201, 'row 2 whole')
  t.equal((await best('lapse-none', 1)).body.code, 'NOT_ENOUGH_SEATS')
})
