/**
 * The rush on a seating plan, scaled down: 150 fans in groups of 1–4 for 5,360 places (two standing
 * floors of 2,600, four seated sections of 4 rows of 10: more than one seat map may list, so the
 * invariant check reads it section by section), against a stack started for this file. Every
 * invariant holds, every fan who bought got its whole group, and the report's plan figures add up;
 * a sold seat planted unsold is reported. Nothing here is timed.
 */
import pg from 'pg'
import t from 'tap'
import { fanOf, placesOf } from '../src/rush/plan.ts'
import type { RunRecord } from '../src/rush/record.ts'
import { runRush } from '../src/rush/run.ts'
import { strandedIn } from '../src/rush/stranded.ts'
import { startStack } from '../src/stack.ts'
import type { Seat } from '../src/client.ts'
import { verifyRun } from '../src/verify/checks.ts'

const PLAN = { floor: 2600, sections: 4, rows: 4, seatsPerRow: 10 }
const FANS = 150

t.test('a rush of 150 fans in groups on a 5,360-place plan keeps every invariant and reports its group holds', async (t) => {
  const stack = await startStack({ gatewayEnv: { ADMIT_INTERVAL_MS: '100' } })
  t.teardown(() => stack.stop())

  const { record, summary } = await runRush(
    stack,
    {
      users: FANS,
      concerts: 1,
      seats: 0,
      admitBatch: 25,
      admitIntervalMs: 100,
      maxActive: 50,
      prequeue: true,
      connections: 32,
      progress: false,
      listen: true,
      duration: 90,
      ticketLimit: 4,
      greedyEvery: 0,
      refundEvery: 0,
      plan: PLAN,
    },
    () => {},
  )

  for (const check of summary.checks) t.same(check.violations, [], check.name)
  t.equal(summary.seatsTotal, placesOf(PLAN), 'the plan has 5,360 places')
  t.notOk(summary.outcomes.failed || summary.outcomes.expired || summary.outcomes.aborted, `no fan failed: ${JSON.stringify(summary.outcomes)}`)
  for (const u of record.users.filter((u) => u.ticketAt !== null)) {
    if (u.seats !== u.plan.wants) t.fail(`${u.id} bought ${u.seats} places for a group of ${u.plan.wants}`)
  }
  t.ok(summary.fairness.inversions === 0, 'nobody is admitted before someone who arrived earlier')

  const plan = summary.plan!
  t.ok(plan, 'the report has the plan figures')
  const groups = Object.entries(plan.groups)
  t.ok(groups.every(([size]) => ['1', '2', '3', '4'].includes(size)), `groups of 1–4: ${JSON.stringify(plan.groups)}`)
  t.equal(
    groups.reduce((n, [, v]) => n + v, 0),
    FANS,
    'every fan is in a group',
  )
  for (const mode of ['best', 'pick', 'standing'] as const) {
    const f = plan.firstTry[mode]
    t.ok(f.fans > 0, `some fans asked by ${mode} (${f.fans})`)
    t.ok(f.succeeded <= f.fans && f.rate !== null && f.rate >= 0 && f.rate <= 100, `${mode}: ${f.rate}% on the first try`)
  }
  const asked = record.users.filter((u) => u.holdRequests > 0).length
  t.equal(plan.firstTry.best.fans + plan.firstTry.pick.fans + plan.firstTry.standing.fans, asked, 'each fan who asked counts once')
  const tickets = record.users.filter((u) => u.ticketAt !== null).length
  t.ok(tickets > 0 && plan.holdsPerTicket.p50 >= 1 && plan.holdsPerTicket.max >= plan.holdsPerTicket.p90, `holds per ticket ${JSON.stringify(plan.holdsPerTicket)}`)
  const l = plan.leftover
  t.ok(l.stranded <= l.freeSeats, `stranded ${l.stranded} of ${l.freeSeats} free seats`)
  t.equal(summary.seatsSold + l.freeSeats + l.freeStanding, summary.seatsTotal, 'sold and free places add up to the plan')

  t.test('when a sold seat loses its SOLD mark, then the check, reading section by section, reports it', async (t) => {
    const planted: RunRecord = structuredClone(record)
    const db = new pg.Client({ connectionString: stack.databaseUrl })
    await db.connect()
    t.teardown(() => db.end())
    await db.query(
      `update seats set sold = false where (schedule_id, seat_number) =
         (select s.schedule_id, s.seat_number from seats s join schedules sc on sc.id = s.schedule_id
           where sc.concert_id = $1 and s.sold and s.row_number is not null limit 1)`,
      [planted.concertIds[0]],
    )
    const found = new Map((await verifyRun(planted)).map((c) => [c.name, c.violations.length]))
    for (const name of ['sold seats = paid reservations (API)', 'sold seats = paid reservations (database)']) {
      t.ok((found.get(name) ?? 0) > 0, `${name} reports the planted violation`)
    }
  })
})

t.test('the fans are the same from run to run, in groups of 1–4, with a grade order that starts at their preference', async (t) => {
  const fans = Array.from({ length: 1000 }, (_, i) => fanOf(i))
  t.same(fanOf(7), fanOf(7))
  for (const size of [1, 2, 3, 4]) t.ok(fans.some((f) => f.group === size), `groups of ${size}`)
  t.ok(fans.every((f) => f.grades.length === 3 && new Set(f.grades).size === 3), 'every fan orders the three grades')
  t.ok(fans.some((f) => f.seated === 'best') && fans.some((f) => f.seated === 'pick'), 'both ways of asking for seats')
})

t.test('a stranded seat is a free seat with no free neighbour in its row', async (t) => {
  const seat = (row: string, n: number, status: Seat['status']) =>
    ({ seatNumber: Number(row) * 100 + n, status, price: 1, section: 'S1', row, seat: n, grade: 'R', label: `S1-${row}-${n}` }) as Seat
  const map = [
    seat('1', 1, 'AVAILABLE'), // stranded: the row's end, and seat 2 sold
    seat('1', 2, 'SOLD'),
    seat('1', 3, 'AVAILABLE'), // free with a free neighbour
    seat('1', 4, 'AVAILABLE'),
    seat('1', 5, 'HELD'),
    seat('2', 1, 'SOLD'),
    seat('2', 2, 'AVAILABLE'), // stranded: seat 1 of row 1 is not its neighbour
  ]
  t.same(strandedIn(map), { free: 4, stranded: 2 })
})
