import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import t from 'tap'
import { assertInvariants, call, createConcert, dropScratchDatabase, query, scratchName, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'
import { MIGRATIONS_FOLDER, runMigrations } from '../src/db/migrate.ts'

const core = await startCore(coreEntry)
t.teardown(() => core.close())
t.afterEach(() => assertInvariants(core.databaseUrl))

const create = (body: unknown) => call(core, 'POST', '/api/admin/concerts', { body })
const STARTS = [{ startsAt: '2030-05-01T19:00:00Z' }, { startsAt: '2030-05-02T19:00:00Z' }]
const plan = {
  title: 'Stadium Tour',
  venue: 'Seoul Olympic Stadium',
  grades: [
    { code: 'VIP', name: 'VIP', price: 198000 },
    { code: 'R', name: 'R석', price: 165000 },
    { code: 'S', name: 'S석', price: 132000 },
  ],
  sections: [
    { code: 'F1', name: 'Floor standing 1', grade: 'VIP', standing: 25 },
    { code: 'A', name: 'Block A', grade: 'R', rows: [{ row: '1', seats: 3 }, { row: '2', seats: 4 }] },
    { code: 'B', name: 'Block B', grade: 'S', rows: [{ row: '1', seats: 4 }] },
  ],
  schedules: STARTS,
}

const places = (scheduleId: number) =>
  query(
    core.databaseUrl,
    `select seats.seat_number as n, sections.code as section, seats.row_label as row, seats.seat, sections.grade, seats.price::int as price
     from seats join sections on sections.id = seats.section_id where seats.schedule_id = $1 order by seats.seat_number`,
    [scheduleId],
  )

t.test('when a concert is created with a plan, then every date has its grades, sections and places numbered 1…N in plan order', async (t) => {
  const created = await create(plan)
  t.equal(created.status, 201)
  t.equal(created.body.schedules.length, 2)
  for (const s of created.body.schedules) {
    t.equal(s.totalSeats, 36)
    t.equal(s.price, 132000, 'the lowest grade price')
    t.same(s.grades, [
      { code: 'VIP', name: 'VIP', price: 198000, total: 25 },
      { code: 'R', name: 'R석', price: 165000, total: 7 },
      { code: 'S', name: 'S석', price: 132000, total: 4 },
    ])
    const rows = await places(s.id)
    t.equal(rows.length, 36)
    t.same(rows[0], { n: 1, section: 'F1', row: null, seat: 1, grade: 'VIP', price: 198000 })
    t.same(rows[24], { n: 25, section: 'F1', row: null, seat: 25, grade: 'VIP', price: 198000 })
    t.same(rows[25], { n: 26, section: 'A', row: '1', seat: 1, grade: 'R', price: 165000 })
    t.same(rows[28], { n: 29, section: 'A', row: '2', seat: 1, grade: 'R', price: 165000 })
    t.same(rows[35], { n: 36, section: 'B', row: '1', seat: 4, grade: 'S', price: 132000 })
  }
})

t.test('when a concert is created with the shorthand, then each date is one grade STANDARD and one section MAIN in rows of 20', async (t) => {
  const concert = await createConcert(core, { schedules: [{ seats: 45, price: 700 }, { seats: 5000, price: 900 }] })
  const [first, second] = concert.schedules as { id: number; grades: unknown }[]
  t.same(first!.grades, [{ code: 'STANDARD', name: 'Standard', price: 700, total: 45 }])
  t.same(second!.grades, [{ code: 'STANDARD', name: 'Standard', price: 900, total: 5000 }])
  const rows = await places(first!.id)
  t.same(rows[0], { n: 1, section: 'MAIN', row: '1', seat: 1, grade: 'STANDARD', price: 700 })
  t.same(rows[20], { n: 21, section: 'MAIN', row: '2', seat: 1, grade: 'STANDARD', price: 700 })
  t.same(rows[44], { n: 45, section: 'MAIN', row: '3', seat: 5, grade: 'STANDARD', price: 700 })
  const [row3] = await query(core.databaseUrl, `select row_seats from seats where schedule_id = $1 and seat_number = 45`, [first!.id])
  t.equal(row3!.row_seats, 5, 'the last row holds the rest')
})

t.test('when a date of 100,000 places is created (a body above 64 KiB), then it is created whole', async (t) => {
  const body = {
    title: 'Largest',
    venue: 'Stadium',
    grades: [{ code: 'R', name: 'R', price: 1000 }],
    sections: Array.from({ length: 200 }, (_, i) => ({
      code: `S${i}`,
      name: `Section ${i}`,
      grade: 'R',
      rows: Array.from({ length: 50 }, (_, r) => ({ row: `${r + 1}`, seats: 10 })),
    })),
    schedules: [STARTS[0]],
  }
  t.ok(JSON.stringify(body).length > 64 * 1024)
  const created = await create(body)
  t.equal(created.status, 201)
  t.equal(created.body.schedules[0].totalSeats, 100_000)
  const [count] = await query(core.databaseUrl, `select count(*)::int as n, max(seat_number) as top from seats where schedule_id = $1`, [
    created.body.schedules[0].id,
  ])
  t.same(count, { n: 100_000, top: 100_000 })
})

t.test('when a plan is malformed, then it is 400 VALIDATION_ERROR naming the field, and nothing is created', async (t) => {
  const [before] = await query(core.databaseUrl, 'select count(*)::int as n from concerts')
  const cases: [string, unknown, RegExp][] = [
    ['mixed with seats', { ...plan, schedules: [{ ...STARTS[0], seats: 10 }] }, /schedules\[0\]\.seats/],
    ['mixed with price', { ...plan, schedules: [{ ...STARTS[0], price: 10 }] }, /schedules\[0\]\.price/],
    ['grades without sections', { ...plan, sections: undefined }, /sections/],
    ['sections without grades', { ...plan, grades: undefined }, /grades/],
    ['no seats in the shorthand', { title: 'x', venue: 'y', schedules: [{ startsAt: STARTS[0]!.startsAt, price: 1 }] }, /schedules\[0\]\.seats/],
    ['a repeated grade', { ...plan, grades: [...plan.grades, { code: 'R', name: 'again', price: 1 }] }, /grades\[3\]\.code/],
    ['an unused grade', { ...plan, grades: [...plan.grades, { code: 'Z', name: 'unused', price: 1 }] }, /grades\[3\]\.code.*no section/],
    ['an unknown grade', { ...plan, sections: [{ ...plan.sections[0], grade: 'Q' }, ...plan.sections.slice(1)] }, /sections\[0\]\.grade/],
    ['a repeated section', { ...plan, sections: [...plan.sections, { ...plan.sections[2] }] }, /sections\[3\]\.code/],
    ['rows and standing', { ...plan, sections: [{ ...plan.sections[1], standing: 5 }] }, /sections\[0\]/],
    ['neither rows nor standing', { ...plan, sections: [{ code: 'X', name: 'X', grade: 'VIP' }] }, /sections\[0\]/],
    ['a repeated row', { ...plan, sections: [{ ...plan.sections[1], rows: [{ row: '1', seats: 1 }, { row: '1', seats: 2 }] }] }, /sections\[0\]\.rows\[1\]\.row/],
    ['a bad code', { ...plan, grades: [{ code: 'V I P', name: 'x', price: 1 }] }, /code/],
    ['a row too long', { ...plan, sections: [{ ...plan.sections[1], rows: [{ row: '1', seats: 501 }] }] }, /seats/],
    ['a standing capacity too large', { ...plan, sections: [{ ...plan.sections[0], standing: 100_001 }] }, /standing/],
    ['too many places a date', { ...plan, sections: [{ ...plan.sections[0], standing: 100_000 }, ...plan.sections.slice(1)] }, /sections: 100011 places/],
    ['shorthand seats above 5,000', { title: 'x', venue: 'y', schedules: [{ ...STARTS[0], seats: 5001, price: 1 }] }, /seats/],
  ]
  for (const [what, body, field] of cases) {
    const answer = await create(body)
    t.equal(answer.status, 400, what)
    t.equal(answer.body.code, 'VALIDATION_ERROR', what)
    t.match(answer.body.message, field, `${what}: ${answer.body.message}`)
  }
  const [after] = await query(core.databaseUrl, 'select count(*)::int as n from concerts')
  t.equal(after!.n, before!.n, 'no concert created')
})

t.test('when a database made by the previous schema migrates, then its seats become section MAIN, grade STANDARD, in rows of 20', async (t) => {
  const url = core.databaseUrl.replace(/\/[^/]+$/, `/${scratchName('migrate')}`)
  t.teardown(() => dropScratchDatabase(url))
  // The migrations up to the one before the plan.
  const previous = mkdtempSync(join(tmpdir(), 'rg-migrations-'))
  cpSync(MIGRATIONS_FOLDER, previous, { recursive: true })
  const journalFile = join(previous, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalFile, 'utf8'))
  journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0004')
  writeFileSync(journalFile, JSON.stringify(journal))
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') })
  await admin.connect()
  await admin.query(`create database "${new URL(url).pathname.slice(1)}"`)
  await admin.end()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await migrate(drizzle({ client }), { migrationsFolder: previous })
    await client.query(`insert into concerts (id, title, venue) values (1, 'Old', 'Hall')`)
    await client.query(`insert into schedules (id, concert_id, starts_at, total_seats, price) values (1, 1, '2030-01-01T19:00:00Z', 45, 1500)`)
    await client.query(`insert into seats (schedule_id, seat_number, price) select 1, n, 1500 from generate_series(1, 45) n`)
    await client.query(`update seats set held_by = 'u', hold_expires_at = now() + interval '1 hour', reservation_id = 1 where seat_number = 22`)
    await client.query(`insert into reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
      values (1, 'u', 1, 1, 22, 1500, 'HELD', now() + interval '1 hour')`)
  } finally {
    await client.end()
  }
  await runMigrations(url)
  const rows = await query(
    url,
    `select seats.seat_number as n, sections.code as section, seats.row_label as row, seats.seat, seats.row_seats, sections.grade
     from seats join sections on sections.id = seats.section_id order by seat_number`,
  )
  t.equal(rows.length, 45)
  t.same(rows[0], { n: 1, section: 'MAIN', row: '1', seat: 1, row_seats: 20, grade: 'STANDARD' })
  t.same(rows[21], { n: 22, section: 'MAIN', row: '2', seat: 2, row_seats: 20, grade: 'STANDARD' })
  t.same(rows[44], { n: 45, section: 'MAIN', row: '3', seat: 5, row_seats: 5, grade: 'STANDARD' })
  t.same(await query(url, 'select code, name, price::int as price from grades'), [{ code: 'STANDARD', name: 'Standard', price: 1500 }])
  t.same(await query(url, 'select code, places, row_count, first_seat, standing from sections'), [
    { code: 'MAIN', places: 45, row_count: 3, first_seat: 1, standing: false },
  ])
  t.same(await query(url, `select status from reservations`), [{ status: 'HELD' }], 'holds are kept')
  await assertInvariants(url)
})
