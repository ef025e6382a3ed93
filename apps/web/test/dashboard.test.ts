/**
 * The operators' dashboard at /admin in Chromium, under its CSP: the token prompt, a wrong token
 * refused with a sentence, the charts drawn from the line's history (the effective rate against the
 * configured one, the core's p95 against the target among them), the figures of the sales report
 * and of the last tick, a settings change said in words and applied only after the confirmation
 * (checked through the admin API), "1 concert" and "2 concerts", and a phone's 390 px width.
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
  await page.getByText('1 concert · refreshed every 5 s', { exact: true }).waitFor()
  await card.locator('[data-chart="line"] canvas').waitFor()
  await card.locator('[data-chart="flow"] canvas').waitFor()
  await card.locator('[data-chart="rate"] canvas').waitFor()
  await card.locator('[data-chart="latency"] canvas').waitFor()
  t.match(await card.locator('[data-chart="rate"]').textContent(), /effective.*configured/, 'the effective rate against the configured one')
  t.match(await card.locator('[data-chart="latency"]').textContent(), /p95.*target/, 'the p95 against the target')
  t.equal(await card.locator('[data-figure="effective"]').textContent(), '1 / 1', 'admitted per tick at most, of admitPerTick')
  t.equal(await card.locator('[data-figure="available"]').textContent(), '20', 'seats available at the last tick')
  await card.locator('[data-figure="held-back"]').filter({ hasText: /^(nobody waiting|no free seats|nothing)$/ }).waitFor()
  t.match(await card.locator('[data-chart="line"]').textContent(), /waiting/, 'the waiting/active chart is drawn with its legend')
  t.equal(await card.locator('[data-figure="revenue"]').textContent(), '0 won')
  t.equal(await card.locator('[data-figure="sold"]').textContent(), '0')
  await card.locator('[data-figure="active"]').filter({ hasText: /^[1-5]$/ }).waitFor()
  const series = await page.evaluate(() => document.querySelectorAll('.u-legend .u-series').length)
  t.ok(series >= 12, 'the four charts have their series')

  // Pause, change admitPerTick and turn adaptive admission on: nothing happens until the confirmation.
  await card.getByLabel('Paused').check()
  await card.getByLabel('Admit per tick').fill('7')
  await card.getByLabel('Adaptive admission').check()
  await card.getByLabel('Target p95 (ms)').fill('500')
  await card.getByRole('button', { name: 'Apply settings' }).click()
  const dialog = page.getByRole('dialog', { name: 'Apply these settings?' })
  await dialog.waitFor()
  t.same(
    await dialog.locator('li').allTextContents(),
    ['Paused: no → yes', 'Admit per tick: 1 → 7', 'Adaptive admission: no → yes', 'Target p95 (ms): 800 ms → 500 ms'],
    'the change in words, not the request',
  )
  t.notMatch(await dialog.textContent(), /[{}"]/, 'no JSON')
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
  t.equal(line.adaptive, true)
  t.equal(line.targetLatencyMs, 500)
  await card.locator('[data-figure="state"]').filter({ hasText: 'PAUSED' }).waitFor()
  await screenshot(page, 'dashboard', 'dashboard.png')

  // Cancel changes nothing.
  await card.getByLabel('Admit per tick').fill('9')
  await card.getByRole('button', { name: 'Apply settings' }).click()
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await new Promise((r) => setTimeout(r, 300))
  t.equal((await stack.admin('GET', `/api/admin/queues/${id}`)).admitPerTick, 7, 'cancelled: unchanged')

  // Two concerts: said in the plural.
  await stack.createConcert('Second Show', 5, 1000)
  await page.reload()
  await page.getByText('2 concerts · refreshed every 5 s', { exact: true }).waitFor()

  // A phone: nothing wider than its 390 px.
  const phone = await newPage(browser, 'operator on a phone', errors)
  await phone.setViewportSize({ width: 390, height: 844 })
  await phone.goto(`${stack.url}/admin`)
  await phone.getByLabel('Admin token').fill(ADMIN_TOKEN)
  await phone.getByRole('button', { name: 'Open the dashboard' }).click()
  await phone.getByRole('article', { name: 'Second Show' }).locator('[data-chart="latency"] canvas').waitFor()
  const width = await phone.evaluate(() => document.documentElement.scrollWidth)
  t.ok(width <= 390, `it fits a 390 px phone (laid out ${width} px wide)`)
  await screenshot(phone, 'dashboard-phone')
  t.same(errors, [], 'no script error, no CSP violation')
})
