/**
 * Two people in a real browser against a real stack (core on Postgres, gateway on Redis, one user
 * admitted per tick): the second waits and is then admitted; a seat held by the first shows as held
 * to the second; the first pays and the seat shows sold; a hold that runs out frees the seat.
 */
import t from 'tap'
import { joinQueue, launchBrowser, openAs, STEP_MS, screenshot, seat, seatShows, skipReason, startStack } from './support.ts'

const HOLD_TTL_SECONDS = 40 // room for a slow CI machine between holding and paying
const TITLE = 'Browser Test Live'

t.test('two users line up, hold, pay, and watch a hold run out', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, {
    core: { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS) }, // the hold time is the core's to enforce
    gateway: { ADMIT_BATCH: '1', ADMIT_INTERVAL_MS: '1500' },
  })
  const concertId = await stack.createConcert(TITLE, 30, 50_000)
  // Paused, so that both are surely still waiting when the waiting room is looked at.
  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { paused: true })

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []

  // ---- the waiting room ----
  const alice = await openAs(browser, stack.url, 'alice', errors)
  await joinQueue(alice, TITLE)
  await alice.getByText('You are next in line.').waitFor()
  const bob = await openAs(browser, stack.url, 'bob', errors)
  await joinQueue(bob, TITLE)
  await bob.getByText('You are number 2 in line.').waitFor()
  t.equal(await bob.locator('#line-progress').getAttribute('max'), '2', 'the progress bar starts from where bob joined')
  t.match(await bob.locator('.wait').textContent(), /^Estimated wait: .+\.$/, 'bob sees an estimated wait')
  await screenshot(bob, '01-two-waiting')

  // ---- one admitted per tick, in the order they joined; at most one active for now ----
  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { paused: false, admitPerTick: 1, maxActive: 1 })
  await alice.getByRole('heading', { name: /It's your turn/ }).waitFor()
  await bob.getByText('You are next in line.').waitFor()
  t.equal(await bob.locator('#line-progress').evaluate((el) => (el as HTMLProgressElement).value), 1, 'bob has moved half way')
  await screenshot(bob, '02-waiting-room', 'waiting-room.png')
  // Lifting the cap lets bob in at the next tick.
  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { maxActive: null })
  await bob.getByRole('heading', { name: /It's your turn/ }).waitFor()
  t.match(await alice.locator('.time-left').textContent(), /^Time left to buy: \d+:\d\d$/, 'alice sees her time left')

  // ---- alice charges her balance and holds seat 3 ----
  await alice.getByLabel('Amount to charge (won)').fill('100000')
  await alice.getByRole('button', { name: 'Charge' }).click()
  await alice.getByText('Your balance: 100,000 won').waitFor()
  await seat(alice, 3).click()
  await alice.getByRole('button', { name: 'Hold', exact: true }).click()
  await alice.locator('.hold', { hasText: 'Seat 3' }).waitFor()
  t.match(await alice.locator('.hold-timer').first().textContent(), /^held for \d+:\d\d$/, 'alice sees her hold count down')

  // ---- bob holds seat 7, with the keyboard only ----
  await seat(bob, 6).focus()
  await bob.keyboard.press('ArrowRight')
  t.equal(await bob.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Seat 7', 'the arrow keys move between seats')
  await bob.keyboard.press('Enter')
  await bob.keyboard.press('Tab')
  t.equal(await bob.evaluate(() => document.activeElement?.textContent), 'Hold', 'Tab goes from the seat map to Hold')
  await bob.keyboard.press('Enter')
  const bobHeldAt = Date.now()
  await bob.locator('.hold', { hasText: 'Seat 7' }).waitFor()

  // ---- each sees the other's seat as held ----
  await seatShows(bob, 3, 'HELD')
  t.equal(await seat(bob, 3).getAttribute('aria-disabled'), 'true', "alice's seat cannot be picked by bob")
  await seatShows(alice, 7, 'HELD')
  await screenshot(alice, '03-seat-map')
  await screenshot(bob, '04-seat-held-by-other')

  // ---- alice pays; the seat is sold for bob ----
  await alice.getByRole('button', { name: 'Pay', exact: true }).click()
  await alice.getByRole('heading', { name: 'Payment confirmed' }).waitFor()
  t.match(await alice.locator('.receipt').textContent(), /Paid50,000 wonBalance left50,000 won/, 'paid 50,000 won, 50,000 won left')
  await screenshot(alice, '05-payment-confirmed')
  await seatShows(bob, 3, 'SOLD')
  t.pass('the paid seat shows as sold to bob')
  await seat(bob, 12).click()
  await bob.getByText(/^Seat 12 · .* · 50,000 won$/).waitFor()
  t.equal(await seat(bob, 12).getAttribute('aria-pressed'), 'true', 'the chosen seat is marked as selected')
  // Sold, held by you, selected and available on one map: the README's picture.
  await screenshot(bob, '06-seat-map', 'seat-map.png')

  // ---- bob has no money: a clear sentence, and the shortfall offered to charge ----
  await bob.getByRole('button', { name: 'Pay', exact: true }).click()
  await bob.getByRole('alert').getByText(/Your balance is too low/).waitFor()
  t.equal(await bob.getByLabel('Amount to charge (won)').inputValue(), '50000', 'the shortfall is put in the charge form')
  await screenshot(bob, '07-balance-short')

  // ---- bob's hold runs out and the seat is free again ----
  const left = bobHeldAt + HOLD_TTL_SECONDS * 1000 - Date.now()
  await bob.getByRole('alert').getByText(/Your hold on seat 7 ran out/).waitFor({ timeout: left + STEP_MS })
  await seatShows(bob, 7, 'AVAILABLE')
  t.equal(await bob.locator('.hold').count(), 0, "the expired hold is gone from bob's list")
  await screenshot(bob, '08-hold-ran-out')

  t.same(errors, [], 'no script errors in either page')
})
