/**
 * Browser-test plumbing: build the page, start a real stack (core on Postgres, gateway on Redis),
 * open Debian's Chromium through playwright-core, save screenshots under test-output/ (and the
 * README's two under docs/screenshots/).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { coreEntry } from '@rushgate/core/entry-points'
import { gatewayEntry } from '@rushgate/gateway/entry-points'
import { admin as adminHeaders, call, createConcert, startStack as startInProcess } from '@rushgate/testkit'
import { type Browser, chromium, type Page } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const webRoot = join(here, '..')
export const outputDir = join(webRoot, 'test-output')
export const docsScreenshots = join(webRoot, '..', '..', 'docs', 'screenshots')

export const CHROMIUM = '/usr/bin/chromium'
/** Set when the browser tests cannot run here, with the reason to print. */
export const skipReason = existsSync(CHROMIUM)
  ? false
  : `Chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install chromium) to run the browser tests`

/** Long enough for a tick, a poll and a seat refresh (3 s) on a busy 2-core machine. */
export const STEP_MS = 20_000

/** Builds dist/ the way `pnpm start` does, so the gateway serves the current sources. */
export function buildPage(): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: webRoot, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`web build failed:\n${result.stdout}\n${result.stderr}`)
}

interface Tap {
  teardown(fn: () => unknown): void
}

export interface Stack {
  url: string
  admin<T = Record<string, unknown>>(method: 'POST' | 'PATCH' | 'GET', path: string, body?: unknown): Promise<T>
  /** Stops the core (and drops its database): the gateway then answers 503 for everything it proxies. */
  stopCore(): Promise<void>
  /** Creates a concert with one date of `seats` seats through the admin API; returns its id. */
  createConcert(title: string, seats: number, price: number): Promise<number>
}

/** Builds the page and starts core + gateway for one test file; everything is closed in teardown. */
export async function startStack(
  t: Tap,
  env: { core?: Record<string, string>; gateway?: Record<string, string> } = {},
): Promise<Stack> {
  buildPage()
  const { core, gateway, close } = await startInProcess({ core: coreEntry, gateway: gatewayEntry }, env)
  t.teardown(close)

  const admin: Stack['admin'] = async (method, path, body) => {
    const res = await call(gateway.url, method, path, { headers: adminHeaders, body })
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text}`)
    return res.body
  }
  return {
    url: gateway.url,
    admin,
    stopCore: () => core.close(),
    async createConcert(title, seats, price) {
      const created = await createConcert(gateway.url, {
        title,
        venue: 'Test Hall',
        schedules: [{ startsAt: '2027-03-01T19:00:00Z', seats, price }],
      })
      return created.id
    },
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * A new person's page (own browser context, so own storage). Script errors and Content-Security-
 * Policy violations are collected in `errors`, to be asserted empty at the end.
 */
export async function newPage(browser: Browser, who: string, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(STEP_MS)
  page.on('pageerror', (err) => errors.push(`${who}: ${err.message}`))
  // Chromium reports each violation on the console too; the event names the directive for certain.
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`),
    ),
  )
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) errors.push(`${who}: ${msg.text()}`)
  })
  return page
}

/** Opens the page as a new person and signs in with a user id (header mode). */
export async function openAs(browser: Browser, url: string, userId: string, errors: string[]): Promise<Page> {
  const page = await newPage(browser, userId, errors)
  await page.goto(url)
  await page.getByLabel('Your user id').fill(userId)
  await page.getByRole('button', { name: 'Continue' }).click()
  return page
}

/** Opens the page as the host site sends a signed-in user (JWT mode): the token in the fragment. */
export async function openWithJwt(browser: Browser, url: string, who: string, jwt: string, errors: string[]): Promise<Page> {
  const page = await newPage(browser, who, errors)
  await page.goto(`${url}/#token=${jwt}`)
  return page
}

/** Clicks "Join the queue" on the concert card named `title`. */
export async function joinQueue(page: Page, title: string): Promise<void> {
  await page.getByRole('article', { name: title }).getByRole('button', { name: 'Join the queue' }).click()
}

export const seat = (page: Page, n: number) => page.getByRole('button', { name: `Seat ${n}`, exact: true })

/** Waits until the seat map shows seat `n` with this status. */
export const seatShows = (page: Page, n: number, status: 'AVAILABLE' | 'HELD' | 'SOLD', timeout = STEP_MS) =>
  page.locator(`button[aria-label="Seat ${n}"][data-status="${status}"]`).waitFor({ timeout })

/** Saves `test-output/<name>.png`; with `docsName`, also copies it to docs/screenshots/ for the README. */
export async function screenshot(page: Page, name: string, docsName?: string): Promise<string> {
  await mkdir(outputDir, { recursive: true })
  const file = join(outputDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  if (docsName) {
    await mkdir(docsScreenshots, { recursive: true })
    await copyFile(file, join(docsScreenshots, docsName))
  }
  return file
}

/**
 * Another fan driven through the API beside the browser: lines up, waits until admitted, and reads
 * the first date. `ask` calls the gateway as that fan, with the turn's token when given.
 */
export async function admittedFan(base: string, concertId: number, userId: string) {
  const ask = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        'x-user-id': userId,
        ...(token ? { 'x-queue-token': token } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, body: await res.json() }
  }
  const token = (await ask('POST', `/api/queues/${concertId}/tokens`)).body.token as string
  const deadline = Date.now() + STEP_MS
  while ((await ask('GET', `/api/queues/${concertId}/tokens/current`, token)).body.status !== 'ACTIVE') {
    if (Date.now() > deadline) throw new Error(`${userId} was not admitted`)
    await new Promise((r) => setTimeout(r, 200))
  }
  const scheduleId = (await ask('GET', `/api/concerts/${concertId}/schedules`, token)).body[0].id as number
  return { ask, token, scheduleId }
}
