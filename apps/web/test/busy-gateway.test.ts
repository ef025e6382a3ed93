/**
 * A gateway that answers 429: the waiting room says why it is waiting longer, keeps showing the
 * user's place, and waits as Retry-After says instead of polling faster.
 */
import t from 'tap'
import { joinQueue, launchBrowser, openAs, screenshot, skipReason, startStack } from './support.ts'

const TITLE = 'Busy Night'

t.test('the waiting room backs off when rate limited', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { RATE_LIMIT_PER_MINUTE: '5', ADMIT_INTERVAL_MS: '1000' } })
  const concertId = await stack.createConcert(TITLE, 10, 10_000)
  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { paused: true })

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const dave = await openAs(browser, stack.url, 'dave', errors)
  const polls: number[] = []
  dave.on('request', (req) => {
    if (req.url().endsWith('/tokens/current')) polls.push(Date.now())
  })
  await joinQueue(dave, TITLE)
  await dave.getByText('You are next in line.').waitFor()

  await dave.getByText(/^The line is very busy right now\. Your place is kept; checking again in \d+ s\.$/).waitFor({ timeout: 60_000 })
  t.equal(await dave.locator('.position').textContent(), 'You are next in line.', 'the place is still shown')
  await screenshot(dave, '20-rate-limited')
  const count = polls.length
  await dave.waitForTimeout(3000)
  t.equal(polls.length, count, 'no polling while Retry-After runs')
  t.same(errors, [], 'no script errors')
})
