/**
 * The pages run under their Content-Security-Policy in Chromium: the waiting room at / and the
 * API browser at /docs carry the header and work without a single violation. (Every other browser
 * test collects violations too, through `newPage`.)
 */
import t from 'tap'
import { joinQueue, launchBrowser, newPage, openAs, skipReason, startStack } from './support.ts'

t.test('the page and /docs carry a CSP and run under it', { skip: skipReason }, async (t) => {
  const stack = await startStack(t)
  await stack.createConcert('Policy Show', 6, 5000)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const errors: string[] = []

  const page = await newPage(browser, 'headers', errors)
  const answer = await page.goto(stack.url)
  const headers = answer?.headers() ?? {}
  t.match(headers['content-security-policy'], /default-src 'self'/, 'the page has a CSP')
  t.match(headers['content-security-policy'], /script-src 'self'(;|$)/, 'scripts from this origin only, nothing inline')
  t.match(headers['content-security-policy'], /style-src 'self'(;|$)/, 'styles too')
  t.equal(headers['x-content-type-options'], 'nosniff')
  t.equal(headers['x-frame-options'], 'DENY')
  const script = await page.request.get(`${stack.url}/app.js`)
  t.equal(script.headers()['x-content-type-options'], 'nosniff', 'its script too')
  await page.context().close()

  // The whole flow once, so every view has rendered under the policy.
  const user = await openAs(browser, stack.url, 'policy-user', errors)
  await joinQueue(user, 'Policy Show')
  await user.getByRole('heading', { name: /It's your turn/ }).waitFor()
  await user.getByRole('button', { name: 'Seat 1', exact: true }).waitFor()
  await user.context().close()

  const docs = await newPage(browser, 'docs', errors)
  const docsAnswer = await docs.goto(`${stack.url}/docs/`)
  t.match(docsAnswer?.headers()['content-security-policy'], /default-src 'self'/, '/docs has a CSP')
  await docs.getByRole('heading', { name: /Rushgate/ }).first().waitFor()
  await docs.getByText('/api/config').first().waitFor()
  // Open one operation: Swagger UI renders its details (styles, icons) on demand.
  await docs.getByText('/api/config').first().click()
  await docs.getByText('Responses').first().waitFor()
  await docs.context().close()

  t.same(errors, [], 'no script errors and no CSP violations on either page')
})
