/**
 * A line that asks for a proof of work, in a real browser: the page's join is refused with 403
 * PROOF_OF_WORK_REQUIRED, the page fetches the line's challenge, solves it in a Web Worker with a
 * progress bar, and joins with X-Proof-Of-Work; a reload of the page finds the same place without
 * solving again.
 */
import t from 'tap'
import { joinQueue, launchBrowser, openAs, skipReason, startStack } from './support.ts'

const TITLE = 'Puzzle First Show'

t.test('the page solves the line’s challenge in a worker and joins with the solution', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_BATCH: '1', ADMIT_INTERVAL_MS: '1000' } })
  const concertId = await stack.createConcert(TITLE, 10, 10_000)
  // Paused, so that the place stays a place in line to look at; a modest difficulty keeps the test quick.
  await stack.admin('PATCH', `/api/admin/queues/${concertId}`, { proofOfWork: 20_000, paused: true })

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const page = await openAs(browser, stack.url, 'puzzler', errors)
  const joins: { status: number; proof: boolean }[] = []
  page.on('response', (res) => {
    if (res.request().method() === 'POST' && new URL(res.url()).pathname === `/api/queues/${concertId}/tokens`) {
      joins.push({ status: res.status(), proof: Boolean(res.request().headers()['x-proof-of-work']) })
    }
  })
  const started = Date.now()
  await joinQueue(page, TITLE)
  await page.locator('[data-view="waiting"]').waitFor()
  t.comment(`solved and joined in ${Date.now() - started} ms at difficulty 20,000`)
  t.same(joins, [
    { status: 403, proof: false },
    { status: 201, proof: true },
  ], 'refused without a proof, then a new place with it')

  const line = await stack.admin<{ waiting: number }>('GET', `/api/admin/queues/${concertId}`)
  t.equal(line.waiting, 1, 'one place in line')
  await page.reload()
  await page.locator('[data-view="waiting"]').waitFor()
  t.equal(joins.length, 2, 'a reload finds the same place: no puzzle, no new join')
  t.same(errors, [], 'no script error or CSP violation')
})
