/**
 * A turn survives a reload (the token is in localStorage); when the active time runs out, the page
 * says so in a sentence and offers "Line up again", which puts the user back in line with a new token;
 * leaving ends the token.
 */
import t from 'tap'
import { joinQueue, launchBrowser, openAs, STEP_MS, screenshot, skipReason, startStack } from './support.ts'

const TITLE = 'Short Turn Show'
const ACTIVE_TTL_SECONDS = 10

t.test('a turn survives a reload, runs out with "Line up again", and can be given up', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_BATCH: '1', ADMIT_INTERVAL_MS: '1000' } })
  const concertId = await stack.createConcert(TITLE, 10, 10_000)
  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { activeTtlSeconds: ACTIVE_TTL_SECONDS })

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const carol = await openAs(browser, stack.url, 'carol', errors)
  await joinQueue(carol, TITLE)
  await carol.getByRole('heading', { name: /It's your turn/ }).waitFor()
  const token = await carol.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.includes(':token:')) ?? ''))
  t.ok(token, 'the queue token is kept in localStorage')
  await carol.reload()
  await carol.getByRole('heading', { name: /It's your turn/ }).waitFor()
  t.pass('after a reload the page comes back to the turn, without lining up again')
  t.match(await carol.locator('.active .visually-hidden[aria-live]').textContent(), /^\d+ seconds left to buy\.$/, 'the time left is announced')

  const alert = carol.getByRole('alert')
  await alert.getByText('Your time to buy has run out').waitFor({ timeout: ACTIVE_TTL_SECONDS * 1000 + STEP_MS })
  await screenshot(carol, '10-turn-ran-out')
  await alert.getByRole('button', { name: 'Line up again' }).click()
  // Back in line with a new token: the waiting room, or straight to a new turn if the tick was quick.
  await carol.locator('[data-view="waiting"], [data-view="active"]').waitFor()
  const again = await carol.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.includes(':token:')) ?? ''))
  t.ok(again && again !== token, 'lining up again gives a new token')

  // Leaving on purpose ends the token at the gateway too.
  await carol.getByRole('button', { name: /^(Leave the line|Give up my turn)$/ }).click()
  await alert.getByText(`You left the line for ${TITLE}.`).waitFor()
  const res = await fetch(`${stack.url}/api/queues/${concertId}/tokens/current`, {
    headers: { 'x-user-id': 'carol', 'x-queue-token': again ?? '' },
  })
  t.equal(res.status, 410, 'the token is ended')
  t.same(errors, [], 'no script errors')
})
