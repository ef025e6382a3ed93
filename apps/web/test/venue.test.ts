/**
 * A stadium date of 21,000 places in a real browser, at a desktop's size and on a 390×844 phone:
 * the venue's blocks and the legend of grades with prices; a section's rows, two seats chosen by
 * hand and held with one request (after a refusal, 409 SEAT_UNAVAILABLE, when another fan took one
 * of them first); the best two seats together; two standing places by quantity;
 * the six places shown together with their labels and paid at once. On the phone the document is
 * never wider than the screen, and a section's rows scroll sideways in their own box, with a hint
 * and a shadow that say so; the flat seat map of a one-hall concert fits the phone too.
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { admittedFan, joinQueue, launchBrowser, newPage, outputDir, skipReason, startStack, webRoot } from './support.ts'

const TITLE = 'Stadium Live'
const HALL = 'Small Hall Live'
/** The README's pictures of the page. */
const docsImages = join(webRoot, '..', '..', 'docs', 'images')

/** Two standing floors of 2,500 and sixteen blocks of 20 rows of 50 seats: 21,000 places. */
const STADIUM = {
  title: TITLE,
  venue: 'Test Stadium',
  grades: [
    { code: 'VIP', name: 'VIP', price: 198_000 },
    { code: 'R', name: 'R', price: 165_000 },
    { code: 'S', name: 'S', price: 132_000 },
  ],
  sections: [
    { code: 'F1', name: 'Floor 1', grade: 'VIP', standing: 2500 },
    { code: 'F2', name: 'Floor 2', grade: 'VIP', standing: 2500 },
    ...'ABCDEFGHIJKLMNOP'.split('').map((code, i) => ({
      code,
      name: `Block ${code}`,
      grade: i < 8 ? 'R' : 'S',
      rows: Array.from({ length: 20 }, (_, r) => ({ row: String(r + 1), seats: 50 })),
    })),
  ],
  schedules: [{ startsAt: '2027-05-01T19:00:00Z' }],
}

t.test('a stadium date: venue, chosen seats, best available, standing, one payment; desktop and phone', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, {
    core: { MAX_HOLDS_PER_USER: '10' },
    gateway: { ADMIT_BATCH: '10', ADMIT_INTERVAL_MS: '300' },
  })
  const created = await stack.admin<{ id: number; schedules: { totalSeats: number }[] }>('POST', '/api/admin/concerts', STADIUM)
  t.equal(created.schedules[0]!.totalSeats, 21_000, 'a date of 21,000 places')
  await stack.createConcert(HALL, 1000, 50_000)

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []

  const desktop = await signIn(await newPage(browser, 'dana', errors), stack.url, 'dana')
  const eve = await apiFan(stack.url, created.id, 'eve')
  await buySix(t, desktop, { phone: false, rival: eve })

  const phone = await newPage(browser, 'minho', errors)
  await phone.setViewportSize({ width: 390, height: 844 })
  await signIn(phone, stack.url, 'minho')
  await buySix(t, phone, { phone: true })

  // ---- the flat seat map of a one-hall concert fits the phone as well ----
  await phone.getByRole('button', { name: 'Back to concerts' }).click()
  await joinQueue(phone, HALL)
  await phone.getByRole('heading', { name: /It's your turn/ }).waitFor()
  await phone.locator('button[aria-label="Seat 1000"]').waitFor()
  t.equal(await phone.locator('[data-venue]').isVisible(), false, 'a one-hall concert keeps its flat seat map')
  await fitsPhone(t, phone, 'the flat seat map')
  const grid = await phone.locator('.seat-grid').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, right: el.getBoundingClientRect().right }))
  t.ok(grid.scroll <= grid.client && grid.right <= 390, `every column of the seat map shows on the phone (${grid.scroll} px in ${grid.client})`)
  await shot(phone, 'venue-flat-phone')

  // ---- the venue in Korean: no English left but the plan's own names ----
  const context = await browser.newContext({ locale: 'ko-KR', timezoneId: 'Asia/Seoul', viewport: { width: 1200, height: 900 } })
  const korean = await context.newPage()
  korean.on('pageerror', (err) => errors.push(`jiwoo: ${err.message}`))
  await korean.goto(stack.url)
  await korean.getByLabel('사용자 ID').fill('jiwoo')
  await korean.getByRole('button', { name: '계속' }).click()
  await korean.getByRole('article', { name: TITLE }).getByRole('button', { name: '대기열 참가' }).click()
  await korean.getByRole('list', { name: '등급과 가격' }).getByText(/^198,000원 · 잔여 [\d,]+$/).waitFor()
  await korean.getByRole('button', { name: /^C구역, Block C, R: / }).click()
  await korean.getByRole('button', { name: '1열 1번', exact: true }).click()
  await korean.getByText(/^선택: 1열 1번 · 165,000원$/).waitFor()
  t.same(await englishOn(korean), [], 'a section open in Korean')
  await korean.getByRole('button', { name: /^F1구역, Floor 1, VIP, 스탠딩: / }).click()
  await korean.getByRole('heading', { name: 'F1구역 · Floor 1' }).waitFor()
  t.same(await englishOn(korean), [], 'a standing section open in Korean')
  t.same(errors, [], 'no script errors, no CSP violations')
})

type Fan = Awaited<ReturnType<typeof apiFan>>

/** Another fan, through the API: lines up, waits for the turn, holds chosen seats. */
async function apiFan(base: string, concertId: number, userId: string) {
  const { ask, token, scheduleId } = await admittedFan(base, concertId, userId)
  return {
    async hold(seatNumbers: number[]) {
      const res = await ask('POST', `/api/concerts/${concertId}/holds`, token, { scheduleId, seatNumbers })
      if (res.status !== 201) throw new Error(`hold: ${res.status} ${JSON.stringify(res.body)}`)
    },
  }
}

/** English words on the page beyond the concert's and the plan's own names (title, blocks, floors, the VIP grade) and the product's. */
async function englishOn(page: Page): Promise<string[]> {
  // biome-ignore lint/performance/useDomNodeTextContent: what a reader sees, not hidden nodes
  let text = await page.evaluate(() => document.body.innerText)
  for (const a of [TITLE, 'Rushgate', 'English', 'Block', 'Floor', 'VIP', 'GMT', 'KST', 'jiwoo']) text = text.split(a).join(' ')
  return text.match(/\b[A-Za-z]{3,}\b/g) ?? []
}

async function signIn(page: Page, url: string, userId: string): Promise<Page> {
  await page.goto(url)
  await page.getByLabel('Your user id').fill(userId)
  await page.getByRole('button', { name: 'Continue' }).click()
  return page
}

/** The whole purchase on the stadium: two chosen seats, two best seats together, two standing places, one payment. */
async function buySix(t: Test, page: Page, { phone, rival }: { phone: boolean; rival?: Fan }): Promise<void> {
  const where = phone ? 'phone' : 'desktop'
  await joinQueue(page, TITLE)
  await page.getByRole('heading', { name: /It's your turn/ }).waitFor()

  // ---- the venue: blocks in plan order, coloured by grade, and the legend with prices ----
  const blocks = page.locator('.block')
  await blocks.first().waitFor()
  t.equal(await blocks.count(), 18, `${where}: eighteen blocks`)
  t.same(await blocks.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.section)), ['F1', 'F2', ...'ABCDEFGHIJKLMNOP'.split('')], `${where}: in plan order`)
  const legend = page.getByRole('list', { name: 'Grades and prices' })
  await legend.getByText(/^198,000 won · [\d,]+ left$/).waitFor()
  await legend.getByText(/^165,000 won · [\d,]+ left$/).waitFor()
  await legend.getByText(/^132,000 won · [\d,]+ left$/).waitFor()
  const colours = await blocks.evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor))
  t.equal(new Set(colours).size, 3, `${where}: one colour per grade`)
  t.match(await page.getByRole('button', { name: /^Section A, Block A, R: / }).textContent(), /left$/, `${where}: a block says what is left`)
  if (phone) await fitsPhone(t, page, 'the venue')
  await shot(page, `venue-${where}`, phone ? undefined : 'venue-desktop.png')

  await page.getByLabel('Amount to charge (won)').fill('2000000')
  await page.getByRole('button', { name: 'Charge' }).click()
  await page.getByText(/^Your balance: 2,000,000 won$/).waitFor()

  // ---- a section's rows: two seats chosen by hand, held with one request ----
  await page.getByRole('button', { name: /^Section C, Block C, R: / }).click()
  await page.getByRole('heading', { name: 'Section C · Block C' }).waitFor()
  const box = page.locator('.rows-box')
  await box.locator('.seat-row[data-row="20"]').waitFor()
  const row = phone ? 5 : 4
  await page.getByRole('button', { name: `Row ${row}, seat 10`, exact: true }).click()
  await page.getByRole('button', { name: `Row ${row}, seat 11`, exact: true }).click()
  await page.getByText(`Chosen: Row ${row}, seat 10, Row ${row}, seat 11 · 330,000 won`).waitFor()
  const holdRequests: string[] = []
  page.on('request', (req) => {
    if (req.method() === 'POST' && /\/holds$/.test(new URL(req.url()).pathname)) holdRequests.push(req.postData() ?? '')
  })
  // Another fan takes one of them first: nothing is held, the page says why, the seat leaves the choice.
  let seats = [10, 11]
  if (rival) {
    const taken = Number(await page.getByRole('button', { name: `Row ${row}, seat 10`, exact: true }).getAttribute('data-seat-number'))
    await rival.hold([taken])
    await page.getByRole('button', { name: 'Hold 2 chosen seats' }).click()
    await page.getByRole('alert').getByText('Sorry, someone else has just taken this seat. Please choose another one.').waitFor()
    await page.locator('.outcome--refused').getByText(/^Sorry, someone else has just taken this seat/).waitFor()
    await page.getByText(`Chosen: Row ${row}, seat 11 · 165,000 won`).waitFor()
    t.equal(await page.locator('.hold').count(), 0, 'all or none: nothing was held')
    await page.getByRole('button', { name: `Row ${row}, seat 12`, exact: true }).click()
    seats = [11, 12]
  }
  await page.getByRole('button', { name: 'Hold 2 chosen seats' }).click()
  await page.getByRole('alert').getByText(new RegExp(`^Held for you for \\d+:\\d\\d: C-${row}-${seats[0]}, C-${row}-${seats[1]}\\.`)).waitFor()
  await page.locator('.outcome--held').waitFor()
  const chosenHold = JSON.parse(holdRequests.at(-1)!)
  t.equal(chosenHold.seatNumbers.length, 2, `${where}: both seats in one request`)
  await page.locator(`button[aria-label="Row ${row}, seat ${seats[0]}"][data-status="HELD"]`).waitFor()
  if (phone) {
    await fitsPhone(t, page, 'an open section')
    const scroll = await box.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, flag: el.dataset.scrollable }))
    t.ok(scroll.scroll > scroll.client, `the rows scroll inside their box (${scroll.client} px of ${scroll.scroll})`)
    t.equal(scroll.flag, 'true')
    await page.getByText('Scroll sideways to see every seat →').waitFor()
    t.ok(await page.locator('.rows-frame.more-right').isVisible(), 'a shadow on the side with more seats')
    await page.locator('.section-panel').scrollIntoViewIfNeeded()
    await page.evaluate(() => {
      document.querySelector('.section-panel')?.scrollIntoView({ block: 'start' })
      window.scrollBy(0, -12)
    })
    await shot(page, 'venue-section-phone', 'venue-section-phone.png')
    await box.evaluate((el) => {
      el.scrollLeft = 300
    })
    await page.locator('.rows-frame.more-left').waitFor()
    t.pass('scrolled along, the shadow shows on the left too')
  }

  // ---- the best two seats together ----
  const bestPanel = page.getByRole('region', { name: 'Best available' })
  await bestPanel.getByLabel('How many').selectOption('2')
  t.ok(await bestPanel.getByLabel('Seats next to each other').isChecked(), 'together by default')
  await bestPanel.getByLabel('Grade', { exact: true }).selectOption('S')
  await bestPanel.getByRole('button', { name: 'Hold the best seats' }).click()
  const best = page.getByRole('alert').getByText(/^Held for you for \d+:\d\d: I-1-(\d+), I-1-(\d+)\./)
  await best.waitFor()
  const [, a, b] = /I-1-(\d+), I-1-(\d+)/.exec((await best.textContent()) ?? '')!
  t.equal(Number(b) - Number(a), 1, `${where}: the best S seats are together in section I's first row (${a}, ${b})`)

  // ---- two standing places by quantity ----
  await page.getByRole('button', { name: /^Section F1, Floor 1, VIP, standing: / }).click()
  await page.getByRole('heading', { name: 'Section F1 · Floor 1' }).waitFor()
  await page.getByText(/^Standing places are held by quantity\./).waitFor()
  await page.getByRole('region', { name: 'Section F1 · Floor 1' }).getByLabel('How many').selectOption('2')
  await page.getByRole('button', { name: 'Hold standing places' }).click()
  const first = phone ? 3 : 1
  await page.getByRole('alert').getByText(`: F1-${first}, F1-${first + 1}.`, { exact: false }).waitFor()
  t.equal(holdRequests.length, rival ? 4 : 3, `${where}: ${rival ? 'four requests (one refused)' : 'three requests'} for six places`)
  await page.waitForFunction(() => !(document.querySelector('.best .button.primary') as HTMLButtonElement).disabled)
  t.pass(`${where}: ready for another request once the last one is answered`)

  // ---- six places together, with their labels, paid at once ----
  const holds = page.locator('.hold')
  await holds.nth(5).waitFor()
  const listed = await holds.allTextContents()
  t.equal(listed.length, 6, `${where}: six holds shown together`)
  t.ok(listed.some((text) => text.includes(`Section C, row ${row}, seat ${seats[0]}`)), 'a chosen seat by section, row and seat')
  t.ok(listed.some((text) => text.includes(`Section F1, standing, entry no. ${first}`)), 'a standing place by its entry number')
  await page.getByText(/^Total: 990,000 won for 6 seats$/).waitFor()
  if (phone) await fitsPhone(t, page, 'six holds')
  await page.locator('.total').scrollIntoViewIfNeeded()
  await shot(page, `venue-holds-${where}`)
  await page.getByRole('button', { name: 'Pay', exact: true }).click()
  await page.getByRole('heading', { name: 'Payment confirmed' }).waitFor()
  t.equal(await page.locator('.tickets li').count(), 6, `${where}: one payment for the six places`)
  await page.getByText('990,000 won', { exact: true }).waitFor()
  await page.getByText('1,010,000 won', { exact: true }).waitFor()
}

async function fitsPhone(t: Test, page: Page, what: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  t.ok(width <= 390, `${what} fits a 390 px phone (laid out ${width} px wide)`)
}

/** A picture of what the viewport shows (small enough for the README), also under docs/images/ when named. */
async function shot(page: Page, name: string, docsName?: string): Promise<void> {
  await mkdir(outputDir, { recursive: true })
  const file = join(outputDir, `${name}.png`)
  await page.screenshot({ path: file })
  if (docsName) {
    await mkdir(docsImages, { recursive: true })
    await copyFile(file, join(docsImages, docsName))
  }
}
