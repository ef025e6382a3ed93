/**
 * The page's flow: who are you → concerts → waiting room → your turn → confirmation. Each step is a
 * view that owns its timers; switching views stops the previous one and moves focus to the new
 * heading, so keyboard and screen-reader users follow along.
 */
import type { ConcertSummary, QueueTokenState } from '@rushgate/shared'
import { type Api, ApiFailure, createApi } from './api.ts'
import { h } from './dom.ts'
import { describeFailure, LINE_UP_AGAIN } from './messages.ts'
import { store } from './store.ts'
import { activeView } from './views/active.ts'
import { concertsView } from './views/concerts.ts'
import { confirmationView } from './views/confirmation.ts'
import { identityView } from './views/identity.ts'
import { createNotice } from './views/notice.ts'
import { waitingView } from './views/waiting.ts'

const root = document.getElementById('app')!
const who = document.getElementById('who')!
const notice = createNotice(document.getElementById('notice')!)
let stopCurrent: () => void = () => {}
let api: Api | null = null

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
  who.replaceChildren(
    h('span', {}, 'Signed in as ', h('strong', { 'data-user': userId }, userId)),
    h('button', { type: 'button', class: 'button small', onclick: () => askIdentity() }, 'Switch user'),
  )
}

function askIdentity(): void {
  notice.clear()
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
  show(concertsView(api, (concert) => void join(concert)))
}

async function join(concert: ConcertSummary): Promise<void> {
  if (!api) return
  notice.clear()
  try {
    // 201 for a new place, 200 with the same place when the user is already in this line.
    const state = await api.joinQueue(concert.id)
    store.setToken(api.userId, concert.id, state.token)
    enter(concert, state)
  } catch (error) {
    notice.show(describeFailure(error), 'error', { label: 'Try again', run: () => void join(concert) })
    showConcerts()
  }
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
    const view = waitingView({ ...common, onActive: (next) => enter(concert, next) })
    show(view.el, view.stop)
  }
}

function left(concert: ConcertSummary): void {
  if (api) store.setToken(api.userId, concert.id, null)
  notice.show(`You left the line for ${concert.title}.`, 'info')
  showConcerts()
}

/** The place in line is gone (expired, paid elsewhere, tampered): say so and offer to line up again. */
function lost(concert: ConcertSummary, error: unknown): void {
  if (api) store.setToken(api.userId, concert.id, null)
  if (error instanceof ApiFailure && error.code === 'UNAUTHENTICATED') {
    notice.show(describeFailure(error))
    askIdentity()
    return
  }
  const again = error instanceof ApiFailure && LINE_UP_AGAIN.has(error.code)
  notice.show(describeFailure(error), 'error', again ? { label: 'Line up again', run: () => void join(concert) } : undefined)
  showConcerts()
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

async function start(userId: string): Promise<void> {
  api = createApi(userId)
  showWho(userId)
  notice.clear()
  if (!(await resume(userId))) showConcerts()
}

const saved = store.userId()
if (saved) void start(saved)
else askIdentity()
