/**
 * The sales rules in a real browser: the seat map refreshes by itself (If-None-Match, 304 while
 * unchanged) and shows another fan's hold without a reload; a hold is extended once; the ticket
 * limit makes the concert "sold out for you"; a purchase is refunded from the purchase history.
 */
import t from 'tap'
import { admittedFan, joinQueue, launchBrowser, openAs, STEP_MS, screenshot, seat, seatShows, skipReason, startStack } from './support.ts'

const TITLE = 'Sales Rules Live'

t.test('map refresh, extension, "sold out for you" and a refund from the history', { skip: skipReason }, async (t) => {
  const stack = await startStack(t, { gateway: { ADMIT_BATCH: '10', ADMIT_INTERVAL_MS: '500' } })
  const concertId = await stack.createConcert(TITLE, 12, 10_000)
  await stack.admin('PATCH', `/api/admin/concerts/${concertId}`, { maxTicketsPerUser: 2 })

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []
  const dana = await openAs(browser, stack.url, 'dana', errors)
  const seatRequests: { ifNoneMatch: string | undefined; status: number }[] = []
  dana.on('response', (res) => {
    if (/\/schedules\/\d+\/seats$/.test(new URL(res.url()).pathname)) {
      seatRequests.push({ ifNoneMatch: res.request().headers()['if-none-match'], status: res.status() })
    }
  })
  await joinQueue(dana, TITLE)
  await dana.getByRole('heading', { name: /It's your turn/ }).waitFor()
  await seatShows(dana, 5, 'AVAILABLE')

  // ---- the map keeps itself current: 304s while nothing changes, another fan's hold without a reload ----
  await waitUntil('a conditional refresh answered 304', () => seatRequests.some((r) => r.status === 304 && r.ifNoneMatch))
  const eve = await apiUser(stack.url, concertId, 'eve')
  await eve.hold(5)
  await seatShows(dana, 5, 'HELD')
  t.pass("eve's hold shows on dana's map without a reload")
  t.ok(seatRequests.filter((r) => r.ifNoneMatch).length >= 2, 'the map is asked for with If-None-Match')

  // ---- dana charges, holds seat 1 and extends the hold once ----
  await dana.getByLabel('Amount to charge (won)').fill('50000')
  await dana.getByRole('button', { name: 'Charge' }).click()
  await dana.getByText('Your balance: 50,000 won').waitFor()
  await seat(dana, 1).click()
  await dana.getByRole('button', { name: 'Hold', exact: true }).click()
  await dana.locator('.hold', { hasText: 'Seat 1' }).waitFor()
  await dana.getByRole('button', { name: 'Extend hold on seat 1' }).click()
  await dana.getByRole('alert').getByText(/Your hold on seat 1 now lasts \d+:\d\d more/).waitFor()
  const extendedButton = dana.getByRole('button', { name: 'Hold on seat 1 extended' })
  t.equal(await extendedButton.textContent(), 'Extended')
  t.ok(await extendedButton.isDisabled(), 'a hold is extended once')

  // ---- a second seat reaches the limit of 2: the concert is sold out for dana ----
  await seat(dana, 2).click()
  await dana.getByRole('button', { name: 'Hold', exact: true }).click()
  await dana.locator('.hold', { hasText: 'Seat 2' }).waitFor()
  await seat(dana, 3).click()
  await dana.getByRole('button', { name: 'Hold', exact: true }).click()
  await dana.getByRole('status').getByText(/^Sold out for you: you have 2 tickets for this concert/).waitFor()
  t.ok(await dana.getByRole('button', { name: 'Hold', exact: true }).isDisabled(), 'no more holds')
  await dana.getByRole('alert').getByText(/as many tickets for this concert as one person may buy \(2\)/).waitFor()
  await screenshot(dana, '20-sold-out-for-you')

  // ---- dana pays, then refunds from the purchase history ----
  await dana.getByRole('button', { name: 'Pay', exact: true }).click()
  await dana.getByRole('heading', { name: 'Payment confirmed' }).waitFor()
  await dana.getByRole('button', { name: 'Back to concerts' }).click()
  const purchase = dana.locator('.purchase').first()
  await purchase.getByText('Seat 1, Seat 2').waitFor()
  t.match(await purchase.textContent(), /Paid 20,000 won on/)
  await screenshot(dana, '21-purchase-history')
  await purchase.getByRole('button', { name: /^Refund payment \d+$/ }).click()
  await dana.getByRole('alert').getByText(/was refunded: 20,000 won is back\. Your balance is now 50,000 won\./).waitFor()
  await dana.locator('.purchase[data-status="REFUNDED"]').getByText(/^Refunded on .*: 20,000 won back to your balance\.$/).waitFor()
  t.equal(await dana.getByRole('button', { name: /^Refund payment/ }).count(), 0, 'no second refund offered')
  await screenshot(dana, '22-refunded')

  // The refunded seats are free for others again.
  const map = await eve.seats()
  t.same(map.slice(0, 2).map((s) => s.status), ['AVAILABLE', 'AVAILABLE'])
  t.same(errors, [], 'no script errors')
})

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + STEP_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A second fan driven through the API: lines up, waits to be admitted, holds and reads seats. */
async function apiUser(base: string, concertId: number, userId: string) {
  const { ask, token, scheduleId } = await admittedFan(base, concertId, userId)
  return {
    async hold(seatNumber: number) {
      const res = await ask('POST', `/api/concerts/${concertId}/reservations`, token, { scheduleId, seatNumber })
      if (res.status !== 201) throw new Error(`hold: ${res.status} ${JSON.stringify(res.body)}`)
    },
    async seats(): Promise<{ status: string }[]> {
      return (await ask('GET', `/api/concerts/${concertId}/schedules/${scheduleId}/seats`, token)).body
    },
  }
}
