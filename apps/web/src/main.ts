/**
 * The page's flow: who are you → concerts → waiting room → your turn → confirmation. Each step is a
 * view that owns its timers; switching views stops the previous one and moves focus to the new
 * heading, so keyboard and screen-reader users follow along. "Who are you" depends on the gateway's
 * identity mode (auth.ts): a typed user id, or the JWT the host site handed over.
 */
import type { ConcertSummary, QueueTokenState } from '@rushgate/shared'
import { type Api, ApiFailure, clientConfig, createApi } from './api.ts'
import { type AuthMode, credentials, subOf, takeJwt, watchForJwt } from './auth.ts'
import { h } from './dom.ts'
import { dressPage } from './lang.ts'
import { describeFailure, isSoldOut, LINE_UP_AGAIN, say } from './messages.ts'
import { retryDelay } from './retry.ts'
import { store } from './store.ts'
import { activeView } from './views/active.ts'
import { concertsView } from './views/concerts.ts'
import { confirmationView } from './views/confirmation.ts'
import { identityView } from './views/identity.ts'
import { createNotice } from './views/notice.ts'
import { solveChallenge } from './proof-of-work.ts'
import { purchasesView } from './views/purchases.ts'
import { signedOutView } from './views/signed-out.ts'
import { soldOutView } from './views/sold-out.ts'
import { announceTurn } from './turn-notice.ts'
import { waitingView } from './views/waiting.ts'

const root = document.getElementById('app')!
const who = document.getElementById('who')!
const notice = createNotice(document.getElementById('notice')!)
let stopCurrent: () => void = () => {}
let api: Api | null = null
let mode: AuthMode = 'header'

function show(el: HTMLElement, stop: () => void = () => {}): void {
  stopCurrent()
  stopCurrent = stop
  root.replaceChildren(el)
  const heading = el.querySelector('h2')
  if (heading) {
    heading.setAttribute('tabindex', '-1')
    heading.focus({ preventScroll: false })
  }
}

function showWho(userId: string | null): void {
  if (!userId) {
    who.replaceChildren()
    return
  }
  const signedIn = h('span', {}, say.signedInAs, h('strong', { 'data-user': userId }, userId))
  // With JWTs the host site says who the user is; there is nobody to switch to here.
  if (mode === 'jwt') who.replaceChildren(signedIn)
  else who.replaceChildren(signedIn, h('button', { type: 'button', class: 'button small', onclick: () => askIdentity() }, say.switchUser))
}

function askIdentity(): void {
  notice.clear()
  if (mode === 'jwt') {
    showWho(null)
    show(signedOutView('none'))
    return
  }
  showWho(null)
  show(
    identityView(store.userId(), (userId) => {
      store.setUserId(userId)
      start(userId)
    }),
  )
}

function showConcerts(): void {
  if (!api) {
    askIdentity()
    return
  }
  store.setCurrentConcert(api.userId, null)
  show(h('div', { class: 'stack' }, concertsView(api, (concert) => void join(concert)), purchasesView(api, notice)))
}

async function join(concert: ConcertSummary): Promise<void> {
  if (!api) return
  notice.clear()
  try {
    // 201 for a new place, 200 with the same place when the user is already in this line. A line
    // that asks for a proof of work says so (403) only when a new place would be made: then solve
    // its challenge and join again with the solution.
    const state = await api.joinQueue(concert.id).catch(async (error: unknown) => {
      if (!(error instanceof ApiFailure && error.code === 'PROOF_OF_WORK_REQUIRED') || !api) throw error
      return api.joinQueue(concert.id, await proveWork(api, concert))
    })
    store.setToken(api.userId, concert.id, state.token)
    enter(concert, state)
  } catch (error) {
    if (isSoldOut(error)) {
      soldOut(concert)
      return
    }
    notice.show(describeFailure(error), 'error', { label: say.tryAgain, run: () => void join(concert) })
    showConcerts()
  }
}

/** Shows the puzzle's progress while the line's challenge is solved; resolves with the solution. */
async function proveWork(client: Api, concert: ConcertSummary): Promise<string> {
  const challenge = await client.challenge(concert.id)
  const progress = h('progress', { id: 'pow-progress', max: 100, value: 0 })
  show(
    h(
      'section',
      { class: 'card', 'data-view': 'proof-of-work' },
      h('h2', {}, say.checkingBrowser),
      h('p', {}, say.puzzleExplained),
      h('label', { for: 'pow-progress' }, say.puzzleProgress),
      progress,
    ),
  )
  return solveChallenge(challenge, (fraction) => {
    progress.value = Math.round(fraction * 100)
  })
}

function enter(concert: ConcertSummary, state: QueueTokenState): void {
  if (!api) return
  store.setCurrentConcert(api.userId, concert.id)
  const common = { api, concert, state, onLost: (error: unknown) => lost(concert, error), onLeave: () => left(concert) }
  if (state.status === 'ACTIVE') {
    const view = activeView({
      ...common,
      notice,
      onPaid: (payment, seats, schedules) => {
        if (api) store.setToken(api.userId, concert.id, null) // a payment ends the token
        if (api) store.setCurrentConcert(api.userId, null)
        notice.clear()
        show(confirmationView(concert, payment, seats, schedules, showConcerts))
      },
    })
    show(view.el, view.stop)
  } else {
    const view = waitingView({
      ...common,
      onActive: (next) => {
        // The turn has come: a fan looking at another tab must notice it.
        announceTurn(concert.title)
        enter(concert, next)
      },
    })
    show(view.el, view.stop)
  }
}

function left(concert: ConcertSummary): void {
  if (api) store.setToken(api.userId, concert.id, null)
  notice.show(say.leftLine(concert.title), 'info')
  showConcerts()
}

/** The place in line is gone (expired, paid elsewhere, tampered): say so and offer to line up again. */
function lost(concert: ConcertSummary, error: unknown): void {
  if (error instanceof ApiFailure && error.code === 'UNAUTHENTICATED') {
    // Who the user is was not accepted; the place may still be theirs once they sign in again.
    signedOut()
    return
  }
  if (api) store.setToken(api.userId, concert.id, null)
  if (isSoldOut(error)) {
    soldOut(concert)
    return
  }
  const again = error instanceof ApiFailure && LINE_UP_AGAIN.has(error.code)
  notice.show(describeFailure(error), 'error', again ? { label: say.lineUpAgain, run: () => void join(concert) } : undefined)
  showConcerts()
}

/** Every ticket is sold: a screen of its own, not an error. */
function soldOut(concert: ConcertSummary): void {
  if (api) store.setCurrentConcert(api.userId, null)
  notice.clear()
  show(soldOutView(concert, showConcerts))
}

/** After a reload: back to the line the user was in, if the token is still alive. */
async function resume(userId: string): Promise<boolean> {
  if (!api) return false
  const concertId = store.currentConcert(userId)
  const token = concertId === null ? null : store.token(userId, concertId)
  if (concertId === null || token === null) return false
  try {
    const [state, concerts] = await Promise.all([api.tokenState(concertId, token), api.concerts()])
    const concert = concerts.find((c) => c.id === concertId)
    if (!concert) return false
    enter(concert, state)
    return true
  } catch {
    store.setToken(userId, concertId, null)
    return false
  }
}

function signedOut(): void {
  if (mode === 'header') {
    notice.show(say.idNotAccepted)
    askIdentity()
    return
  }
  notice.clear()
  showWho(null)
  show(signedOutView('expired'))
}

async function start(userId: string): Promise<void> {
  api = createApi(userId, credentials(mode, userId))
  showWho(userId)
  notice.clear()
  if (!(await resume(userId))) showConcerts()
}

/** JWT mode: a token handed over while the page is open. */
function tokenArrived(token: string): void {
  const userId = subOf(token)
  if (!userId) {
    askIdentity()
    return
  }
  // The same user: the running view goes on with the new token (api reads it on every call),
  // unless it was the signed-out page.
  if (api?.userId === userId && !root.querySelector('[data-signed-out]')) return
  void start(userId)
}

async function boot(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      mode = (await clientConfig()).authMode
      break
    } catch (error) {
      // A busy or unreachable gateway: wait as it says (or back off), then ask again by itself.
      const delay = retryDelay(error, attempt)
      if (delay === null) {
        notice.show(describeFailure(error), 'error', { label: say.tryAgain, run: () => void boot() })
        return
      }
      notice.show(say.retryingIn(describeFailure(error), Math.ceil(delay / 1000)), 'info')
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
  notice.clear()
  if (mode === 'jwt') {
    watchForJwt(tokenArrived)
    const token = takeJwt()
    const userId = token ? subOf(token) : null
    if (userId) void start(userId)
    else askIdentity()
    return
  }
  const saved = store.userId()
  if (saved) void start(saved)
  else askIdentity()
}

dressPage(say, { '.skip': say.skip })
void boot()
