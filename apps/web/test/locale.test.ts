/**
 * The page in Korean and English: the language from navigator.languages, a visible switch that is
 * remembered, times in the viewer's time zone, won as Koreans write it. A Korean buyer goes through
 * every view (waiting room, turn, balance, hold, payment, purchases, refund) and the operators'
 * dashboard, and no English sentence shows on the way.
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ADMIN_TOKEN } from '@rushgate/testkit'
import type { Page } from 'playwright-core'
import t from 'tap'
import { docsScreenshots, launchBrowser, outputDir, skipReason, STEP_MS, screenshot, startStack } from './support.ts'

t.test('Korean for ko-KR in Seoul, English for en-US', { skip: skipReason }, async (t) => {
  const stack = await startStack(t)
  const id = await stack.createConcert('서울 콘서트', 10, 110000)
  // 10:00 UTC is 19:00 in Seoul.
  await stack.admin('PATCH', `/api/admin/queues/${id}`, { opensAt: '2030-01-01T10:00:00Z' })
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []

  const open = async (locale: string, timezoneId: string) => {
    const context = await browser.newContext({ locale, timezoneId, viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(stack.url)
    await page.getByLabel(/Your user id|사용자/).fill('fan-1')
    await page.getByRole('button', { name: /Continue|계속/ }).click()
    return page
  }

  const ko = await open('ko-KR', 'Asia/Seoul')
  await ko.getByRole('heading', { name: '판매 중인 공연' }).waitFor()
  await ko.getByRole('button', { name: '대기열 참가' }).waitFor()
  t.equal(await ko.evaluate(() => document.documentElement.lang), 'ko')
  const line = ko.locator('.line-state').filter({ hasText: '판매 시작' })
  await line.waitFor()
  const sentence = (await line.textContent()) ?? ''
  t.match(sentence, /2030/, `the opening in Korean: ${sentence}`)
  t.match(sentence, /(오후 0?7:00|19:00)/, 'at 19:00 Seoul time')
  t.match(sentence, /(GMT\+9|KST|한국 표준시)/, 'named in the viewer’s zone')
  await mkdir(outputDir, { recursive: true })
  await ko.screenshot({ path: join(outputDir, 'korean.png'), fullPage: true })
  await mkdir(docsScreenshots, { recursive: true })
  await copyFile(join(outputDir, 'korean.png'), join(docsScreenshots, 'waiting-room-ko.png'))

  // The switch: English, remembered across a reload.
  await ko.getByLabel('언어').selectOption('en')
  await ko.getByRole('heading', { name: 'Concerts on sale' }).waitFor()
  await ko.reload()
  await ko.getByRole('heading', { name: 'Concerts on sale' }).waitFor()
  t.pass('the English choice is remembered')

  const en = await open('en-US', 'UTC')
  await en.getByRole('heading', { name: 'Concerts on sale' }).waitFor()
  const enLine = en.locator('.line-state').filter({ hasText: 'Sales open at' })
  await enLine.waitFor()
  t.match((await enLine.textContent()) ?? '', /10:00 UTC/, 'English, in UTC for a viewer in UTC')
  t.same(errors, [])
})

/**
 * English words left on a Korean page, after taking out what is not the page's to translate: the
 * concert's name and venue, the user id, the product's name, time-zone names and the contract's
 * states (PAUSED), which the dashboard shows as the API says them.
 */
async function englishOn(page: Page, allowed: string[]): Promise<string[]> {
  // biome-ignore lint/performance/useDomNodeTextContent: what a reader sees, not hidden nodes
  let text = await page.evaluate(() => document.body.innerText)
  for (const a of [...allowed, 'Rushgate', 'English', 'GMT', 'KST', 'UTC']) text = text.split(a).join(' ')
  return text.match(/\b[A-Za-z]{3,}\b/g) ?? []
}

t.test('a Korean buyer sees every view in Korean, and the dashboard too', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_BATCH: '10', ADMIT_INTERVAL_MS: '300' } })
  const id = await stack.createConcert('서울 콘서트', 10, 110000)
  await stack.admin('PATCH', `/api/admin/queues/${id}`, { paused: true })
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const context = await browser.newContext({ locale: 'ko-KR', timezoneId: 'Asia/Seoul', viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(STEP_MS)
  page.on('pageerror', (err) => errors.push(err.message))
  const allowed = ['Test Hall', 'fan-ko', 'PAUSED', 'OPEN']
  const noEnglish = async (where: string) => t.same(await englishOn(page, allowed), [], `no English in ${where}`)

  await page.goto(stack.url)
  await page.getByLabel('사용자 ID').waitFor()
  await noEnglish('the sign-in')
  await page.getByLabel('사용자 ID').fill('fan-ko')
  await page.getByRole('button', { name: '계속' }).click()
  await page.getByRole('article', { name: '서울 콘서트' }).getByRole('button', { name: '대기열 참가' }).click()

  // Paused: the waiting room.
  await page.getByRole('heading', { name: '대기실 · 서울 콘서트' }).waitFor()
  await page.getByText('다음 차례입니다.').waitFor()
  await page.getByText(/^예상 대기 시간: /).waitFor()
  await noEnglish('the waiting room')

  // Admitted: the turn, a charge, a hold, the payment.
  await stack.admin('PATCH', `/api/admin/queues/${id}`, { paused: false })
  await page.getByRole('heading', { name: '내 차례입니다 · 서울 콘서트' }).waitFor()
  await page.getByText(/^남은 구매 시간: \d+:\d\d$/).waitFor()
  await page.getByText('10석 중 10석 남음').waitFor()
  await page.getByText('내 잔액: 0원').waitFor()
  await noEnglish('the turn')
  await page.getByLabel('충전할 금액(원)').fill('200000')
  await page.getByRole('button', { name: '충전', exact: true }).click()
  await page.getByText('내 잔액: 200,000원').waitFor()
  await page.getByRole('button', { name: '3번 좌석', exact: true }).click()
  await page.getByText(/^3번 좌석 · .+ · 110,000원$/).waitFor()
  await page.getByRole('button', { name: '선점', exact: true }).click()
  await page.getByRole('alert').getByText(/^3번 좌석을 \d+:\d\d 동안 선점했습니다/).waitFor()
  await page.getByText('합계: 1석 110,000원').waitFor()
  await page.getByRole('button', { name: '3번 좌석 선점 연장' }).click()
  await page.getByRole('alert').getByText(/^3번 좌석 선점이 \d+:\d\d 더 유지됩니다/).waitFor()
  await noEnglish('the turn with a hold')
  await screenshot(page, 'korean-turn', 'turn-ko.png')
  await page.getByRole('button', { name: '결제', exact: true }).click()

  // The confirmation, the purchases and a refund.
  await page.getByRole('heading', { name: '결제 완료' }).waitFor()
  await page.getByText('남은 잔액').waitFor()
  await noEnglish('the confirmation')
  await page.getByRole('button', { name: '공연 목록으로' }).click()
  await page.getByRole('heading', { name: '구매 내역' }).waitFor()
  await page.getByText(/ 110,000원 결제$/).waitFor()
  await page.getByRole('button', { name: /^결제 \d+ 환불$/ }).click()
  await page.getByRole('alert').getByText(/환불되어 110,000원이 돌아왔습니다. 현재 잔액은 200,000원입니다./).waitFor()
  await page.getByText(/환불됨: 110,000원이 잔액으로 돌아왔습니다./).waitFor()
  await noEnglish('the purchases')

  // The dashboard in Korean.
  const admin = await context.newPage()
  admin.setDefaultTimeout(STEP_MS)
  admin.on('pageerror', (err) => errors.push(err.message))
  await admin.goto(`${stack.url}/admin`)
  await admin.getByLabel('관리자 토큰').fill(ADMIN_TOKEN)
  await admin.getByRole('button', { name: '대시보드 열기' }).click()
  const card = admin.getByRole('article', { name: '서울 콘서트' })
  await card.locator('[data-chart="flow"] canvas').waitFor()
  t.equal(await card.locator('[data-figure="revenue"]').textContent(), '0원', 'the refund took the revenue back')
  await card.getByLabel('일시 정지').waitFor()
  t.same(await englishOn(admin, allowed), [], 'no English on the dashboard')
  await screenshot(admin, 'korean-dashboard')
  t.same(errors, [])
})
