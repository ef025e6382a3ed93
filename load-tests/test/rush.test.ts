/**
 * CI's guard on correctness under load: a small rush (300 users, 100 seats, fast ticks) against a
 * stack started for this file, then the invariant check. Any violation, any seat left unsold or any
 * fairness inversion fails the build. Then the check itself is checked: violations planted in the
 * record and in the database must each be reported. Nothing here is timed.
 */
import pg from 'pg'
import t from 'tap'
import type { RunRecord } from '../src/rush/record.ts'
import { runRush } from '../src/rush/run.ts'
import { startStack } from '../src/stack.ts'
import { verifyRun } from '../src/verify/checks.ts'

const USERS = 300
const SEATS = 100
const MAX_ACTIVE = 50

t.test('a rush of 300 users for 100 seats keeps every invariant', async (t) => {
  const stack = await startStack({ gatewayEnv: { ADMIT_INTERVAL_MS: '100' } })
  t.teardown(() => stack.stop())

  const { record, summary } = await runRush(
    stack,
    {
      users: USERS,
      concerts: 1,
      seats: SEATS,
      admitBatch: 25,
      admitIntervalMs: 100,
      maxActive: MAX_ACTIVE,
      duration: 50,
      prequeue: true,
      connections: 32,
      progress: false,
    },
    () => {},
  )

  for (const check of summary.checks) t.same(check.violations, [], check.name)
  t.equal(summary.seatsSold, SEATS, 'every seat is sold')
  t.equal(summary.outcomes.ticket, SEATS, 'one ticket per seat')
  t.equal(summary.outcomes['sold-out'], USERS - SEATS, 'everybody else is told it is sold out')
  t.equal(summary.fairness.inversions, 0, 'nobody is admitted before someone who arrived earlier')
  t.ok(summary.peakActive <= MAX_ACTIVE, 'never more than maxActive active')

  t.test('when violations are planted, then the check reports each of them', async (t) => {
    const planted: RunRecord = structuredClone(record)
    const last = planted.samples.at(-1)!
    planted.samples.push({ ...last, t: last.t + 1, active: MAX_ACTIVE + 1, maxActive: MAX_ACTIVE })
    planted.users[0]!.anomalies.push('planted: WAITING after ACTIVE')
    planted.users[1]!.charged += 1
    // One sold seat loses its SOLD mark: the seat maps and the paid reservations disagree.
    const db = new pg.Client({ connectionString: stack.databaseUrl })
    await db.connect()
    t.teardown(() => db.end())
    await db.query(
      `update seats set sold = false where (schedule_id, seat_number) =
         (select s.schedule_id, s.seat_number from seats s join schedules sc on sc.id = s.schedule_id
           where sc.concert_id = $1 and s.sold limit 1)`,
      [planted.concertIds[0]],
    )

    const found = new Map((await verifyRun(planted)).map((c) => [c.name, c.violations.length]))
    for (const name of [
      'never more active than maxActive',
      'nobody admitted twice',
      'balance = charges − payments (API)',
      'sold seats = paid reservations (API)',
      'sold seats = paid reservations (database)',
      'balance = charges − payments (database)',
    ]) {
      t.ok((found.get(name) ?? 0) > 0, `${name} reports the planted violation`)
    }
  })
})
