/**
 * A gateway that answers 429: the waiting room says why it is waiting longer, keeps showing the
 * user's place, and waits as Retry-After says instead of polling faster. A core that goes away
 * while the user picks a seat: the page says the seats may be out of date and keeps retrying.
 */
import { awayFromWindowEdge } from '@rushgate/testkit'
import t from 'tap'
import { joinQueue, launchBrowser, openAs, screenshot, seat, skipReason, startStack } from './support.ts'

const TITLE = 'Busy Night'

t.test('the waiting room backs off when rate limited', { skip: skipReason }, async (t) => {
  // 6 a minute: per address, the setup's two admin calls and the page's four loads (page, script,
  // styles, /api/config) pass; dave's own polls then run into the limit.
  const stack = await startStack(t, { gateway: { RATE_LIMIT_PER_MINUTE: '6', ADMIT_INTERVAL_MS: '1000' } })
  // All of that, the join and the event stream in one limiter minute: in the next, the stream would
  // be let through, and a stream that stays open never runs into the limit.
  await awayFromWindowEdge(30_000)
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

  const notice = dave.getByText(/^The line is very busy right now\. Your place is kept; checking again in \d+ s\.$/)
  await notice.waitFor({ timeout: 60_000 })
  t.equal(await dave.locator('.position').textContent(), 'You are next in line.', 'the place is still shown')
  await screenshot(dave, '20-rate-limited')
  const count = polls.length
  // Retry-After runs to the end of the limiter's minute, which may be only a second or two away.
  const retryInSeconds = Number(/in (\d+) s/.exec((await notice.textContent()) ?? '')?.[1])
  await dave.waitForTimeout(Math.min(3000, (retryInSeconds - 1) * 1000))
  t.equal(polls.length, count, 'no polling while Retry-After runs')
  t.same(errors, [], 'no script errors')
})

t.test('the seat map says so when the core is down, and a hold gets a clear sentence', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_INTERVAL_MS: '500' } })
  const concertId = await stack.createConcert(TITLE, 10, 10_000)
  t.ok(concertId > 0, 'concert created')

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const erin = await openAs(browser, stack.url, 'erin', errors)
  await joinQueue(erin, TITLE)
  await erin.getByRole('heading', { name: /It's your turn/ }).waitFor()
  await seat(erin, 2).click()

  await stack.stopCore()
  await erin.getByText(/^The seats shown may be out of date: the ticket service is not answering\. Refreshing again in \d+ s\.$/).waitFor()
  await erin.getByRole('button', { name: 'Hold', exact: true }).click()
  await erin.getByRole('alert').getByText('The ticket service is busy or unreachable right now. Please try again in a moment.').waitFor()
  t.ok(await erin.getByRole('heading', { name: /It's your turn/ }).isVisible(), 'the turn is not lost because the core is down')
  t.ok(await erin.getByRole('button', { name: 'Hold', exact: true }).isEnabled(), 'Hold can be pressed again')
  await screenshot(erin, '21-core-down')
  t.same(errors, [], 'no script errors')
})
