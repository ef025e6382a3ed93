/**
 * The page in Korean and English: the language from navigator.languages, a visible switch that is
 * remembered, times in the viewer's time zone, won as Koreans write it.
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { docsScreenshots, launchBrowser, outputDir, skipReason, startStack } from './support.ts'

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
