/**
 * The user's turn: time left, the dates with free-seat counts, the seats, holding them with a
 * countdown to each hold's expiry (and one extension each), the balance, and paying for every hold
 * at once. A date of one hall of at most a whole map's places shows the flat seat map, one seat a
 * hold; a date with a seating plan shows its venue (plan-picker.ts): sections, best available,
 * chosen seats or standing places, several places a hold. Maps and summaries are asked for again
 * every few seconds with their ETags, so an unchanged one costs a 304 and no body; a refresh that
 * fails with 429/503 backs off instead of hammering the gateway. Once the concert's ticket limit is
 * reached the page says it is sold out for this user.
 */
import {
  type ConcertSummary,
  MAX_GROUP,
  MAX_WHOLE_MAP_PLACES,
  type Payment,
  type QueueTokenState,
  type Reservation,
  type Schedule,
  type Seat,
  type SectionsSummary,
} from '@rushgate/shared'
import { type Api, ApiFailure, NOT_MODIFIED, newIdempotencyKey } from '../api.ts'
import { h, setText } from '../dom.ts'
import { formatClock, formatCount, formatDate, formatWon, plural } from '../format.ts'
import { words } from '../lang.ts'
import { describeFailure, LINE_UP_AGAIN } from '../messages.ts'
import { isShorthand, placeName, placeRef } from '../place.ts'
import { retryDelay } from '../retry.ts'
import { createBalancePanel } from './balance.ts'
import { bindLeave } from './leave.ts'
import type { Notice } from './notice.ts'
import { createPlanPicker, type HoldAsk, type HoldOutcome } from './plan-picker.ts'
import { createSeatMap } from './seat-map.ts'
import type { View } from './waiting.ts'

const w = words(
  {
    giveUp: 'Give up my turn',
    dates: 'Dates',
    hold: 'Hold',
    pay: 'Pay',
    title: (concert: string) => `It's your turn · ${concert}`,
    selectedSeat: 'Selected seat',
    yourHolds: 'Your held seats',
    free: (free: number, total: number) => `${plural(free, 'seat', 'seats')} free of ${formatCount(total)}`,
    soldOut: (limit: number) =>
      `Sold out for you: you have ${plural(limit, 'ticket', 'tickets')} for this concert, held or bought, the most one person may have. Release a hold to choose another seat.`,
    noMoreHolds: 'You cannot hold more seats for this concert.',
    choose: 'Choose an available seat on the map.',
    selection: (seat: string, when: string, price: string) => `${seat} · ${when} · ${price}`,
    noHolds: 'No seats held yet. Choose a seat and press Hold.',
    noHoldsPlan: 'Nothing held yet. Choose seats in a section, take the best available, or a standing section.',
    extendedLabel: (seat: string) => `Hold on ${seat} extended`,
    extendLabel: (seat: string) => `Extend hold on ${seat}`,
    extended: 'Extended',
    extend: 'Extend',
    releaseLabel: (seat: string) => `Release ${seat}`,
    release: 'Release',
    total: (sum: string, count: number) => `Total: ${sum} for ${plural(count, 'seat', 'seats')}`,
    timeLeft: (clock: string) => `Time left to buy: ${clock}`,
    holdsRanOut: (seats: string[]) =>
      `Your hold on ${seats.join(', ')} ran out, so the seat was released. You can hold it again if it is still free.`,
    heldFor: (clock: string) => `held for ${clock}`,
    turnLeft: (amount: string) => `${amount} left to buy.`,
    holdLeft: (amount: string, seat: string) => `${amount} left on your hold of ${seat}.`,
    minutes: (n: number) => plural(n, 'minute', 'minutes'),
    seconds: (n: number) => `${n} seconds`,
    tooMany: 'too many requests just now',
    notAnswering: 'the ticket service is not answering',
    outOfDate: (why: string, seconds: number) => `The seats shown may be out of date: ${why}. Refreshing again in ${seconds} s.`,
    held: (seat: string, clock: string) => `${seat} is held for you for ${clock}. Pay before the hold runs out.`,
    heldMany: (places: string[], clock: string) =>
      `Held for you for ${clock}: ${places.join(', ')}. Pay before the holds run out; you pay for all your holds at once.`,
    extendedFor: (seat: string, clock: string) => `Your hold on ${seat} now lasts ${clock} more. A hold can be extended once.`,
    released: (seat: string) => `${seat} was released.`,
  },
  {
    giveUp: '차례 포기하기',
    dates: '공연 일정',
    hold: '선점',
    pay: '결제',
    title: (concert: string) => `내 차례입니다 · ${concert}`,
    selectedSeat: '선택한 좌석',
    yourHolds: '선점한 좌석',
    free: (free: number, total: number) => `${formatCount(total)}석 중 ${formatCount(free)}석 남음`,
    soldOut: (limit: number) =>
      `나에게는 매진: 이 공연의 티켓을 선점 또는 구매로 ${formatCount(limit)}매 가지고 있어 1인당 한도에 이르렀습니다. 다른 좌석을 고르려면 선점 하나를 해제하세요.`,
    noMoreHolds: '이 공연의 좌석을 더 선점할 수 없습니다.',
    choose: '좌석 배치도에서 빈 좌석을 고르세요.',
    selection: (seat: string, when: string, price: string) => `${seat} · ${when} · ${price}`,
    noHolds: '아직 선점한 좌석이 없습니다. 좌석을 고른 뒤 선점을 누르세요.',
    noHoldsPlan: '아직 선점한 좌석이 없습니다. 구역에서 좌석을 고르거나, 자동 배정 또는 스탠딩 구역을 이용하세요.',
    extendedLabel: (seat: string) => `${seat} 선점 연장됨`,
    extendLabel: (seat: string) => `${seat} 선점 연장`,
    extended: '연장됨',
    extend: '연장',
    releaseLabel: (seat: string) => `${seat} 해제`,
    release: '해제',
    total: (sum: string, count: number) => `합계: ${formatCount(count)}석 ${sum}`,
    timeLeft: (clock: string) => `남은 구매 시간: ${clock}`,
    holdsRanOut: (seats: string[]) =>
      `${seats.join(', ')}의 선점 시간이 끝나 좌석이 해제되었습니다. 아직 비어 있으면 다시 선점할 수 있습니다.`,
    heldFor: (clock: string) => `선점 남은 시간 ${clock}`,
    turnLeft: (amount: string) => `구매 시간이 ${amount} 남았습니다.`,
    holdLeft: (amount: string, seat: string) => `${seat} 선점이 ${amount} 남았습니다.`,
    minutes: (n: number) => `${formatCount(n)}분`,
    seconds: (n: number) => `${n}초`,
    tooMany: '방금 요청이 너무 많았습니다',
    notAnswering: '예매 서비스가 응답하지 않습니다',
    outOfDate: (why: string, seconds: number) => `표시된 좌석 정보가 최신이 아닐 수 있습니다: ${why}. ${seconds}초 후에 다시 불러옵니다.`,
    held: (seat: string, clock: string) => `${seat}을 ${clock} 동안 선점했습니다. 선점 시간이 끝나기 전에 결제하세요.`,
    heldMany: (places: string[], clock: string) =>
      `${clock} 동안 선점했습니다: ${places.join(', ')}. 선점 시간이 끝나기 전에 결제하세요. 선점한 좌석은 한 번에 함께 결제됩니다.`,
    extendedFor: (seat: string, clock: string) => `${seat} 선점이 ${clock} 더 유지됩니다. 선점은 한 번만 연장할 수 있습니다.`,
    released: (seat: string) => `${seat}을 해제했습니다.`,
  },
)

/** How often the seat map and the free-seat counts are refreshed. */
export const SEAT_REFRESH_MS = 3000

/**
 * Places one request may ask for until the core says otherwise: the default `MAX_HOLDS_PER_USER`.
 * A 409 `HOLD_LIMIT_REACHED` carries the real limit, which then bounds the choice (up to MAX_GROUP).
 */
const FIRST_PICK_LIMIT = 4

/**
 * How a date is shown: one seated hall that a whole map can list is the flat seat map, as for a
 * date made with the shorthand; anything else (several sections, standing, a bigger hall) its venue.
 */
function layoutOf(summary: SectionsSummary): 'flat' | 'plan' {
  const only = summary.sections.length === 1 ? summary.sections[0] : undefined
  return only?.kind === 'SEATED' && only.total <= MAX_WHOLE_MAP_PLACES ? 'flat' : 'plan'
}

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
  /** How each date is shown, from its first sections summary. */
  const layouts = new Map<number, 'flat' | 'plan'>()
  /** The venue of a date (plan layout): its sections summary, with its ETag. */
  let venue: { scheduleId: number; summary: SectionsSummary; etag: string | null } | null = null
  /** The open section's map (plan layout), for the date and section it is of, with its ETag. */
  let sectionMap: { scheduleId: number; section: string; seats: Seat[]; etag: string | null } | null = null
  let pickLimit = FIRST_PICK_LIMIT
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
  const leave = h('button', { type: 'button', class: 'button' }, w.giveUp)
  const dates = h('ul', { class: 'dates', 'aria-label': w.dates })
  const refreshStatus = h('p', { class: 'hint', 'aria-live': 'polite' })
  const seatMap = createSeatMap((seat) => {
    selected = seat.seatNumber
    renderSeats()
    renderSelection()
  })
  const plan = createPlanPicker({
    hold: (ask) => holdPlaces(ask),
    onOpen: () => {
      renderSeats()
      void refresh()
    },
    tell: (message) => notice.show(message, 'info'),
  })
  plan.el.hidden = true
  const selection = h('p', { class: 'selection', 'aria-live': 'polite' })
  const soldOut = h('p', { class: 'sold-out', role: 'status', hidden: true })
  const holdButton = h('button', { type: 'button', class: 'button primary' }, w.hold)
  const holdList = h('ul', { class: 'holds' })
  const holdTimers = new Map<number, HTMLElement>()
  const total = h('p', { class: 'total', 'aria-live': 'polite' })
  const payButton = h('button', { type: 'button', class: 'button primary' }, w.pay)
  const balance = createBalancePanel(api, notice)

  const selectionCard = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'selection-title' },
    h('h3', { id: 'selection-title' }, w.selectedSeat),
    soldOut,
    selection,
    holdButton,
  )
  const el = h(
    'section',
    { class: 'stack active', 'aria-labelledby': 'active-title', 'data-view': 'active' },
    h(
      'div',
      { class: 'card turn' },
      h('h2', { id: 'active-title' }, w.title(concert.title)),
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
        h('section', { class: 'stack', 'aria-labelledby': 'dates-title' }, h('h3', { id: 'dates-title' }, w.dates), dates),
        seatMap.el,
        plan.el,
        refreshStatus,
      ),
      h(
        'div',
        { class: 'stack' },
        selectionCard,
        h(
          'section',
          { class: 'card stack', 'aria-labelledby': 'holds-title' },
          h('h3', { id: 'holds-title' }, w.yourHolds),
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
                plan.reset()
                renderDates()
                renderSelection()
                void refresh()
              },
            },
            h('span', { class: 'date-when' }, formatDate(s.startsAt)),
            h('span', { class: 'date-free' }, w.free(s.availableSeats, s.totalSeats)),
          ),
        ),
      ),
    )
  }

  const layout = () => (scheduleId === null ? undefined : layouts.get(scheduleId))

  const renderSeats = () => {
    const shown = layout()
    seatMap.el.hidden = shown !== 'flat'
    plan.el.hidden = shown !== 'plan'
    if (shown === 'flat') seatMap.update(seats, mine(), selected)
    if (shown === 'plan' && venue?.scheduleId === scheduleId) {
      const open = plan.openSection()
      const map = sectionMap && sectionMap.scheduleId === scheduleId && sectionMap.section === open ? sectionMap.seats : null
      plan.update(venue.summary, map, mine(), pickLimit, ticketLimit !== null)
    }
  }

  const renderSelection = () => {
    const seat = seats.find((s) => s.seatNumber === selected)
    const schedule = scheduleId === null ? undefined : scheduleOf(scheduleId)
    soldOut.hidden = ticketLimit === null
    // On a venue the choosing happens beside the plan; this card only says "sold out for you".
    const flat = layout() !== 'plan'
    selectionCard.hidden = !flat && ticketLimit === null
    selection.hidden = !flat
    holdButton.hidden = !flat
    if (!flat) renderSeats()
    if (ticketLimit !== null) {
      setText(
        soldOut,
        w.soldOut(ticketLimit),
      )
      setText(selection, w.noMoreHolds)
      holdButton.disabled = true
      return
    }
    if (!seat || !schedule || seat.status !== 'AVAILABLE' || mine().has(seat.seatNumber)) {
      setText(selection, w.choose)
      holdButton.disabled = true
      return
    }
    setText(selection, w.selection(placeName(seat), formatDate(schedule.startsAt), formatWon(seat.price)))
    holdButton.disabled = false
  }

  const renderHolds = () => {
    holdTimers.clear()
    if (holds.length === 0) {
      holdList.replaceChildren(h('li', { class: 'hint' }, layout() === 'plan' ? w.noHoldsPlan : w.noHolds))
    } else {
      holdList.replaceChildren(
        ...holds.map((r) => {
          const timer = h('span', { class: 'hold-timer', role: 'timer' })
          holdTimers.set(r.id, timer)
          const schedule = scheduleOf(r.scheduleId)
          return h(
            'li',
            { class: 'hold', 'data-reservation-id': r.id },
            h(
              'span',
              {},
              h('span', { class: 'hold-seat' }, placeName(r)),
              isShorthand(r) ? null : h('span', { class: 'place-label' }, r.label),
              ' · ',
              formatWon(r.price),
            ),
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
                    'aria-label': extended.has(r.id) ? w.extendedLabel(placeRef(r)) : w.extendLabel(placeRef(r)),
                    disabled: extended.has(r.id),
                    onclick: () => void extend(r),
                  },
                  extended.has(r.id) ? w.extended : w.extend,
                ),
                h(
                  'button',
                  { type: 'button', class: 'button small', 'aria-label': w.releaseLabel(placeRef(r)), onclick: () => void release(r) },
                  w.release,
                ),
              ),
            ),
          )
        }),
      )
    }
    const sum = holds.reduce((acc, r) => acc + r.price, 0)
    setText(total, holds.length === 0 ? '' : w.total(formatWon(sum), holds.length))
    payButton.disabled = holds.length === 0
    tick()
  }

  /** Once a second: the time left, and each hold's countdown; holds that ran out are dropped. */
  const tick = () => {
    const now = Date.now()
    const left = activeUntil - now
    setText(timeLeft, w.timeLeft(formatClock(left)))
    timeLeft.classList.toggle('urgent', left < 60_000)
    announceMilestone('turn', left, w.turnLeft)
    if (left <= 0) void checkExpiry()

    const expired = holds.filter((r) => Date.parse(r.expiresAt) <= now)
    if (expired.length > 0) {
      holds = holds.filter((r) => !expired.includes(r))
      ticketLimit = null
      renderSelection()
      notice.show(
        w.holdsRanOut(expired.map(placeRef)),
        'info',
      )
      renderHolds()
      void refresh()
      return
    }
    for (const r of holds) {
      const timer = holdTimers.get(r.id)
      if (timer) setText(timer, w.heldFor(formatClock(Date.parse(r.expiresAt) - now)))
      announceMilestone(`hold-${r.id}`, Date.parse(r.expiresAt) - now, (amount) => w.holdLeft(amount, placeRef(r)))
    }
  }

  /** Says "2 minutes left to buy" once per milestone: every whole minute, then at 30 and 10 seconds. */
  const announceMilestone = (clock: string, ms: number, sentence: (amount: string) => string) => {
    const seconds = Math.ceil(ms / 1000)
    const milestone = seconds > 60 ? Math.ceil(seconds / 60) * 60 : [60, 30, 10].find((m) => seconds <= m && seconds > m - 10)
    if (milestone === undefined || seconds <= 0 || announced.has(`${clock}:${milestone}`)) return
    announced.add(`${clock}:${milestone}`)
    setText(announcer, sentence(milestone >= 60 ? w.minutes(milestone / 60) : w.seconds(milestone)))
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

  const loadSummary = async (id: number) => {
    const known = venue?.scheduleId === id ? venue.etag : null
    const answer = await api.sections(concert.id, id, token, known)
    if (answer === NOT_MODIFIED) return
    venue = { scheduleId: id, summary: answer.summary, etag: answer.etag }
    layouts.set(id, layoutOf(answer.summary))
  }

  const loadFlatMap = async (id: number) => {
    const known = mapTag?.scheduleId === id ? mapTag.etag : null
    const answer = await api.seats(concert.id, id, token, known)
    if (answer !== NOT_MODIFIED) {
      seats = answer.seats
      mapTag = answer.etag ? { scheduleId: id, etag: answer.etag } : null
    }
  }

  /** The open seated section's rows, if one is open. */
  const loadSectionMap = async (id: number) => {
    const section = plan.openSection()
    if (section === null) return
    const known = sectionMap?.scheduleId === id && sectionMap.section === section ? sectionMap.etag : null
    const answer = await api.seats(concert.id, id, token, known, section)
    if (answer !== NOT_MODIFIED) sectionMap = { scheduleId: id, section, seats: answer.seats, etag: answer.etag }
  }

  const refresh = async () => {
    clearTimeout(refreshTimer)
    try {
      schedules = await api.schedules(concert.id, token)
      if (scheduleId === null || !scheduleOf(scheduleId)) scheduleId = schedules[0]?.id ?? null
      renderDates()
      if (scheduleId === null) seats = []
      else {
        const id = scheduleId
        // A date's layout is known from its first summary; only a venue keeps asking for it.
        const known = layouts.get(id)
        if (known === undefined || known === 'plan') await loadSummary(id)
        // The first summary of a date says what "nothing held yet" should suggest.
        if (known !== layouts.get(id)) renderHolds()
        if (layouts.get(id) === 'flat') await loadFlatMap(id)
        else await loadSectionMap(id)
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
      const why = error instanceof ApiFailure && error.code === 'RATE_LIMITED' ? w.tooMany : w.notAnswering
      setText(refreshStatus, w.outOfDate(why, Math.ceil(delay / 1000)))
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
      notice.show(w.held(placeName(hold), formatClock(Date.parse(hold.expiresAt) - Date.now())), 'success')
    } catch (error) {
      refused(error)
      if (error instanceof ApiFailure && ['SEAT_UNAVAILABLE', 'TICKET_LIMIT_REACHED'].includes(error.code)) selected = null
    }
    renderSelection()
    await refresh()
  })

  /** A hold refused: said with the contract's sentence, and what it teaches about the limits kept. */
  const refused = (error: unknown) => {
    failed(error)
    if (!(error instanceof ApiFailure)) return
    const limit = typeof error.body.limit === 'number' ? error.body.limit : null
    if (error.code === 'TICKET_LIMIT_REACHED') ticketLimit = limit ?? holds.length
    if (error.code === 'HOLD_LIMIT_REACHED' && limit !== null) pickLimit = Math.min(MAX_GROUP, Math.max(1, limit))
  }

  /** Several places in one request (a venue's three ways), all or none. */
  const holdPlaces = async (ask: HoldAsk): Promise<HoldOutcome> => {
    if (scheduleId === null) return { held: false, said: '' }
    let outcome: HoldOutcome
    try {
      const answer = await api.holdGroup(concert.id, { scheduleId, ...ask }, token)
      const ids = new Set(answer.reservations.map((r) => r.id))
      holds = [...holds.filter((r) => !ids.has(r.id)), ...answer.reservations]
      renderHolds()
      outcome = { held: true, said: w.heldMany(answer.reservations.map(placeRef), formatClock(Date.parse(answer.expiresAt) - Date.now())) }
      notice.show(outcome.said, 'success')
    } catch (error) {
      refused(error)
      outcome = { held: false, said: describeFailure(error) }
    }
    renderSelection()
    await refresh()
    return outcome
  }

  const extend = async (hold: Reservation) => {
    try {
      const longer = await api.extend(concert.id, hold.id, token)
      extended.add(hold.id)
      holds = holds.map((r) => (r.id === hold.id ? longer : r))
      notice.show(w.extendedFor(placeRef(hold), formatClock(Date.parse(longer.expiresAt) - Date.now())), 'success')
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
      notice.show(w.released(placeName(hold)), 'info')
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
