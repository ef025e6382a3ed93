/**
 * CI's guard on correctness under load: a small rush (300 users, 100 seats, fast ticks) against a
 * stack started for this file, then the invariant check. Any violation, any seat left unsold or any
 * fairness inversion fails the build. Nothing here is timed.
 */
import t from 'tap'
import { runRush } from '../src/rush/run.ts'
import { startStack } from '../src/stack.ts'

const USERS = 300
const SEATS = 100

t.test('a rush of 300 users for 100 seats keeps every invariant', async (t) => {
  const stack = await startStack({ gatewayEnv: { ADMIT_INTERVAL_MS: '100' } })
  t.teardown(() => stack.stop())

  const { summary } = await runRush(
    stack,
    {
      users: USERS,
      concerts: 1,
      seats: SEATS,
      admitBatch: 25,
      admitIntervalMs: 100,
      maxActive: 50,
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
  t.ok(summary.peakActive <= 50, 'never more than maxActive active')
})
