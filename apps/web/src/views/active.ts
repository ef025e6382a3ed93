/**
 * The user's turn: time left, the dates with free-seat counts, the seat map, holding seats with a
 * countdown to each hold's expiry (and one extension each), the balance, and paying. The seat map
 * is asked for again every few seconds with its ETag, so an unchanged map costs a 304 and no body;
 * a refresh that fails with 429/503 backs off instead of hammering the gateway. Once the concert's
 * ticket limit is reached the page says it is sold out for this user.
 */
import type { ConcertSummary, Payment, QueueTokenState, Reservation, Schedule, Seat } from '@rushgate/shared'
import { type Api, ApiFailure, NOT_MODIFIED, newIdempotencyKey } from '../api.ts'
import { h, setText } from '../dom.ts'
import { formatClock, formatCount, formatDate, formatWon, plural } from '../format.ts'
import { describeFailure, LINE_UP_AGAIN } from '../messages.ts'
import { retryDelay } from '../retry.ts'
import { createBalancePanel } from './balance.ts'
import { bindLeave } from './leave.ts'
import type { Notice } from './notice.ts'
import { createSeatMap } from './seat-map.ts'
import type { View } from './waiting.ts'

/** How often the seat map and the free-seat counts are refreshed. */
export const SEAT_REFRESH_MS = 3000

export interface ActiveOptions {
  api: Api
  concert: ConcertSummary
  state: QueueTokenState
  notice: Notice
  onLost: (error: unknown) => void
  onPaid: (payment: Payment, seats: Reservation[], schedules: Schedule[]) => void
  onLeave: () => void
}

export function activeView(options: ActiveOptions): View {
  const { api, concert, notice } = options
  const token = options.state.token
  let activeUntil = Date.parse(options.state.activeUntil ?? '') || Date.now()
  let schedules: Schedule[] = []
  let scheduleId: number | null = null
  let seats: Seat[] = []
  /** The ETag of the map in `seats`, and its date: asked again with If-None-Match. */
  let mapTag: { scheduleId: number; etag: string } | null = null
  let holds: Reservation[] = []
  /** Holds extended once already (the one extension a hold gets). */
  const extended = new Set<number>()
  /** The ticket limit, once a hold was refused for reaching it: "sold out for you". */
  let ticketLimit: number | null = null
  let selected: number | null = null
  let stopped = false
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  let refreshAttempt = 0
  let checkingExpiry = false
  const payKeys = new Map<string, string>()

  // ---- elements ----
  // The clocks change every second; a screen reader hears them through `announcer`, at milestones only.
  const timeLeft = h('p', { class: 'time-left', role: 'timer' })
  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' })
  const announced = new Set<string>()
  const leave = h('button', { type: 'button', class: 'button' }, 'Give up my turn')
  const dates = h('ul', { class: 'dates', 'aria-label': 'Dates' })
  const refreshStatus = h('p', { class: 'hint', 'aria-live': 'polite' })
  const seatMap = createSeatMap((seat) => {
    selected = seat.seatNumber
    renderSeats()
    renderSelection()
  })
  const selection = h('p', { class: 'selection', 'aria-live': 'polite' })
  const soldOut = h('p', { class: 'sold-out', role: 'status', hidden: true })
  const holdButton = h('button', { type: 'button', class: 'button primary' }, 'Hold')
  const holdList = h('ul', { class: 'holds' })
  const holdTimers = new Map<number, HTMLElement>()
  const total = h('p', { class: 'total', 'aria-live': 'polite' })
  const payButton = h('button', { type: 'button', class: 'button primary' }, 'Pay')
  const balance = createBalancePanel(api, notice)

  const el = h(
    'section',
    { class: 'stack active', 'aria-labelledby': 'active-title', 'data-view': 'active' },
    h(
      'div',
      { class: 'card turn' },
      h('h2', { id: 'active-title' }, `It's your turn · ${concert.title}`),
      timeLeft,
      announcer,
      leave,
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        { class: 'card stack' },
        h('section', { class: 'stack', 'aria-labelledby': 'dates-title' }, h('h3', { id: 'dates-title' }, 'Dates'), dates),
        seatMap.el,
        refreshStatus,
      ),
      h(
        'div',
        { class: 'stack' },
        h('section', { class: 'card stack', 'aria-labelledby': 'selection-title' }, h('h3', { id: 'selection-title' }, 'Selected seat'), soldOut, selection, holdButton),
        h(
          'section',
          { class: 'card stack', 'aria-labelledby': 'holds-title' },
          h('h3', { id: 'holds-title' }, 'Your held seats'),
          holdList,
          total,
          payButton,
        ),
        h('div', { class: 'card' }, balance.el),
      ),
    ),
  )

  // ---- rendering ----
  const scheduleOf = (id: number) => schedules.find((s) => s.id === id)
  const mine = () => new Set(holds.filter((r) => r.scheduleId === scheduleId).map((r) => r.seatNumber))

  const renderDates = () => {
    dates.replaceChildren(
      ...schedules.map((s) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'button date',
              'aria-pressed': String(s.id === scheduleId),
              onclick: () => {
                if (scheduleId === s.id) return
                scheduleId = s.id
                selected = null
                renderDates()
                renderSelection()
                void refresh()
              },
            },
            h('span', { class: 'date-when' }, formatDate(s.startsAt)),
            h('span', { class: 'date-free' }, `${plural(s.availableSeats, 'seat', 'seats')} free of ${formatCount(s.totalSeats)}`),
          ),
        ),
      ),
    )
  }

  const renderSeats = () => seatMap.update(seats, mine(), selected)

  const renderSelection = () => {
    const seat = seats.find((s) => s.seatNumber === selected)
    const schedule = scheduleId === null ? undefined : scheduleOf(scheduleId)
    soldOut.hidden = ticketLimit === null
    if (ticketLimit !== null) {
      setText(
        soldOut,
        `Sold out for you: you have ${plural(ticketLimit, 'ticket', 'tickets')} for this concert, held or bought, the most one person may have. Release a hold to choose another seat.`,
      )
      setText(selection, 'You cannot hold more seats for this concert.')
      holdButton.disabled = true
      return
    }
    if (!seat || !schedule || seat.status !== 'AVAILABLE' || mine().has(seat.seatNumber)) {
      setText(selection, 'Choose an available seat on the map.')
      holdButton.disabled = true
      return
    }
    setText(selection, `Seat ${seat.seatNumber} · ${formatDate(schedule.startsAt)} · ${formatWon(seat.price)}`)
    holdButton.disabled = false
  }

  const renderHolds = () => {
    holdTimers.clear()
    if (holds.length === 0) {
      holdList.replaceChildren(h('li', { class: 'hint' }, 'No seats held yet. Choose a seat and press Hold.'))
    } else {
      holdList.replaceChildren(
        ...holds.map((r) => {
          const timer = h('span', { class: 'hold-timer', role: 'timer' })
          holdTimers.set(r.id, timer)
          const schedule = scheduleOf(r.scheduleId)
          return h(
            'li',
            { class: 'hold', 'data-reservation-id': r.id },
            h('span', {}, h('span', { class: 'hold-seat' }, `Seat ${r.seatNumber}`), ' · ', formatWon(r.price)),
            h('span', { class: 'hint' }, schedule ? formatDate(schedule.startsAt) : ''),
            h(
              'span',
              { class: 'row' },
              timer,
              h(
                'span',
                { class: 'row' },
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'button small',
                    'aria-label': extended.has(r.id) ? `Hold on seat ${r.seatNumber} extended` : `Extend hold on seat ${r.seatNumber}`,
                    disabled: extended.has(r.id),
                    onclick: () => void extend(r),
                  },
                  extended.has(r.id) ? 'Extended' : 'Extend',
                ),
                h(
                  'button',
                  { type: 'button', class: 'button small', 'aria-label': `Release seat ${r.seatNumber}`, onclick: () => void release(r) },
                  'Release',
                ),
              ),
            ),
          )
        }),
      )
    }
    const sum = holds.reduce((acc, r) => acc + r.price, 0)
    setText(total, holds.length === 0 ? '' : `Total: ${formatWon(sum)} for ${plural(holds.length, 'seat', 'seats')}`)
    payButton.disabled = holds.length === 0
    tick()
  }

  /** Once a second: the time left, and each hold's countdown; holds that ran out are dropped. */
  const tick = () => {
    const now = Date.now()
    const left = activeUntil - now
    setText(timeLeft, `Time left to buy: ${formatClock(left)}`)
    timeLeft.classList.toggle('urgent', left < 60_000)
    announceMilestone('turn', left, 'to buy')
    if (left <= 0) void checkExpiry()

    const expired = holds.filter((r) => Date.parse(r.expiresAt) <= now)
    if (expired.length > 0) {
      holds = holds.filter((r) => !expired.includes(r))
      ticketLimit = null
      renderSelection()
      notice.show(
        `Your hold on ${expired.map((r) => `seat ${r.seatNumber}`).join(', ')} ran out, so the seat was released. You can hold it again if it is still free.`,
        'info',
      )
      renderHolds()
      void refresh()
      return
    }
    for (const r of holds) {
      const timer = holdTimers.get(r.id)
      if (timer) setText(timer, `held for ${formatClock(Date.parse(r.expiresAt) - now)}`)
      announceMilestone(`hold-${r.id}`, Date.parse(r.expiresAt) - now, `on your hold of seat ${r.seatNumber}`)
    }
  }

  /** Says "2 minutes left to buy" once per milestone: every whole minute, then at 30 and 10 seconds. */
  const announceMilestone = (clock: string, ms: number, what: string) => {
    const seconds = Math.ceil(ms / 1000)
    const milestone = seconds > 60 ? Math.ceil(seconds / 60) * 60 : [60, 30, 10].find((m) => seconds <= m && seconds > m - 10)
    if (milestone === undefined || seconds <= 0 || announced.has(`${clock}:${milestone}`)) return
    announced.add(`${clock}:${milestone}`)
    const amount = milestone >= 60 ? plural(milestone / 60, 'minute', 'minutes') : `${milestone} seconds`
    setText(announcer, `${amount} left ${what}.`)
  }

  /** The clock says time is up; the server has the last word (the clocks may differ). */
  const checkExpiry = async () => {
    if (checkingExpiry || stopped) return
    checkingExpiry = true
    try {
      const state = await api.tokenState(concert.id, token)
      activeUntil = Date.parse(state.activeUntil ?? '') || activeUntil
      if (state.status !== 'ACTIVE' || activeUntil <= Date.now()) {
        lose(new ApiFailure(410, 'QUEUE_TOKEN_EXPIRED', 'The active time ran out.', {}, null))
      }
    } catch (error) {
      if (retryDelay(error, 0) === null) lose(error)
    } finally {
      setTimeout(() => {
        checkingExpiry = false
      }, 2000)
    }
  }

  // ---- loading ----
  const lose = (error: unknown) => {
    if (stopped) return
    stop()
    options.onLost(error)
  }

  /** A failed action: the place in line may be gone, or the page just says what happened. */
  const failed = (error: unknown) => {
    // Without an accepted identity nothing of the turn works: hand over to the page's sign-in.
    if (error instanceof ApiFailure && (LINE_UP_AGAIN.has(error.code) || error.code === 'UNAUTHENTICATED')) lose(error)
    else notice.show(describeFailure(error))
  }

  const loadHolds = async () => {
    const now = Date.now()
    const all = await api.reservations()
    holds = all.filter((r) => r.concertId === concert.id && r.status === 'HELD' && Date.parse(r.expiresAt) > now)
    renderHolds()
  }

  const refresh = async () => {
    clearTimeout(refreshTimer)
    try {
      schedules = await api.schedules(concert.id, token)
      if (scheduleId === null || !scheduleOf(scheduleId)) scheduleId = schedules[0]?.id ?? null
      renderDates()
      if (scheduleId === null) seats = []
      else {
        const known = mapTag?.scheduleId === scheduleId ? mapTag.etag : null
        const answer = await api.seats(concert.id, scheduleId, token, known)
        if (answer !== NOT_MODIFIED) {
          seats = answer.seats
          mapTag = answer.etag ? { scheduleId, etag: answer.etag } : null
        }
      }
      refreshAttempt = 0
      setText(refreshStatus, '')
      renderSeats()
      renderSelection()
      if (!stopped) refreshTimer = setTimeout(() => void refresh(), SEAT_REFRESH_MS)
    } catch (error) {
      if (stopped) return
      const delay = retryDelay(error, refreshAttempt++)
      if (delay === null) {
        failed(error)
        return
      }
      const why = error instanceof ApiFailure && error.code === 'RATE_LIMITED' ? 'too many requests just now' : 'the ticket service is not answering'
      setText(refreshStatus, `The seats shown may be out of date: ${why}. Refreshing again in ${Math.ceil(delay / 1000)} s.`)
      refreshTimer = setTimeout(() => void refresh(), delay)
    }
  }

  // ---- actions ----
  holdButton.addEventListener('click', async () => {
    const seatNumber = selected
    if (seatNumber === null || scheduleId === null) return
    holdButton.disabled = true
    try {
      const hold = await api.hold(concert.id, scheduleId, seatNumber, token)
      holds = [...holds.filter((r) => r.id !== hold.id), hold]
      selected = null
      renderHolds()
      notice.show(`Seat ${hold.seatNumber} is held for you for ${formatClock(Date.parse(hold.expiresAt) - Date.now())}. Pay before the hold runs out.`, 'success')
    } catch (error) {
      failed(error)
      if (error instanceof ApiFailure && error.code === 'SEAT_UNAVAILABLE') selected = null
      if (error instanceof ApiFailure && error.code === 'TICKET_LIMIT_REACHED') {
        ticketLimit = typeof error.body.limit === 'number' ? error.body.limit : holds.length
        selected = null
      }
    }
    renderSelection()
    await refresh()
  })

  const extend = async (hold: Reservation) => {
    try {
      const longer = await api.extend(concert.id, hold.id, token)
      extended.add(hold.id)
      holds = holds.map((r) => (r.id === hold.id ? longer : r))
      notice.show(`Your hold on seat ${hold.seatNumber} now lasts ${formatClock(Date.parse(longer.expiresAt) - Date.now())} more. A hold can be extended once.`, 'success')
      renderHolds()
    } catch (error) {
      if (error instanceof ApiFailure && error.code === 'HOLD_ALREADY_EXTENDED') {
        extended.add(hold.id)
        renderHolds()
      }
      failed(error)
      if (error instanceof ApiFailure && ['HOLD_EXPIRED', 'RESERVATION_PAID', 'RESERVATION_NOT_FOUND'].includes(error.code)) {
        await Promise.allSettled([loadHolds(), refresh()])
      }
    }
  }

  const release = async (hold: Reservation) => {
    try {
      await api.release(concert.id, hold.id, token)
      notice.show(`Seat ${hold.seatNumber} was released.`, 'info')
      // One ticket fewer: the limit may allow another seat again (the next hold will tell).
      ticketLimit = null
      renderSelection()
    } catch (error) {
      failed(error)
    }
    await Promise.allSettled([loadHolds(), refresh()])
  }

  payButton.addEventListener('click', async () => {
    const paying = [...holds].sort((a, b) => a.id - b.id)
    if (paying.length === 0) return
    const ids = paying.map((r) => r.id)
    // The same set of holds keeps its key, so a retry after a lost answer is charged once.
    const key = payKeys.get(ids.join(',')) ?? newIdempotencyKey()
    payKeys.set(ids.join(','), key)
    payButton.disabled = true
    try {
      const payment = await api.pay(concert.id, ids, token, key)
      stop()
      options.onPaid(payment, paying, schedules)
      return
    } catch (error) {
      if (error instanceof ApiFailure && error.status >= 400 && error.status < 500) payKeys.delete(ids.join(','))
      failed(error)
      if (error instanceof ApiFailure && error.code === 'INSUFFICIENT_BALANCE') {
        const { balance: have, amount } = error.body as { balance?: number; amount?: number }
        if (typeof have === 'number') balance.set(have)
        if (typeof have === 'number' && typeof amount === 'number') balance.suggest(amount - have)
      }
      if (error instanceof ApiFailure && ['HOLD_EXPIRED', 'RESERVATION_PAID', 'RESERVATION_NOT_FOUND'].includes(error.code)) {
        await Promise.allSettled([loadHolds(), refresh()])
      }
    }
    payButton.disabled = holds.length === 0
  })

  // `stop` is declared below; the arrow reads it at click time.
  bindLeave(leave, { api, concertId: concert.id, token, stop: () => stop(), onLeave: options.onLeave })

  const ticker = setInterval(tick, 1000)
  const stop = () => {
    stopped = true
    clearInterval(ticker)
    clearTimeout(refreshTimer)
  }

  renderHolds()
  renderSelection()
  void refresh()
  void loadHolds().catch(failed)
  void balance.refresh()
  return { el, stop }
}
