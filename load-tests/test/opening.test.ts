/**
 * The opening scenario on a stack started for this file: 200 users with different network delays
 * press join at once before opensAt; every join lands in the pre-queue, a tenth is admitted first,
 * and that tenth is not the fastest users (the draw, not the network, decides). Nothing is timed.
 */
import t from 'tap'
import { runOpening } from '../src/rush/opening.ts'
import { startStack } from '../src/stack.ts'

t.test('with a pre-queue, arrival speed does not decide who is admitted first', async (t) => {
  const stack = await startStack({ gatewayEnv: { ADMIT_INTERVAL_MS: '200' } })
  t.teardown(() => stack.stop())
  const result = await runOpening(
    stack,
    { users: 200, mode: 'prequeue', minDelayMs: 5, maxDelayMs: 300, spreadMs: 0, leadMs: 4000, connections: 64 },
    () => {},
  )
  t.equal(result.joinErrors, 0)
  t.equal(result.prequeued, 200, 'every join landed in the pre-queue')
  t.equal(result.firstTenth, 20, 'a tenth admitted first')
  // Drawn at random, 10 or more of the fastest 20 among the first 20 of 200 has a chance of about 1e-6.
  t.ok(result.share < 0.5, `the fastest decile is ${result.share} of the first tenth, not most of it`)
})
