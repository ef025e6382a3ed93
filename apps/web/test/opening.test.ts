/**
 * The opening in a real browser: before opensAt the concert says when sales open; a user who joins
 * sees the pre-queue, a countdown and the draw's commitment; at the opening the page shows the place
 * the draw gave, and the seed; then the turn comes. In random mode the page shows the median wait
 * instead of a place.
 */
import { createHash } from 'node:crypto'
import t from 'tap'
import { joinQueue, launchBrowser, openAs, STEP_MS, screenshot, skipReason, startStack } from './support.ts'

const TITLE = 'Opening Night'
const LEAD_MS = 15_000

t.test('pre-queue, countdown and commitment, then the drawn place and the turn', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_INTERVAL_MS: '500' } })
  const concertId = await stack.createConcert(TITLE, 10, 10_000)
  const opensAt = Date.now() + LEAD_MS
  // Paused: after the opening the place is shown until the test lets the line move.
  const settings = await stack.admin<{ seedCommitment: string }>('PATCH', `/api/admin/queues/${concertId}`, {
    paused: true,
    opensAt: new Date(opensAt).toISOString(),
  })

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const erin = await openAs(browser, stack.url, 'erin', errors)
  await erin.getByRole('article', { name: TITLE }).getByText(/^Sales open at .+\. Join before then to be in the pre-queue/).waitFor()
  await joinQueue(erin, TITLE)
  await erin.getByText(/^You are in the pre-queue; the order is drawn at the opening/).waitFor()
  t.match(await erin.locator('.countdown').textContent(), /^The line opens in \d+:\d\d\.$/, 'a countdown to the opening')
  await erin.getByText(settings.seedCommitment, { exact: false }).waitFor()
  t.pass('the draw commitment is shown')
  t.equal(await erin.locator('#line-progress').isVisible(), false, 'no progress bar before the draw')
  await screenshot(erin, '30-pre-queue')

  await erin.getByText('You are next in line.').waitFor({ timeout: LEAD_MS + STEP_MS })
  t.ok(Date.now() >= opensAt, 'the place is shown from the opening')
  const draw = await stack.admin<{ seed: string; seedCommitment: string; order: string[] }>('GET', `/api/admin/queues/${concertId}/draw`)
  t.same(draw.order, ['erin'])
  t.equal(createHash('sha256').update(Buffer.from(draw.seed, 'hex')).digest('hex'), settings.seedCommitment)
  await erin.getByText(draw.seed, { exact: false }).waitFor()
  t.pass('the seed is shown after the opening')
  t.equal(await erin.locator('.countdown').isVisible(), false, 'the countdown is gone')
  await screenshot(erin, '31-drawn-place')

  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { paused: false })
  await erin.getByRole('heading', { name: /It's your turn/ }).waitFor()
  t.same(errors, [], 'no script errors')
})

t.test('random mode shows the median wait; a closed line says so', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_INTERVAL_MS: '500' } })
  const concertId = await stack.createConcert(TITLE, 10, 10_000)
  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { paused: true, mode: 'random' })
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const finn = await openAs(browser, stack.url, 'finn', errors)
  await joinQueue(finn, TITLE)
  await finn.getByText('The next people are drawn at random from the whole line.').waitFor()
  t.match(await finn.locator('.wait').textContent(), /^Median wait: .+\.$/)
  t.equal(await finn.locator('#line-progress').isVisible(), false, 'no progress bar without a place')
  await screenshot(finn, '32-random')

  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { mode: 'reject' })
  const gus = await openAs(browser, stack.url, 'gus', errors)
  await gus.getByRole('article', { name: TITLE }).getByText('This line is closed: it takes no new places.').waitFor()
  await joinQueue(gus, TITLE)
  await gus.getByRole('alert').getByText('This line is closed: it takes no new places.').waitFor()
  t.pass('joining a closed line says so plainly')
  t.same(errors, [], 'no script errors')
})
