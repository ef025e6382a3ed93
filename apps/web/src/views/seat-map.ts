/**
 * The seat map: a grid of buttons named "Seat N", with distinct looks for available, held, sold,
 * your own and the selected seat, and a legend that doubles as each seat's description for screen
 * readers. One seat is in the tab order at a time (roving tabindex); the arrow keys move between seats.
 */
import type { Seat } from '@rushgate/shared'
import { h } from '../dom.ts'
import { formatWon } from '../format.ts'
import { words } from '../lang.ts'
import { say } from '../messages.ts'

const w = words(
  {
    available: 'Available',
    held: 'Held by someone else',
    sold: 'Sold',
    mine: 'Held by you',
    selected: 'Selected',
    seats: 'Seats',
    legend: 'Legend',
    chooseDate: 'Choose a date to see its seats.',
  },
  {
    available: '선택 가능',
    held: '다른 사람이 선점',
    sold: '판매 완료',
    mine: '내가 선점',
    selected: '선택됨',
    seats: '좌석',
    legend: '범례',
    chooseDate: '날짜를 고르면 좌석이 보입니다.',
  },
)

/** The narrowest a seat of the flat map gets (1.75rem): still a finger's width on a phone. */
const SEAT_MIN_PX = 28

export type Look = 'available' | 'held' | 'sold' | 'mine'

export const LEGEND: Record<Look, string> = { available: w.available, held: w.held, sold: w.sold, mine: w.mine }

/** How a seat looks: the user's own hold first, then its status. */
export function lookOf(seat: Seat, mine: ReadonlySet<number>): Look {
  return mine.has(seat.seatNumber) ? 'mine' : seat.status === 'AVAILABLE' ? 'available' : seat.status === 'HELD' ? 'held' : 'sold'
}

/** The legend of seat looks; each entry's id (`<prefix>-<look>`) describes the seats that look so. */
export function seatLegend(prefix: string): HTMLUListElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': w.legend },
    ...(Object.keys(LEGEND) as Look[]).map((look) =>
      h('li', {}, h('span', { class: `swatch seat--${look}`, 'aria-hidden': 'true' }), h('span', { id: `${prefix}-${look}` }, LEGEND[look])),
    ),
    h('li', {}, h('span', { class: 'swatch seat--selected', 'aria-hidden': 'true' }), h('span', {}, w.selected)),
  )
}

export interface SeatMap {
  el: HTMLElement
  update(seats: Seat[], mine: ReadonlySet<number>, selected: number | null): void
}

export function createSeatMap(onSelect: (seat: Seat) => void): SeatMap {
  const grid = h('div', { class: 'seat-grid', role: 'group', 'aria-label': w.seats })
  const legend = seatLegend('legend')
  const empty = h('p', { class: 'hint' }, w.chooseDate)
  const el = h('section', { class: 'stack', 'aria-labelledby': 'seats-title' }, h('h3', { id: 'seats-title' }, w.seats), legend, empty, grid)

  let buttons = new Map<number, HTMLButtonElement>()
  let seatsByNumber = new Map<number, Seat>()
  let order: number[] = []
  let focusable: number | null = null

  // Wider rows for big halls, as many as the grid's width takes without squeezing a seat below
  // SEAT_MIN_PX (a phone gets 10 a row, or 5): the page never scrolls sideways for the map.
  const columns = () => {
    const wanted = order.length > 100 ? 20 : order.length > 60 ? 15 : 10
    const width = grid.clientWidth - 8 // the grid's padding
    if (width <= 0) return wanted
    const gap = Number.parseFloat(getComputedStyle(grid).columnGap) || 0
    return [wanted, 15, 10, 5].find((n) => n <= wanted && n * SEAT_MIN_PX + (n - 1) * gap <= width) ?? 5
  }
  const layout = () => {
    const cols = columns()
    if (grid.style.getPropertyValue('--cols') !== String(cols)) grid.style.setProperty('--cols', String(cols))
  }
  new ResizeObserver(layout).observe(grid)

  const moveFocus = (from: number, key: string) => {
    const index = order.indexOf(from)
    const cols = Number(grid.style.getPropertyValue('--cols')) || columns()
    const target = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      ArrowDown: index + cols,
      ArrowUp: index - cols,
      Home: 0,
      End: order.length - 1,
    }[key]
    if (target === undefined) return false
    const next = order[Math.min(order.length - 1, Math.max(0, target))]
    if (next === undefined) return true
    setFocusable(next)
    buttons.get(next)?.focus()
    return true
  }

  const setFocusable = (seatNumber: number) => {
    if (focusable !== null) buttons.get(focusable)?.setAttribute('tabindex', '-1')
    focusable = seatNumber
    buttons.get(seatNumber)?.setAttribute('tabindex', '0')
  }

  const build = (seats: Seat[]) => {
    buttons = new Map()
    order = seats.map((s) => s.seatNumber)
    focusable = null
    const nodes = seats.map((seat) => {
      const button = h('button', { type: 'button', class: 'seat', tabindex: -1, 'aria-label': say.seat(seat.seatNumber) }, String(seat.seatNumber))
      button.addEventListener('click', () => {
        setFocusable(seat.seatNumber)
        const current = seatsByNumber.get(seat.seatNumber)
        if (current && button.getAttribute('aria-disabled') !== 'true') onSelect(current)
      })
      button.addEventListener('keydown', (ev) => {
        if (moveFocus(seat.seatNumber, ev.key)) ev.preventDefault()
      })
      buttons.set(seat.seatNumber, button)
      return button
    })
    grid.classList.toggle('seat-grid--large', order.length > 100)
    grid.replaceChildren(...nodes)
    layout()
  }

  return {
    el,
    update(seats, mine, selected) {
      const sameSeats = seats.length === order.length && seats.every((s, i) => s.seatNumber === order[i])
      // Rebuilt only when the seats themselves change (another date), so focus survives a refresh.
      if (!sameSeats) build(seats)
      seatsByNumber = new Map(seats.map((s) => [s.seatNumber, s]))
      empty.hidden = seats.length > 0
      for (const seat of seats) {
        const button = buttons.get(seat.seatNumber)!
        const look = lookOf(seat, mine)
        const isSelected = selected === seat.seatNumber && look === 'available'
        button.className = `seat seat--${look}${isSelected ? ' seat--selected' : ''}`
        button.dataset.status = seat.status
        button.setAttribute('aria-describedby', `legend-${look}`)
        button.setAttribute('aria-pressed', String(isSelected))
        button.setAttribute('aria-disabled', String(look !== 'available'))
        button.title = `${say.seat(seat.seatNumber)} · ${LEGEND[look]} · ${formatWon(seat.price)}`
      }
      if (focusable === null || !buttons.has(focusable)) {
        const first = selected !== null && buttons.has(selected) ? selected : order[0]
        if (first !== undefined) setFocusable(first)
      }
    },
  }
}
