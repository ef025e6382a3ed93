/**
 * The page with AUTH_MODE=jwt: the host site hands it a token in the fragment (`/#token=<JWT>`);
 * the page asks for no user id, sends `Authorization: Bearer` and never X-User-Id, takes the token
 * out of the address bar, picks up a fresh token handed over while open, and when a token runs out
 * says so and resumes the same turn with the next one.
 */
import { signWithSecret } from '@rushgate/testkit'
import type { Page } from 'playwright-core'
import t from 'tap'
import { joinQueue, launchBrowser, newPage, openWithJwt, screenshot, skipReason, startStack } from './support.ts'

const SECRET = 'web-tests-jwt-secret-0123456789abcdef'
const TITLE = 'Signed-In Show'
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s

/** Every API request the page sends, with the identity headers it carried. */
function recordIdentity(page: Page): { userIds: string[]; bearers: string[] } {
  const seen = { userIds: [] as string[], bearers: [] as string[] }
  page.on('request', (req) => {
    if (!new URL(req.url()).pathname.startsWith('/api/')) return
    const headers = req.headers()
    if (headers['x-user-id'] !== undefined) seen.userIds.push(headers['x-user-id'])
    if (headers.authorization) seen.bearers.push(headers.authorization.replace(/^Bearer /, ''))
  })
  return seen
}

t.test('JWT mode: the host hands the token over, the page refreshes it and survives its expiry', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, ADMIT_BATCH: '1', ADMIT_INTERVAL_MS: '1000' } })
  await stack.createConcert(TITLE, 12, 10_000)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []

  t.test('without a token the page asks the host to sign the user in, and asks for no user id', async (t) => {
    const page = await newPage(browser, 'nobody', errors)
    await page.goto(stack.url)
    await page.getByRole('heading', { name: 'Sign in first' }).waitFor()
    t.equal(await page.getByLabel('Your user id').count(), 0, 'no user-id prompt')
    await page.context().close()
  })

  const first = await signWithSecret(SECRET, { sub: 'dave', exp: inSeconds(3600) })
  const page = await openWithJwt(browser, stack.url, 'dave', first, errors)
  const seen = recordIdentity(page)
  await page.getByRole('article', { name: TITLE }).waitFor()
  t.equal(await page.locator('[data-user]').textContent(), 'dave', 'signed in as the sub of the token')
  t.equal(await page.getByLabel('Your user id').count(), 0, 'no user-id prompt')
  t.equal(await page.getByRole('button', { name: 'Switch user' }).count(), 0, 'nobody to switch to: the host says who the user is')
  t.equal(await page.evaluate(() => location.hash), '', 'the token is out of the address bar')

  await joinQueue(page, TITLE)
  await page.getByRole('heading', { name: /It's your turn/ }).waitFor()
  await screenshot(page, '20-jwt-turn')
  const queueToken = await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.includes(':token:dave:')) ?? ''))
  t.ok(queueToken, 'the place is kept under the sub')

  // The host hands over a fresh token while the page is open: the turn goes on, with the new token.
  const second = await signWithSecret(SECRET, { sub: 'dave', exp: inSeconds(6) })
  await page.evaluate((jwt) => {
    location.hash = `#token=${jwt}`
  }, second)
  await page.waitForRequest((req) => req.headers().authorization === `Bearer ${second}`)
  t.pass('the next requests carry the fresh token, without a reload')
  t.equal(await page.evaluate(() => location.hash), '', 'and it is out of the address bar too')
  t.equal(await page.getByRole('heading', { name: /It's your turn/ }).count(), 1, 'the turn went on')

  // That token runs out: the page says so and keeps the place.
  await page.getByRole('heading', { name: 'Please sign in again' }).waitFor()
  await screenshot(page, '21-jwt-expired')
  t.equal(await page.getByLabel('Your user id').count(), 0, 'still no user-id prompt')
  const kept = await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.includes(':token:dave:')) ?? ''))
  t.equal(kept, queueToken, 'the queue token is kept while signed out')

  // The host sends the user back with a new token (a navigation this time): the same turn resumes.
  const third = await signWithSecret(SECRET, { sub: 'dave', exp: inSeconds(3600) })
  await page.goto(`${stack.url}/#token=${third}`)
  await page.getByRole('heading', { name: /It's your turn/ }).waitFor()
  t.pass('the same turn resumes, without lining up again')
  const after = await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.includes(':token:dave:')) ?? ''))
  t.equal(after, queueToken, 'with the same queue token')

  t.same(seen.userIds, [], 'the page never sent X-User-Id')
  t.ok(seen.bearers.length > 0 && seen.bearers.every((b) => [first, second, third].includes(b)), 'every API call carried a handed-over JWT')
  t.same(errors, [], 'no script errors and no CSP violations')
})
