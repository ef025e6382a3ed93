/**
 * The waiting room. Before the opening: a countdown, "you are in the pre-queue; the order is drawn at
 * the opening", and the draw's commitment. After it: the place in line, a progress bar from where the
 * user started to the front, the estimated wait — or, in random mode, the median wait. It listens to
 * the token's event stream where the browser has EventSource, and otherwise (or after repeated
 * stream errors) polls the token as `pollAfterMs` says, backing off on 429 and 503 by itself. A
 * fan further back than the seats left is told they will likely be gone first (the place is kept),
 * and may ask to be notified when the turn comes (turn-notice.ts).
 */
import type { ConcertSummary, QueueTokenState } from '@rushgate/shared'
import { type Api, ApiFailure } from '../api.ts'
import { h, setText } from '../dom.ts'
import { formatClock, formatCount, formatDate, formatWait } from '../format.ts'
import { words } from '../lang.ts'
import { describeFailure } from '../messages.ts'
import { retryDelay } from '../retry.ts'
import { store } from '../store.ts'
import { askToNotify, mayAskToNotify, notifying } from '../turn-notice.ts'
import { bindLeave } from './leave.ts'

const w = words(
  {
    progress: 'Progress to the front of the line',
    front: 'Front of the line',
    leave: 'Leave the line',
    title: (concert: string) => `Waiting room · ${concert}`,
    opensIn: (clock: string) => `The line opens in ${clock}.`,
    opening: 'The line is opening: the order is being drawn…',
    seed: (seed: string, commitment: string) =>
      `The order was drawn with the seed ${seed}; its SHA-256 is the commitment ${commitment}, published before the opening.`,
    commitment: (commitment: string) => `Draw commitment (SHA-256 of the secret seed, which is published at the opening): ${commitment}`,
    prequeue: 'You are in the pre-queue; the order is drawn at the opening, so joining early or late before then makes no difference.',
    waitingForOpening: 'Waiting for the opening.',
    afterOpening: (wait: string) => `Estimated wait once it opens: ${wait}.`,
    opensShortly: (after: string) => `The line opens shortly. ${after}`,
    opensAt: (when: string, after: string) => `The line opens at ${when}. ${after}`,
    inLine: 'You are in line. This page moves you on by itself when it is your turn; there is no need to reload it.',
    random: 'The next people are drawn at random from the whole line.',
    medianWait: (wait: string) => `Median wait: ${wait}.`,
    next: 'You are next in line.',
    place: (n: string) => `You are number ${n} in line.`,
    estimatedWait: (wait: string) => `Estimated wait: ${wait}.`,
    joinedAt: (n: string) => `Joined at number ${n}`,
    busy: 'The line is very busy right now.',
    kept: (why: string, seconds: number) => `${why} Your place is kept; checking again in ${seconds} s.`,
    likelyGone: (seats: number, place: string) =>
      `Only ${seats === 1 ? 'one seat is' : `${formatCount(seats)} seats are`} left and you are number ${place} in line: ${seats === 1 ? 'it' : 'they'} will likely be gone before your turn. You keep your place if you stay.`,
    notifyMe: 'Notify me when it is my turn',
    willNotify: 'You will get a notification when it is your turn, even with this tab in the background.',
    notifyRefused: 'Notifications are off for this page; the tab’s title will still change when it is your turn.',
  },
  {
    progress: '맨 앞까지의 진행률',
    front: '맨 앞',
    leave: '대기열에서 나가기',
    title: (concert: string) => `대기실 · ${concert}`,
    opensIn: (clock: string) => `대기열이 ${clock} 후에 열립니다.`,
    opening: '대기열이 열리는 중입니다: 순서를 추첨하고 있습니다…',
    seed: (seed: string, commitment: string) =>
      `순서는 시드 ${seed}(으)로 추첨되었습니다. 그 SHA-256 값은 판매 시작 전에 공개된 약속값 ${commitment}입니다.`,
    commitment: (commitment: string) => `추첨 약속값(판매 시작 때 공개되는 비밀 시드의 SHA-256): ${commitment}`,
    prequeue: '사전 대기열에 있습니다. 순서는 판매 시작 때 추첨되므로, 그 전에는 일찍 참가하든 늦게 참가하든 차이가 없습니다.',
    waitingForOpening: '판매 시작을 기다리는 중입니다.',
    afterOpening: (wait: string) => `열린 뒤 예상 대기 시간: ${wait}.`,
    opensShortly: (after: string) => `대기열이 곧 열립니다. ${after}`,
    opensAt: (when: string, after: string) => `대기열이 ${when}에 열립니다. ${after}`,
    inLine: '대기열에 있습니다. 차례가 되면 이 페이지가 알아서 넘어가니 새로고침하지 않아도 됩니다.',
    random: '다음 입장자는 대기열 전체에서 무작위로 추첨됩니다.',
    medianWait: (wait: string) => `대기 시간 중앙값: ${wait}.`,
    next: '다음 차례입니다.',
    place: (n: string) => `현재 대기 순서는 ${n}번입니다.`,
    estimatedWait: (wait: string) => `예상 대기 시간: ${wait}.`,
    joinedAt: (n: string) => `참가 시 ${n}번`,
    busy: '지금 대기열이 매우 혼잡합니다.',
    kept: (why: string, seconds: number) => `${why} 자리는 그대로 유지되며, ${seconds}초 후에 다시 확인합니다.`,
    likelyGone: (seats: number, place: string) =>
      `남은 좌석은 ${formatCount(seats)}석이고 현재 대기 순서는 ${place}번입니다. 차례가 오기 전에 매진될 가능성이 높습니다. 계속 기다리시면 자리는 그대로 유지됩니다.`,
    notifyMe: '차례가 되면 알림 받기',
    willNotify: '이 탭이 뒤에 있어도 차례가 되면 알림을 보내 드립니다.',
    notifyRefused: '이 페이지의 알림이 꺼져 있습니다. 차례가 되면 탭 제목이 바뀌어 알려 드립니다.',
  },
)

/** Never poll faster than this, whatever the server says: a floor against a tight loop. */
const MIN_POLL_MS = 250
/** Stream errors in a row (EventSource reconnects by itself in between) before falling back to polling. */
const STREAM_ERRORS_BEFORE_POLLING = 3

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
  let clock: ReturnType<typeof setInterval> | undefined
  let stopped = false
  let attempt = 0
  let opensAt: number | null = null
  let drawShown: 'none' | 'commitment' | 'seed' = 'none'

  const intro = h('p', {})
  const position = h('p', { class: 'position' })
  const wait = h('p', { class: 'wait' })
  const countdown = h('p', { class: 'countdown', hidden: true })
  const progressLabel = h('label', { for: 'line-progress' }, w.progress)
  const progress = h('progress', { id: 'line-progress', max: 1, value: 0 })
  const joinedAt = h('span', {})
  const progressEnds = h('p', { class: 'hint progress-ends' }, joinedAt, h('span', {}, w.front))
  const draw = h('p', { class: 'hint draw', hidden: true })
  const seats = h('p', { class: 'seats-left', hidden: true })
  const status = h('p', { class: 'hint', id: 'poll-status', role: 'status' })
  const leave = h('button', { type: 'button', class: 'button' }, w.leave)
  const notify = h('div', { class: 'row notify' })
  if (mayAskToNotify()) {
    const ask = h('button', { type: 'button', class: 'button' }, w.notifyMe)
    ask.addEventListener('click', () => {
      ask.disabled = true
      void askToNotify().then((allowed) => notify.replaceChildren(h('p', { class: 'hint' }, allowed ? w.willNotify : w.notifyRefused)))
    })
    notify.append(ask)
  } else if (notifying()) {
    notify.append(h('p', { class: 'hint' }, w.willNotify))
  }

  const el = h(
    'section',
    { class: 'card stack waiting', 'aria-labelledby': 'waiting-title', 'data-view': 'waiting' },
    h('h2', { id: 'waiting-title' }, w.title(concert.title)),
    intro,
    // One polite live region for the place and the wait, read as one sentence when they change.
    h('div', { 'aria-live': 'polite', 'aria-atomic': 'true', class: 'live' }, position, wait, seats),
    countdown,
    progressLabel,
    progress,
    progressEnds,
    draw,
    status,
    notify,
    leave,
  )

  const showProgress = (shown: boolean) => {
    for (const part of [progressLabel, progress, progressEnds]) part.hidden = !shown
  }

  const tickCountdown = () => {
    if (opensAt === null) return
    const left = opensAt - Date.now()
    setText(countdown, left > 0 ? w.opensIn(formatClock(left)) : w.opening)
  }

  /** The draw's commitment before the opening, its seed after: both from the line's public view. */
  const showDraw = async (want: 'commitment' | 'seed') => {
    if (drawShown === want || drawShown === 'seed') return
    drawShown = want
    try {
      const line = await api.line(concert.id)
      if (want === 'seed' && line.seed) {
        setText(draw, w.seed(line.seed, line.seedCommitment ?? ''))
        draw.hidden = false
      } else if (line.seedCommitment) {
        setText(draw, w.commitment(line.seedCommitment))
        draw.hidden = false
      }
    } catch {
      drawShown = 'none' // try again at the next poll
    }
  }

  /** Further back than the seats left: they will likely be gone first (said, not acted on). */
  const showSeats = (state: QueueTokenState) => {
    const behind = state.position !== null && state.seatsLeft !== null && state.position > state.seatsLeft
    seats.hidden = !behind
    if (behind) setText(seats, w.likelyGone(state.seatsLeft!, formatCount(state.position!)))
  }

  const render = (state: QueueTokenState) => {
    showSeats(state)
    if (state.status === 'PREQUEUE') {
      opensAt = state.opensAt === null ? null : Date.parse(state.opensAt)
      setText(intro, w.prequeue)
      setText(position, w.waitingForOpening)
      const untilOpen = Math.ceil(((opensAt ?? Date.now()) - Date.now()) / 1000)
      const after = w.afterOpening(formatWait(Math.max(0, state.estimatedWaitSeconds - untilOpen)))
      setText(wait, opensAt === null ? w.opensShortly(after) : w.opensAt(formatDate(new Date(opensAt).toISOString()), after))
      countdown.hidden = opensAt === null
      tickCountdown()
      clock ??= setInterval(tickCountdown, 1000)
      showProgress(false)
      void showDraw('commitment')
      return
    }
    if (clock !== undefined) {
      clearInterval(clock)
      clock = undefined
      countdown.hidden = true
    }
    setText(intro, w.inLine)
    if (drawShown === 'commitment') void showDraw('seed')
    if (state.position === null) {
      // Random mode: each tick draws the next people from the whole line, so no place to show.
      setText(position, w.random)
      setText(wait, w.medianWait(formatWait(state.estimatedWaitSeconds)))
      showProgress(false)
      return
    }
    const place = state.position
    // The progress bar starts from the furthest place seen for this token (kept across reloads).
    const start = Math.max(place, store.startPosition(token) ?? place)
    store.setStartPosition(token, start)
    setText(position, place === 1 ? w.next : w.place(formatCount(place)))
    setText(wait, w.estimatedWait(formatWait(state.estimatedWaitSeconds)))
    showProgress(true)
    progress.max = start
    progress.value = start - place
    progress.textContent = `${Math.round(((start - place) / start) * 100)}%`
    setText(joinedAt, w.joinedAt(formatCount(start)))
  }

  let events: EventSource | undefined
  let streamErrors = 0

  /** A state from a poll or the stream. */
  const apply = (state: QueueTokenState) => {
    if (stopped) return
    if (state.status === 'ACTIVE') {
      stop()
      options.onActive(state)
      return
    }
    render(state)
    setText(status, '')
  }

  /** Listens instead of polling; false where the browser has no EventSource. */
  const listen = (): boolean => {
    if (typeof EventSource === 'undefined') return false
    const path = `/api/queues/${concert.id}/tokens/current/events?token=${encodeURIComponent(token)}`
    events = new EventSource(path)
    events.addEventListener('state', (e) => {
      streamErrors = 0
      apply(JSON.parse((e as MessageEvent<string>).data) as QueueTokenState)
    })
    events.addEventListener('end', (e) => {
      const body = JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>
      stop()
      options.onLost(new ApiFailure(410, String(body.code), String(body.message), body, null))
    })
    events.onerror = () => {
      if (stopped) return
      // The stream refused (an error answer) or dropped: poll, which tells why or keeps the place.
      if (++streamErrors >= STREAM_ERRORS_BEFORE_POLLING || events?.readyState === EventSource.CLOSED) {
        events?.close()
        events = undefined
        void poll()
      }
    }
    return true
  }

  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(() => void poll(), Math.max(MIN_POLL_MS, ms))
  }

  const poll = async () => {
    try {
      const state = await api.tokenState(concert.id, token)
      attempt = 0
      if (stopped) return
      apply(state)
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
      const why = error instanceof ApiFailure && error.code === 'RATE_LIMITED' ? w.busy : describeFailure(error)
      setText(status, w.kept(why, Math.ceil(delay / 1000)))
      schedule(delay)
    }
  }

  const stop = () => {
    stopped = true
    events?.close()
    clearTimeout(timer)
    clearInterval(clock)
  }

  bindLeave(leave, { api, concertId: concert.id, token, stop, onLeave: options.onLeave })

  render(options.state)
  if (!listen()) schedule(options.state.pollAfterMs)
  return { el, stop }
}
