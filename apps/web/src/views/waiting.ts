/**
 * The waiting room: place in line, a progress bar from where the user started to the front, the
 * estimated wait. It polls the token as `pollAfterMs` says and backs off on 429 and 503 by itself.
 */
import type { ConcertSummary, QueueTokenState } from '@rushgate/shared'
import { type Api, ApiFailure } from '../api.ts'
import { h, setText } from '../dom.ts'
import { formatWait } from '../format.ts'
import { describeFailure } from '../messages.ts'
import { retryDelay } from '../retry.ts'
import { store } from '../store.ts'
import { bindLeave } from './leave.ts'

/** Never poll faster than this, whatever the server says: a floor against a tight loop. */
const MIN_POLL_MS = 250

export interface WaitingOptions {
  api: Api
  concert: ConcertSummary
  state: QueueTokenState
  onActive: (state: QueueTokenState) => void
  onLost: (error: unknown) => void
  onLeave: () => void
}

export interface View {
  el: HTMLElement
  stop: () => void
}

export function waitingView(options: WaitingOptions): View {
  const { api, concert } = options
  const token = options.state.token
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  let attempt = 0

  const position = h('p', { class: 'position' })
  const progress = h('progress', { id: 'line-progress', max: 1, value: 0 })
  const wait = h('p', { class: 'wait' })
  const joinedAt = h('span', {})
  const status = h('p', { class: 'hint', id: 'poll-status', role: 'status' })
  const leave = h('button', { type: 'button', class: 'button' }, 'Leave the line')

  const el = h(
    'section',
    { class: 'card stack waiting', 'aria-labelledby': 'waiting-title', 'data-view': 'waiting' },
    h('h2', { id: 'waiting-title' }, `Waiting room · ${concert.title}`),
    h('p', {}, 'You are in line. This page moves you on by itself when it is your turn; there is no need to reload it.'),
    // One polite live region for the place and the wait, read as one sentence when they change.
    h('div', { 'aria-live': 'polite', 'aria-atomic': 'true', class: 'live' }, position, wait),
    h('label', { for: 'line-progress' }, 'Progress to the front of the line'),
    progress,
    h('p', { class: 'hint progress-ends' }, joinedAt, h('span', {}, 'Front of the line')),
    status,
    leave,
  )

  const render = (state: QueueTokenState) => {
    const place = state.position ?? 1
    // The progress bar starts from the furthest place seen for this token (kept across reloads).
    const start = Math.max(place, store.startPosition(token) ?? place)
    store.setStartPosition(token, start)
    setText(position, place === 1 ? 'You are next in line.' : `You are number ${place} in line.`)
    setText(wait, `Estimated wait: ${formatWait(state.estimatedWaitSeconds)}.`)
    progress.max = start
    progress.value = start - place
    progress.textContent = `${Math.round(((start - place) / start) * 100)}%`
    setText(joinedAt, `Joined at number ${start}`)
  }

  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(() => void poll(), Math.max(MIN_POLL_MS, ms))
  }

  const poll = async () => {
    try {
      const state = await api.tokenState(concert.id, token)
      attempt = 0
      if (stopped) return
      if (state.status === 'ACTIVE') {
        stop()
        options.onActive(state)
        return
      }
      render(state)
      setText(status, '')
      schedule(state.pollAfterMs)
    } catch (error) {
      if (stopped) return
      const delay = retryDelay(error, attempt++)
      if (delay === null) {
        stop()
        options.onLost(error)
        return
      }
      // A busy gateway does not cost the user their place: say so, and try again later.
      const why = error instanceof ApiFailure && error.code === 'RATE_LIMITED' ? 'The line is very busy right now.' : describeFailure(error)
      setText(status, `${why} Your place is kept; checking again in ${Math.ceil(delay / 1000)} s.`)
      schedule(delay)
    }
  }

  const stop = () => {
    stopped = true
    clearTimeout(timer)
  }

  bindLeave(leave, { api, concertId: concert.id, token, stop, onLeave: options.onLeave })

  render(options.state)
  schedule(options.state.pollAfterMs)
  return { el, stop }
}
