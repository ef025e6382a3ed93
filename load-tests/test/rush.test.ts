/**
 * CI's guard on correctness under load: a small rush (300 users, 100 seats, fast ticks) against a
 * stack started for this file, then the invariant check. Any violation, any seat left unsold or any
 * fairness inversion fails the build. Then the check itself is checked: violations planted in the
 * record and in the database must each be reported. A second rush mixes in a ticket limit, users who
 * try for more than it and users who refund and line up again. Nothing here is timed.
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
/** The small rush every test here plays, each with its own sales rules. */
const SMALL_RUSH = {
  users: USERS,
  concerts: 1,
  seats: SEATS,
  admitBatch: 25,
  admitIntervalMs: 100,
  maxActive: MAX_ACTIVE,
  prequeue: true,
  connections: 32,
  progress: false,
  listen: true,
}

t.test('a rush of 300 users for 100 seats keeps every invariant', async (t) => {
  const stack = await startStack({ gatewayEnv: { ADMIT_INTERVAL_MS: '100' } })
  t.teardown(() => stack.stop())

  const { record, summary } = await runRush(
    stack,
    { ...SMALL_RUSH, duration: 50, ticketLimit: null, greedyEvery: 0, refundEvery: 0 },
    () => {},
  )

  for (const check of summary.checks) t.same(check.violations, [], check.name)
  t.equal(summary.seatsSold, SEATS, 'every seat is sold')
  t.equal(summary.outcomes.ticket, SEATS, 'one ticket per seat')
  t.equal(
    (summary.outcomes['sold-out'] ?? 0) + (summary.outcomes['empty-map'] ?? 0),
    USERS - SEATS,
    `everybody else is told it is sold out (${summary.soldOut.users} by the line, ${summary.emptyMapAdmissions} admitted to an empty map)`,
  )
  t.ok(summary.soldOut.users > 0, 'the line tells the fans still waiting')
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
      'balance = charges − payments + refunds (API)',
      'sold seats = paid reservations (API)',
      'sold seats = paid reservations (database)',
      'balance = charges − payments + refunds (database)',
    ]) {
      t.ok((found.get(name) ?? 0) > 0, `${name} reports the planted violation`)
    }
  })
})

t.test('a rush with a ticket limit of 2, greedy users and refunds still sells every seat, once each, within the limit', async (t) => {
  const stack = await startStack({ gatewayEnv: { ADMIT_INTERVAL_MS: '100' } })
  t.teardown(() => stack.stop())

  const { record, summary } = await runRush(
    stack,
    { ...SMALL_RUSH, duration: 60, ticketLimit: 2, greedyEvery: 5, refundEvery: 10 },
    () => {},
  )

  for (const check of summary.checks) t.same(check.violations, [], check.name)
  t.equal(summary.seatsSold, SEATS, 'every seat is sold, refunded ones again')
  t.ok(summary.limitHits > 0, `greedy users were told TICKET_LIMIT_REACHED (${summary.limitHits})`)
  t.ok(summary.refunds > 0, `refunds happened (${summary.refunds})`)
  t.notOk(summary.outcomes.failed || summary.outcomes.expired || summary.outcomes.aborted, `no user failed: ${JSON.stringify(summary.outcomes)}`)
  t.ok(record.users.filter((u) => u.plan.wants > 1).some((u) => u.seats === 2), 'a greedy user bought the limit')
  t.ok(record.users.every((u) => u.seats <= 2), 'nobody bought more than the limit')
  t.equal(summary.fairness.inversions, 0, 'nobody is admitted before someone who arrived earlier')
  t.ok(summary.peakActive <= MAX_ACTIVE, 'never more than maxActive active')

  t.test('when refund and limit violations are planted, then the check reports each of them', async (t) => {
    const planted: RunRecord = structuredClone(record)
    const refunder = planted.users.find((u) => u.refundedPaymentIds.length > 0)!
    refunder.refundedPaymentIds = [] // the client "was told" no refund happened
    planted.ticketLimit = 1
    const db = new pg.Client({ connectionString: stack.databaseUrl })
    await db.connect()
    t.teardown(() => db.end())
    // A refund loses its ledger entry (the money check sees it); the concert's limit drops under what greedy users bought.
    await db.query(`delete from ledger where id = (select min(id) from ledger where kind = 'refund')`)
    await db.query(`update concerts set max_tickets_per_user = 1 where id = $1`, [planted.concertIds[0]])

    const found = new Map((await verifyRun(planted)).map((c) => [c.name, c.violations.length]))
    for (const name of [
      'refunds are whole and shown (API)',
      'ticket limit per user (API)',
      'ticket limit per user (database)',
      'balance = charges − payments + refunds (database)',
    ]) {
      t.ok((found.get(name) ?? 0) > 0, `${name} reports the planted violation`)
    }
  })
})
