/**
 * The page and the stock, in Chromium against a real stack: a fan further back than the seats left
 * is told they will likely be gone first and keeps the place; when the last seat is sold the page
 * shows the sold-out screen (not an error), and so does a join while sold out, in English and in
 * Korean; a fan whose turn comes while the tab is in the background sees the tab's title change and,
 * with notifications allowed, gets a system notification.
 */
import { activeToken, as, call, charge, enter, hold, pay } from '@rushgate/testkit'
import type { BrowserContext, Page } from 'playwright-core'
import t from 'tap'
import { joinQueue, launchBrowser, openAs, screenshot, skipReason, STEP_MS, startStack } from './support.ts'

const TITLE = 'Last Seat Show'

/** Sells the concert's only seat to `buyer`, whose turn is already active. */
async function sellTheSeat(url: string, concertId: number, buyer: string, token: string): Promise<void> {
  await charge(url, buyer, 100_000)
  const schedules = await call(url, 'GET', `/api/concerts/${concertId}/schedules`, { headers: as(buyer, token) })
  const held = await hold(url, concertId, buyer, token, schedules.body[0].id, 1)
  const paid = await pay(url, concertId, buyer, token, [held.body.id])
  if (paid.status !== 201) throw new Error(`the sale failed: ${paid.status} ${paid.text}`)
}

t.test('seats left, then sold out: a warning that keeps the place, then the sold-out screen', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_BATCH: '1', ADMIT_INTERVAL_MS: '300' } })
  const id = await stack.createConcert(TITLE, 1, 10_000)
  // The buyer is let in first; two fans join through the API, so the page's fan is third for one seat.
  const buyer = await activeToken(stack.url, id, 'so-buyer')
  for (const fan of ['so-api-1', 'so-api-2']) await enter(stack.url, id, fan)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const page = await openAs(browser, stack.url, 'so-fan', errors)
  await joinQueue(page, TITLE)
  await page.getByText('You are number 3 in line.').waitFor()
  await page.getByText('Only one seat is left and you are number 3 in line: it will likely be gone before your turn. You keep your place if you stay.').waitFor()
  await screenshot(page, 'seats-left')
  t.pass('a fan behind the seats left is told so')
  t.equal(await page.locator('[data-view="waiting"]').count(), 1, 'and stays in the waiting room')

  await sellTheSeat(stack.url, id, 'so-buyer', buyer)
  await page.getByRole('heading', { name: 'Sold out' }).waitFor()
  await page.getByText(`Every ticket for ${TITLE} has been sold.`).waitFor()
  t.equal(await page.locator('.notice-error').count(), 0, 'a screen of its own, not an error')
  await screenshot(page, 'sold-out')

  // Back to the concerts: the card says so, and a join shows the same screen.
  await page.getByRole('button', { name: 'Back to the concerts' }).click()
  await page.getByRole('article', { name: TITLE }).getByText(/^Sold out: every ticket has been sold/).waitFor()
  await joinQueue(page, TITLE)
  await page.getByRole('heading', { name: 'Sold out' }).waitFor()
  t.same(errors, [], 'no script error, no CSP violation')
})

t.test('the same in Korean', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_BATCH: '1', ADMIT_INTERVAL_MS: '300' } })
  const id = await stack.createConcert(TITLE, 1, 10_000)
  const buyer = await activeToken(stack.url, id, 'ko-buyer')
  for (const fan of ['ko-api-1', 'ko-api-2']) await enter(stack.url, id, fan)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const context = await browser.newContext({ locale: 'ko-KR', timezoneId: 'Asia/Seoul', viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(STEP_MS)
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(stack.url)
  await page.getByLabel('사용자 ID').fill('ko-fan')
  await page.getByRole('button', { name: '계속' }).click()
  await page.getByRole('article', { name: TITLE }).getByRole('button', { name: '대기열 참가' }).click()
  await page.getByText('남은 좌석은 1석이고 현재 대기 순서는 3번입니다. 차례가 오기 전에 매진될 가능성이 높습니다. 계속 기다리시면 자리는 그대로 유지됩니다.').waitFor()
  await sellTheSeat(stack.url, id, 'ko-buyer', buyer)
  await page.getByRole('heading', { name: '매진' }).waitFor()
  await page.getByText(`${TITLE}의 티켓이 모두 판매되었습니다.`).waitFor()
  await page.getByRole('button', { name: '공연 목록으로' }).waitFor()
  await screenshot(page, 'sold-out-ko')
  t.same(errors, [])
})

/** Lets the test put the tab in the background, and records the notifications the page makes. */
async function spyOnTheTab(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    let hidden = false
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden })
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') })
    const w = window as unknown as Record<string, unknown>
    w.setHidden = (value: boolean) => {
      hidden = value
      document.dispatchEvent(new Event('visibilitychange'))
    }
    const shown: { title: string; body?: string }[] = []
    w.notifications = shown
    const Real = window.Notification
    function Spy(title: string, options?: NotificationOptions) {
      shown.push({ title, body: options?.body })
      return new Real(title, options)
    }
    Object.defineProperty(Spy, 'permission', { get: () => Real.permission })
    ;(Spy as unknown as { requestPermission: unknown }).requestPermission = Real.requestPermission.bind(Real)
    w.Notification = Spy
  })
}

t.test('a turn that comes while the tab is in the background: the title changes and a notification says so', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_BATCH: '1', ADMIT_INTERVAL_MS: '300' } })
  const id = await stack.createConcert('Background Show', 10, 10_000)
  await stack.admin('PATCH', `/api/admin/queues/${id}`, { paused: true })
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  await context.grantPermissions(['notifications'], { origin: stack.url })
  await spyOnTheTab(context)
  const errors: string[] = []
  const page: Page = await context.newPage()
  page.setDefaultTimeout(STEP_MS)
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(stack.url)
  await page.getByLabel('Your user id').fill('bg-fan')
  await page.getByRole('button', { name: 'Continue' }).click()
  await joinQueue(page, 'Background Show')
  await page.getByText('You are next in line.').waitFor()
  await page.getByText('You will get a notification when it is your turn, even with this tab in the background.').waitFor()
  const title = await page.title()

  await page.evaluate(() => (window as unknown as { setHidden(v: boolean): void }).setHidden(true))
  await stack.admin('PATCH', `/api/admin/queues/${id}`, { paused: false })
  await page.waitForFunction(() => document.title.startsWith('▶'))
  t.equal(await page.title(), '▶ Your turn: Background Show', 'the title says so while the tab is hidden')
  const shown = await page.evaluate(() => (window as unknown as { notifications: unknown[] }).notifications)
  t.same(shown, [{ title: '▶ Your turn: Background Show', body: 'It is your turn to choose seats. Come back to the page to buy your tickets.' }], 'one notification')

  await page.evaluate(() => (window as unknown as { setHidden(v: boolean): void }).setHidden(false))
  await page.waitForFunction((before) => document.title === before, title)
  t.pass('the title is back once the tab is looked at')
  await page.getByRole('heading', { name: /It's your turn/ }).waitFor()
  t.same(errors, [])
})

t.test('without permission yet, the waiting room offers to ask for it', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_INTERVAL_MS: '300' } })
  const id = await stack.createConcert('Ask Show', 10, 10_000)
  await stack.admin('PATCH', `/api/admin/queues/${id}`, { paused: true })
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const page = await openAs(browser, stack.url, 'ask-fan', errors)
  await joinQueue(page, 'Ask Show')
  const ask = page.getByRole('button', { name: 'Notify me when it is my turn' })
  await ask.waitFor()
  await page.context().grantPermissions(['notifications'], { origin: stack.url })
  await ask.click()
  await page.getByText('You will get a notification when it is your turn, even with this tab in the background.').waitFor()
  t.same(errors, [])
})
