/**
 * The operators' dashboard at /admin in Chromium, under its CSP: the token prompt, a wrong token
 * refused with a sentence, the charts drawn from the line's history, the figures of the sales
 * report, and a settings change applied only after the confirmation (checked through the admin API).
 */
import { ADMIN_TOKEN } from '@rushgate/testkit'
import t from 'tap'
import { launchBrowser, newPage, screenshot, skipReason, startStack } from './support.ts'

t.test('the dashboard shows the lines and changes their settings after a confirmation', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_INTERVAL_MS: '200', ADMIT_BATCH: '1' } })
  const id = await stack.createConcert('Dashboard Show', 20, 110000)
  // Some traffic: five fans, admitted one per tick.
  for (let i = 0; i < 5; i++) {
    await fetch(`${stack.url}/api/queues/${id}/tokens`, { method: 'POST', headers: { 'x-user-id': `fan-${i}` } })
  }
  await new Promise((r) => setTimeout(r, 1500))
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const page = await newPage(browser, 'operator', errors)
  const answer = await page.goto(`${stack.url}/admin`)
  t.match(answer?.headers()['content-security-policy'], /script-src 'self'(;|$)/, 'the dashboard has the pages’ CSP')

  // A wrong token: said so, and asked again.
  await page.getByLabel('Admin token').fill('not-the-admin-token')
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await page.getByText('The admin token was not accepted').waitFor()
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Open the dashboard' }).click()

  const card = page.getByRole('article', { name: 'Dashboard Show' })
  await card.locator('[data-chart="line"] canvas').waitFor()
  await card.locator('[data-chart="flow"] canvas').waitFor()
  t.match(await card.locator('[data-chart="line"]').textContent(), /waiting/, 'the waiting/active chart is drawn with its legend')
  t.equal(await card.locator('[data-figure="revenue"]').textContent(), '0 won')
  t.equal(await card.locator('[data-figure="sold"]').textContent(), '0')
  await card.locator('[data-figure="active"]').filter({ hasText: /^[1-5]$/ }).waitFor()
  const series = await page.evaluate(() => document.querySelectorAll('.u-legend .u-series').length)
  t.ok(series >= 6, 'both charts have their series')

  // Pause and change admitPerTick: nothing happens until the confirmation.
  await card.getByLabel('Paused').check()
  await card.getByLabel('Admit per tick').fill('7')
  await card.getByRole('button', { name: 'Apply settings' }).click()
  const dialog = page.getByRole('dialog', { name: 'Apply these settings?' })
  await dialog.waitFor()
  t.equal((await stack.admin('GET', `/api/admin/queues/${id}`)).paused, false, 'not applied before the confirmation')
  await screenshot(page, 'dashboard-confirm')
  await dialog.getByRole('button', { name: 'Apply' }).click()
  let line = await stack.admin('GET', `/api/admin/queues/${id}`)
  for (let i = 0; i < 40 && line.paused !== true; i++) {
    await new Promise((r) => setTimeout(r, 100))
    line = await stack.admin('GET', `/api/admin/queues/${id}`)
  }
  t.equal(line.paused, true, 'paused after the confirmation')
  t.equal(line.admitPerTick, 7)
  await card.locator('[data-figure="state"]').filter({ hasText: 'PAUSED' }).waitFor()
  await screenshot(page, 'dashboard', 'dashboard.png')

  // Cancel changes nothing.
  await card.getByLabel('Admit per tick').fill('9')
  await card.getByRole('button', { name: 'Apply settings' }).click()
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await new Promise((r) => setTimeout(r, 300))
  t.equal((await stack.admin('GET', `/api/admin/queues/${id}`)).admitPerTick, 7, 'cancelled: unchanged')
  t.same(errors, [], 'no script error, no CSP violation')
})
